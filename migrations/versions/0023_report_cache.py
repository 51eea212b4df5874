"""report_cache: whole project reports (agreement per layer, feedback against gold, the
Annotators page) kept under a digest of their inputs (issue 15)

An unchanged project's report is then one row read instead of every document's cached
statistics unpickled and pooled again; two covering indexes let the summary of a project's
annotations (the digest's input) read only index pages.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_cache",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_report_cache_project_id_project"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("project_id", "name", name=op.f("pk_report_cache")),
    )
    # Cover the summary of a project's annotations, so it reads indexes, never wide rows.
    op.create_index(
        "ix_annotation_summary",
        "annotation",
        ["document_id", "kind", "status", "id", "version", "user_id", "updated_at"],
    )
    op.create_index("ix_document_project_archived", "document", ["project_id", "archived_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_document_project_archived", table_name="document")
    op.drop_index("ix_annotation_summary", table_name="annotation")
    op.drop_table("report_cache")
