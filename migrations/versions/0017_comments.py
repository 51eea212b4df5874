"""comments: threads of comments and flags on a document or a span of it (issue 15)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_ANCHOR = (
    "(start_char IS NULL AND end_char IS NULL AND start_token IS NULL"
    " AND end_token IS NULL) OR (start_char >= 0 AND start_char < end_char"
    " AND start_token >= 0 AND start_token < end_token)"
)


def _user_fk(column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["user.id"], name=op.f(f"fk_comment_{column}_user"), ondelete="SET NULL"
    )


def upgrade() -> None:
    op.create_table(
        "comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("start_char", sa.Integer(), nullable=True),
        sa.Column("end_char", sa.Integer(), nullable=True),
        sa.Column("start_token", sa.Integer(), nullable=True),
        sa.Column("end_token", sa.Integer(), nullable=True),
        sa.Column("quote", sa.Text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('comment', 'flag')", name=op.f("ck_comment_kind_known")),
        sa.CheckConstraint(_ANCHOR, name=op.f("ck_comment_anchor_valid")),
        sa.CheckConstraint(
            "parent_id IS NULL OR start_char IS NULL", name=op.f("ck_comment_reply_unanchored")
        ),
        _user_fk("author_id"),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["document.id"],
            name=op.f("fk_comment_document_id_document"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["comment.id"],
            name=op.f("fk_comment_parent_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"],
            ["project.id"],
            name=op.f("fk_comment_project_id_project"),
            ondelete="CASCADE",
        ),
        _user_fk("resolved_by_id"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment")),
    )
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_comment_project_parent_created",
            ["project_id", "parent_id", "created_at"],
            unique=False,
        )
        batch_op.create_index(batch_op.f("ix_comment_document_id"), ["document_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_comment_parent_id"), ["parent_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_parent_id"))
        batch_op.drop_index(batch_op.f("ix_comment_document_id"))
        batch_op.drop_index("ix_comment_project_parent_created")
    op.drop_table("comment")
