"""The audit trail: every change worth asking "who did this, when, and what was it before?"."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from textlabel.models import Event, User

SUBJECT_CHARS = 200
"""The width of ``event.subject``: longer subjects (file names, usernames) are shortened."""


def record(
    session: Session,
    action: str,
    *,
    user: User | None,
    project_id: int | None = None,
    document_id: int | None = None,
    subject: str | None = None,
    before: Any = None,
    after: Any = None,
) -> Event:
    """Add an event to the session; it commits with the change it describes."""
    if subject is not None and len(subject) > SUBJECT_CHARS:
        subject = subject[: SUBJECT_CHARS - 1] + "…"  # a log line, not the record itself
    event = Event(
        action=action,
        user_id=user.id if user is not None else None,
        project_id=project_id,
        document_id=document_id,
        subject=subject,
        before=before,
        after=after,
    )
    session.add(event)
    return event
