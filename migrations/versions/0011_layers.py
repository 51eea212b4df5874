"""relations, document labels and span categories (issue 16): ``layer_label`` rows for their
labels, ``project.cats_mode`` / ``span_overlap``, ``annotation.relations`` / ``cats``, and
span rows of layer "sc"

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "layer_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("color", sa.String(length=7), nullable=False),
        sa.Column("hotkey", sa.String(length=1), nullable=True),
        sa.Column("heads", sa.JSON(), nullable=True),
        sa.Column("children", sa.JSON(), nullable=True),
        sa.Column("directed", sa.Boolean(), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_layer_label_name_not_empty")),
        sa.CheckConstraint(
            "layer IN ('relations', 'cats', 'spans')", name=op.f("ck_layer_label_layer_known")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_layer_label_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_layer_label")),
        sa.UniqueConstraint("project_id", "layer", "name", name=op.f("uq_layer_label_project_id")),
    )
    with op.batch_alter_table("project") as batch:
        batch.add_column(
            sa.Column("cats_mode", sa.String(length=10), server_default="multi", nullable=False)
        )
        batch.add_column(
            sa.Column("span_overlap", sa.String(length=10), server_default="any", nullable=False)
        )
        batch.create_check_constraint("cats_mode_known", "cats_mode IN ('single', 'multi')")
        batch.create_check_constraint("span_overlap_known", "span_overlap IN ('any', 'none')")
    with op.batch_alter_table("annotation") as batch:
        batch.add_column(sa.Column("relations", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("cats", sa.JSON(), nullable=True))
    with op.batch_alter_table("span") as batch:
        batch.drop_constraint(op.f("ck_span_layer_known"), type_="check")
        batch.drop_constraint(op.f("ck_span_entity_has_label"), type_="check")
        batch.create_check_constraint("layer_known", "layer IN ('ent', 'coref', 'sc')")
        batch.create_check_constraint("label_unless_mention", "(layer = 'coref') = (label IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM span WHERE layer = 'sc'")
    with op.batch_alter_table("span") as batch:
        batch.drop_constraint(op.f("ck_span_layer_known"), type_="check")
        batch.drop_constraint(op.f("ck_span_label_unless_mention"), type_="check")
        batch.create_check_constraint("layer_known", "layer IN ('ent', 'coref')")
        batch.create_check_constraint("entity_has_label", "(layer = 'ent') = (label IS NOT NULL)")
    with op.batch_alter_table("annotation") as batch:
        batch.drop_column("cats")
        batch.drop_column("relations")
    with op.batch_alter_table("project") as batch:
        batch.drop_constraint(op.f("ck_project_span_overlap_known"), type_="check")
        batch.drop_constraint(op.f("ck_project_cats_mode_known"), type_="check")
        batch.drop_column("span_overlap")
        batch.drop_column("cats_mode")
    op.drop_table("layer_label")
