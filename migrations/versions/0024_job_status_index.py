"""job.status index: the job process (and every worker's sweep) looks for queued and running
jobs every 0.25 s; without an index each look read the whole job table (issue 13)

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30 13:10:00
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_status", "job", ["status"])


def downgrade() -> None:
    op.drop_index("ix_job_status", table_name="job")
