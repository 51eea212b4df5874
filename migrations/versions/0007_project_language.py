"""project.language: the language of a project's texts (spaCy's code, e.g. "en", "de"),
written as ``lang`` into the config.cfg of spaCy exports

Revision ID: 0007
Revises: 0014
Create Date: 2026-11-29 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("language", sa.String(length=20), nullable=False, server_default="en")
        )


def downgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.drop_column("language")
