"""Read markers: how far each user has read each thread (``CommentRead``), what is unread,
and a cheap signature of a document's threads for conditional requests.

A comment is unread for a user when someone else wrote it after the user's marker. The
marker moves when the thread is shown to the user (the Comments card marks what it showed,
through the API) and when the user posts in the thread. Reading a list never moves it: a
GET stays safe, and the card's polling does not mark threads nobody looked at.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Select, Table, case, func, literal, select
from sqlalchemy.orm import Session

from textlabel.db import upsert
from textlabel.models import Comment, CommentRead, User


def markers(session: Session, user: User, thread_ids: Sequence[int]) -> dict[int, int]:
    """``{thread id: last read comment id}`` for those of ``thread_ids`` the user has read."""
    if not thread_ids:
        return {}
    rows = session.execute(
        select(CommentRead.thread_id, CommentRead.last_read_id).where(
            CommentRead.user_id == user.id, CommentRead.thread_id.in_(list(thread_ids))
        )
    )
    return {int(thread): int(last) for thread, last in rows}


def is_unread(user: User) -> ColumnElement[bool]:
    """The condition on a root comment that its thread holds comments ``user`` has not read:
    its latest comment is past the user's marker. One primary-key probe per thread, not a
    scan of the comments: a post of one's own moves one's marker (``service``), so anything
    after the marker is someone else's."""
    marker = (
        select(CommentRead.last_read_id)
        .where(CommentRead.user_id == user.id, CommentRead.thread_id == Comment.id)
        .scalar_subquery()
    )
    return Comment.last_id > func.coalesce(marker, 0)


def advance(session: Session, user_id: int, thread_id: int, comment_id: int) -> None:
    """Move ``user_id``'s marker on ``thread_id`` to ``comment_id`` unless it is further
    already (two tabs may mark in any order). The caller commits."""
    table = cast(Table, CommentRead.__table__)
    now = datetime.now(UTC)
    further = case((table.c.last_read_id < comment_id, comment_id), else_=table.c.last_read_id)
    statement = (
        upsert(session, table)
        .values(user_id=user_id, thread_id=thread_id, last_read_id=comment_id, read_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.user_id, table.c.thread_id],
            set_={"last_read_id": further, "read_at": now},
        )
    )
    session.execute(statement)


def mark_read(session: Session, user: User, root: Comment, *, up_to: int | None = None) -> None:
    """Mark ``root``'s thread read by ``user`` up to comment ``up_to`` (default: its latest
    comment). The card sends the last comment it showed, so a reply that arrived since
    stays unread."""
    last = root.last_id
    target = min(up_to, last) if up_to is not None and last is not None else last
    if target is not None:
        advance(session, user.id, root.id, target)
    session.commit()


def mark_all_read(session: Session, user: User, roots: Select[Comment]) -> int:
    """Mark every thread of ``roots`` (root comments: those the user sees, narrowed as the
    inbox is) read by ``user`` up to its latest comment, in one statement; how many threads
    were unread. The caller commits."""
    table = cast(Table, CommentRead.__table__)
    now = datetime.now(UTC)
    unread = roots.where(is_unread(user)).with_only_columns(
        literal(user.id), Comment.id, Comment.last_id, literal(now, table.c.read_at.type)
    )
    found = session.execute(select(func.count()).select_from(unread.subquery())).scalar_one()
    insert = upsert(session, table)
    further = case((table.c.last_read_id < insert.excluded.last_read_id,
                    insert.excluded.last_read_id), else_=table.c.last_read_id)  # fmt: skip
    statement = insert.from_select(
        ["user_id", "thread_id", "last_read_id", "read_at"], unread
    ).on_conflict_do_update(
        index_elements=[table.c.user_id, table.c.thread_id],
        set_={"last_read_id": further, "read_at": now},
    )
    session.execute(statement)
    return int(found)


def document_signature(session: Session, document_id: int, user: User) -> str:
    """What changes whenever the document's threads as ``user`` sees them change: a new
    comment, a resolution or reopening, the user's read markers. Two aggregate queries on
    indexed columns instead of the threads, their replies and their authors (the card asks
    every 20 seconds)."""
    count, last, resolved, latest = session.execute(
        select(func.count(), func.max(Comment.id), func.count(Comment.resolved_at),
               func.max(Comment.resolved_at)).where(Comment.document_id == document_id)
    ).one()  # fmt: skip
    read_count, read_sum = session.execute(
        select(func.count(), func.sum(CommentRead.last_read_id))
        .join(Comment, Comment.id == CommentRead.thread_id)
        .where(CommentRead.user_id == user.id, Comment.document_id == document_id)
    ).one()
    stamp = latest.timestamp() if latest is not None else 0
    return f"{user.id}-{count}-{last or 0}-{resolved}-{stamp:.6f}-{read_count}-{read_sum or 0}"
