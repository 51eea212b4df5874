"""every document is tokenized when stored: tokenize the ones stored without tokens, then
make ``document.tokens`` NOT NULL (reads never tokenize, and so never write)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_BATCH = 500


def upgrade() -> None:
    connection = op.get_bind()
    document = sa.table(
        "document", sa.column("id", sa.Integer), sa.column("text", sa.Text),
        sa.column("tokens", sa.JSON),
    )  # fmt: skip
    last = 0
    while True:
        rows = connection.execute(
            sa.select(document.c.id, document.c.text)
            .where(document.c.tokens.is_(None), document.c.id > last)
            .order_by(document.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        from textlabel.nlp.pipeline import tokenize_text  # spaCy only when there is work

        for document_id, text in rows:
            connection.execute(
                document.update()
                .where(document.c.id == document_id)
                .values(tokens=tokenize_text(text).to_stored())
            )
        last = rows[-1][0]
    with op.batch_alter_table("document") as batch:
        batch.alter_column("tokens", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.alter_column("tokens", existing_type=sa.JSON(), nullable=True)
