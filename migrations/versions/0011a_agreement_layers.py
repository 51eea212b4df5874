"""agreement cache rows for the relations and cats layers (issue 16)

Revision ID: 0011a
Revises: 0011
Create Date: 2026-11-29 15:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0011a"
down_revision = "0011"
branch_labels = None
depends_on = None

_NEW = "layer IN ('entities', 'pos', 'coref', 'relations', 'cats')"
_OLD = "layer IN ('entities', 'pos', 'coref')"


def upgrade() -> None:
    with op.batch_alter_table("agreement_stats") as batch:
        batch.drop_constraint(op.f("ck_agreement_stats_layer_known"), type_="check")
        batch.create_check_constraint("layer_known", _NEW)


def downgrade() -> None:
    op.execute("DELETE FROM agreement_stats WHERE layer IN ('relations', 'cats')")
    with op.batch_alter_table("agreement_stats") as batch:
        batch.drop_constraint(op.f("ck_agreement_stats_layer_known"), type_="check")
        batch.create_check_constraint("layer_known", _OLD)
