"""Background jobs with progress, and the audit trail of who changed what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed", "cancelled")


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'cancelled')", name="status_known"
        ),
        # the job process polls for queued jobs every 0.25 s; sweeps look for running ones
        Index("ix_job_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), default=None, index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    # Which runner holds the job ("host:pid:thread" or an RQ worker's name) and when it last
    # said so: recovery marks only jobs whose heartbeat stopped, from any process.
    owner: Mapped[str | None] = mapped_column(String(200), default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    # A chunk of a fanned-out job points at it; the last chunk to end finishes the parent.
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="CASCADE"), default=None, index=True
    )


class Event(Base):
    """One audit record: ``action`` with the state ``before`` and ``after`` it."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_action_created", "action", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), default=None, index=True
    )
    document_id: Mapped[int | None] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), default=None, index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200), default=None)
    before: Mapped[Any | None] = mapped_column(default=None)
    after: Mapped[Any | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
