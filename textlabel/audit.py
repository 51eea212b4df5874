"""The audit trail: every change worth asking "who did this, when, and what was it before?"."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
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
    event = Event(
        action=action,
        user_id=user.id if user is not None else None,
        project_id=project_id,
        document_id=document_id,
        subject=_shortened(subject),
        before=before,
        after=after,
    )
    session.add(event)
    return event


# Built once (see record_now).
_INSERT_EVENT = insert(cast(Table, Event.__table__))


def record_now(
    session: Session,
    action: str,
    *,
    user_id: int | None,
    project_id: int | None = None,
    document_id: int | None = None,
    subject: str | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """As ``record``, written at once by one prebuilt Core INSERT instead of an ORM object
    flushed at commit: every save writes one, and the unit of work's flush of a single new
    object cost more Python time than the rest of the save's commit. Nothing is returned:
    the row is not in the session."""
    session.execute(
        _INSERT_EVENT,
        {
            "action": action,
            "user_id": user_id,
            "project_id": project_id,
            "document_id": document_id,
            "subject": _shortened(subject),
            "before": before,
            "after": after,
        },
    )


def _shortened(subject: str | None) -> str | None:
    if subject is not None and len(subject) > SUBJECT_CHARS:
        return subject[: SUBJECT_CHARS - 1] + "…"  # a log line, not the record itself
    return subject
