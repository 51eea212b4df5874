"""scale: staging projects for imports, job owner, heartbeat and parent (chunks), keyset
index on documents

Revision ID: 0008
Revises: 0010
Create Date: 2026-11-29 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("project") as batch:
        batch.add_column(sa.Column("staged_for_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("staged_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            "fk_project_staged_for_id_project", "project", ["staged_for_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        batch.create_index("ix_project_staged_for_id", ["staged_for_id"])
    with op.batch_alter_table("job") as batch:
        batch.add_column(sa.Column("owner", sa.String(200), nullable=True))
        batch.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch.create_index("ix_job_heartbeat_at", ["heartbeat_at"])
        batch.create_index("ix_job_parent_id", ["parent_id"])
        batch.create_foreign_key(
            "fk_job_parent_id_job", "job", ["parent_id"], ["id"], ondelete="CASCADE"
        )
    op.create_index("ix_document_project_id", "document", ["project_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_document_project_id", "document")
    with op.batch_alter_table("job") as batch:
        batch.drop_constraint("fk_job_parent_id_job", type_="foreignkey")
        batch.drop_index("ix_job_parent_id")
        batch.drop_index("ix_job_heartbeat_at")
        batch.drop_column("parent_id")
        batch.drop_column("heartbeat_at")
        batch.drop_column("owner")
    with op.batch_alter_table("project") as batch:
        batch.drop_index("ix_project_staged_for_id")
        batch.drop_constraint("fk_project_staged_for_id_project", type_="foreignkey")
        batch.drop_column("staged_seen_at")
        batch.drop_column("staged_for_id")
