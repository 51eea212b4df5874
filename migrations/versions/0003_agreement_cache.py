"""agreement cache: per-document agreement statistics keyed by annotation versions

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 17:50:29.586068
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agreement_stats",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("layer", sa.String(length=10), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("stats", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "layer IN ('entities', 'pos', 'coref')", name=op.f("ck_agreement_stats_layer_known")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_agreement_stats_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "layer", name=op.f("pk_agreement_stats")),
    )


def downgrade() -> None:
    op.drop_table("agreement_stats")
