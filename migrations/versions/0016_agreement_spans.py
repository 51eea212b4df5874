"""agreement cache rows for the span-category layer (issue 16)

Revision ID: 0016
Revises: 0011a
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0011a"
branch_labels = None
depends_on = None

_NEW = "layer IN ('entities', 'pos', 'coref', 'relations', 'cats', 'spans')"
_OLD = "layer IN ('entities', 'pos', 'coref', 'relations', 'cats')"


def upgrade() -> None:
    with op.batch_alter_table("agreement_stats") as batch:
        batch.drop_constraint(op.f("ck_agreement_stats_layer_known"), type_="check")
        batch.create_check_constraint("layer_known", _NEW)


def downgrade() -> None:
    op.execute("DELETE FROM agreement_stats WHERE layer = 'spans'")
    with op.batch_alter_table("agreement_stats") as batch:
        batch.drop_constraint(op.f("ck_agreement_stats_layer_known"), type_="check")
        batch.create_check_constraint("layer_known", _OLD)
