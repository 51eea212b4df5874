"""A document's audit trail: every annotation, gold and review change, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.models import Document, Event, User


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    at: datetime
    user: str | None  # None: the system (e.g. gold accepted automatically)
    action: str
    subject: str | None
    before: Any
    after: Any


def document_history(session: Session, document: Document) -> list[HistoryEntry]:
    rows = session.execute(
        select(Event, User.username)
        .outerjoin(User, User.id == Event.user_id)
        .where(Event.document_id == document.id)
        .order_by(Event.created_at, Event.id)
    ).all()
    return [
        HistoryEntry(e.id, e.created_at, name, e.action, e.subject, e.before, e.after)
        for e, name in rows
    ]
