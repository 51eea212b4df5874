"""model loop: trained model versions, the model version of a prediction, per-document
uncertainty and routed overlap

Revision ID: 0010
Revises: 0006
Create Date: 2026-11-29 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("base_model", sa.String(length=200), nullable=False),
        sa.Column("label_map", sa.JSON(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("curve", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["user.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["job_id"], ["job.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "version"),
    )
    op.create_index(
        "uq_model_version_active", "model_version", ["project_id"], unique=True,
        sqlite_where=sa.text("active"), postgresql_where=sa.text("active"),
    )  # fmt: skip
    with op.batch_alter_table("annotation") as batch:
        batch.add_column(sa.Column("model_version_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_annotation_model_version_id_model_version", "model_version",
            ["model_version_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
    with op.batch_alter_table("document") as batch:
        batch.add_column(sa.Column("uncertainty", sa.Double(), nullable=True))
        batch.add_column(sa.Column("overlap", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("document") as batch:
        batch.drop_column("overlap")
        batch.drop_column("uncertainty")
    with op.batch_alter_table("annotation") as batch:
        batch.drop_constraint("fk_annotation_model_version_id_model_version", type_="foreignkey")
        batch.drop_column("model_version_id")
    op.drop_index("uq_model_version_active", table_name="model_version")
    op.drop_table("model_version")
