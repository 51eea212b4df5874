"""Comments and flags on a document or on a span of it, threaded one level deep.

A thread is a root comment (``parent_id`` NULL) with its replies. Only a root carries the
anchor (characters and tokens of the span, and its words as they read when the thread was
opened: documents never change under annotations, but a reader of the inbox wants the
words without the text), the kind (a ``flag`` marks a problem with the document) and the
resolution.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow

COMMENT_KINDS = ("comment", "flag")


class Comment(Base):
    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint("kind IN ('comment', 'flag')", name="kind_known"),
        CheckConstraint(
            "(start_char IS NULL AND end_char IS NULL AND start_token IS NULL"
            " AND end_token IS NULL) OR (start_char >= 0 AND start_char < end_char"
            " AND start_token >= 0 AND start_token < end_token)",
            name="anchor_valid",
        ),
        CheckConstraint("parent_id IS NULL OR start_char IS NULL", name="reply_unanchored"),
        # The inbox: a project's threads, newest first.
        Index("ix_comment_project_parent_created", "project_id", "parent_id", "created_at"),
        # The inbox by latest activity.
        Index("ix_comment_project_last", "project_id", "last_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), default=None, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10), default="comment")
    start_char: Mapped[int | None] = mapped_column(default=None)
    end_char: Mapped[int | None] = mapped_column(default=None)
    start_token: Mapped[int | None] = mapped_column(default=None)
    end_token: Mapped[int | None] = mapped_column(default=None)
    quote: Mapped[str | None] = mapped_column(Text, default=None)
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # On a root: the thread's latest comment (``comments.service`` keeps them as it posts),
    # so whether a thread is unread is one comparison with the reader's marker, and the
    # inbox sorts by activity without grouping every comment. NULL on replies.
    last_id: Mapped[int | None]
    last_at: Mapped[datetime | None]


class CommentRead(Base):
    """How far ``user`` has read a thread: every comment of it with an id up to
    ``last_read_id`` (ids grow with time). A post of one's own moves it too, so a thread's
    unread comments are those by others after the marker: "N new" clears once the thread was
    shown to the reader, not only when they answer or it is resolved."""

    __tablename__ = "comment_read"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    thread_id: Mapped[int] = mapped_column(
        ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_id: Mapped[int]
    read_at: Mapped[datetime] = mapped_column(default=utcnow)
