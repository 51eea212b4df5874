"""Which documents are still in play: an archived one (``Document.archived_at``) leaves the
queues, reports and exports, and refuses changes. Here, below ``projects.archive`` (which
sets the mark), so that the annotation queue can ask without importing ``projects``.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from textlabel.errors import Conflict
from textlabel.models import Document

ACTIVE: ColumnElement[bool] = Document.archived_at.is_(None)


def require_active(session: Session, document_id: int) -> None:
    """Refuse a change to an archived document (Conflict, 409) with what to do about it."""
    archived = session.scalar(select(Document.archived_at).where(Document.id == document_id))
    if archived is not None:
        raise Conflict(
            f"document {document_id} is archived (read-only) since "
            f"{archived:%Y-%m-%d %H:%M} UTC; a manager unarchives it to change it",
            details={"document": document_id, "archived": True},
        )
