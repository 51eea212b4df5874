"""document.pages: a PDF's page offsets apart from the source's metadata

A CSV column or a JSON key named "pages" is the source's own metadata; the annotation page
read meta["pages"] as page offsets and failed on such documents. Offsets that a PDF import
wrote into meta move to the new column.

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 12:00:00.000000
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None

_document = sa.table(
    "document",
    sa.column("id", sa.Integer),
    sa.column("meta", sa.JSON),
    sa.column("source_file", sa.String),
    sa.column("source_unit", sa.String),
    sa.column("pages", sa.JSON),
)


def _is_offsets(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(n, int) for n in pair)
        for pair in value
    )


def upgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("pages", sa.JSON(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_document.c.id, _document.c.meta).where(
            sa.func.lower(_document.c.source_file).like("%.pdf"),
            _document.c.source_unit == "document",
        )
    )
    for document_id, meta in rows.all():
        if isinstance(meta, dict) and _is_offsets(meta.get("pages")):
            rest = {key: value for key, value in meta.items() if key != "pages"}
            connection.execute(
                sa.update(_document)
                .where(_document.c.id == document_id)
                .values(pages=meta["pages"], meta=rest)
            )


def downgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_document.c.id, _document.c.meta, _document.c.pages).where(
            _document.c.pages.is_not(None)
        )
    )
    for document_id, meta, pages in rows.all():
        connection.execute(
            sa.update(_document)
            .where(_document.c.id == document_id)
            .values(meta={**(meta or {}), "pages": pages})
        )
    with op.batch_alter_table("document") as batch:
        batch.drop_column("pages")
