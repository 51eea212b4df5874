"""document archive: an archived document is read-only and out of the queues (issue 15)

Revision ID: 0018
Revises: 0019
Create Date: 2026-11-30 00:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("document", sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Not a batch (a copy of the table): on SQLite that would drop the search triggers.
    op.execute("ALTER TABLE document DROP COLUMN archived_at")
