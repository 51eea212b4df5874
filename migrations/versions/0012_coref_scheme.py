"""project.coref_scheme: the coreference annotation scheme preset pre-annotation uses

Revision ID: 0012
Revises: 0005
Create Date: 2026-11-29 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("coref_scheme", sa.String(length=20), server_default="gum", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("coref_scheme")
