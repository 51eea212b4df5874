"""comment.last_id / last_at: a thread's latest comment kept on its root; read markers for
every member on threads that were there before the markers (issue 15)

With the latest comment on the root, "is this thread unread?" is one comparison per thread
(``last_id`` against the reader's marker) instead of a scan of every comment of the project,
and the inbox sorts by ``last_at`` through an index.

0019 started each thread read only by those who wrote in it, so after that upgrade every
reviewer and manager (and every annotator of an open project) saw every old thread as
unread. This migration gives each member (and each admin) a marker at the thread's latest
comment on every thread where they have none. A thread someone has not marked since 0019
counts as read for them afterwards; one they did mark keeps its marker.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30 03:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("last_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_comment_project_last", ["project_id", "last_at"], unique=False)
    op.execute(
        "UPDATE comment SET"
        " last_id = (SELECT MAX(c.id) FROM comment c"
        "  WHERE c.id = comment.id OR c.parent_id = comment.id),"
        " last_at = (SELECT MAX(c.created_at) FROM comment c"
        "  WHERE c.id = comment.id OR c.parent_id = comment.id)"
        " WHERE parent_id IS NULL"
    )
    readers = (
        'SELECT user_id, project_id FROM membership UNION SELECT u.id, p.id FROM "user" u'
        " CROSS JOIN project p WHERE u.is_admin"
    )
    op.execute(
        "INSERT INTO comment_read (user_id, thread_id, last_read_id, read_at)"
        " SELECT r.user_id, c.id, c.last_id, c.last_at"
        f" FROM comment c JOIN ({readers}) r ON r.project_id = c.project_id"
        " WHERE c.parent_id IS NULL AND NOT EXISTS (SELECT 1 FROM comment_read m"
        "  WHERE m.user_id = r.user_id AND m.thread_id = c.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("comment", schema=None) as batch_op:
        batch_op.drop_index("ix_comment_project_last")
        batch_op.drop_column("last_at")
        batch_op.drop_column("last_id")
