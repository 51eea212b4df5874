"""project.staged_publishing: an import's staging project whose file is being published
(issue 13)

On SQLite the staged documents now move into their project in batches, each its own short
transaction, so a save never waits behind one long UPDATE. Once the first batch may have
moved, the file can only go forward: this flag, committed before the first batch, tells
``staging.discard`` and ``remove_abandoned`` to finish the move instead of deleting what is
left (which would leave part of the file in the project).

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a plain ADD COLUMN: a batch (table copy) would trip the FTS trigger that names project
    op.add_column(
        "project",
        sa.Column("staged_publishing", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("project", "staged_publishing")  # SQLite >= 3.35 drops columns itself
