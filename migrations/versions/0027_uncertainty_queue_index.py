"""document (project_id, uncertainty DESC, id) where scored and not archived: the uncertainty
queue's next untouched documents by an index walk, not a sort of all of them (issue 13)

Revision ID: 0027
Revises: 0026
Create Date: 2026-11-30 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

SCORED_IN_PLAY = "uncertainty IS NOT NULL AND archived_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_document_project_uncertainty",
        "document",
        ["project_id", sa.column("uncertainty").desc(), "id"],
        sqlite_where=sa.text(SCORED_IN_PLAY),
        postgresql_where=sa.text(SCORED_IN_PLAY),
    )


def downgrade() -> None:
    op.drop_index("ix_document_project_uncertainty", table_name="document")
