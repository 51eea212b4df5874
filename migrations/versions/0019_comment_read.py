"""comment_read: how far each user has read each comment thread (issue 15)

Existing threads start read up to each participant's own last comment in them, so the
"new reply" marks they showed before (a reply after your last word) carry over.

Revision ID: 0019
Revises: 0017
Create Date: 2026-11-30 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "comment_read",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("thread_id", sa.Integer(), nullable=False),
        sa.Column("last_read_id", sa.Integer(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["thread_id"],
            ["comment.id"],
            name=op.f("fk_comment_read_thread_id_comment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_comment_read_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "thread_id", name=op.f("pk_comment_read")),
    )
    with op.batch_alter_table("comment_read", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_comment_read_thread_id"), ["thread_id"], unique=False)
    op.execute(
        "INSERT INTO comment_read (user_id, thread_id, last_read_id, read_at)"
        " SELECT author_id, COALESCE(parent_id, id), MAX(id), MAX(created_at) FROM comment"
        " WHERE author_id IS NOT NULL GROUP BY author_id, COALESCE(parent_id, id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("comment_read", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_comment_read_thread_id"))
    op.drop_table("comment_read")
