"""Archiving documents: a finished, broken or off-topic document is set aside without deleting it.

An archived document stays in the document list (``archived=true`` finds them) and in its
read-only view; it leaves the annotation queue, agreement, the review queue and exports, and
every save on it is refused (409) until a manager unarchives it. Nothing is removed: the
annotators' work, gold and comments stay and count again once it is unarchived. The mark is
``Document.archived_at``; ``ACTIVE`` is the clause every queue, report and export adds.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from textlabel.annotate.archived import ACTIVE, require_active
from textlabel.models import Annotation, Document, User
from textlabel.models.base import utcnow
from textlabel.models.review import ReviewItem

if TYPE_CHECKING:
    from textlabel.projects.bulk import BulkResult

__all__ = ["ACTIVE", "require_active", "set_archived"]


def set_archived(
    session: Session, ids: list[int], result: BulkResult, *, archived: bool, apply: bool
) -> list[int]:
    """Fill ``result`` with what (un)archiving the documents ``ids`` affects and, with
    ``apply``, mark them; the documents whose state changes (the others already are)."""
    changing = list(session.scalars(
        select(Document.id).where(Document.id.in_(ids),
                                  ACTIVE if archived else Document.archived_at.is_not(None))
    ))  # fmt: skip
    result.changed = changing
    rows = session.execute(
        select(Annotation.kind, Annotation.status, User.username)
        .outerjoin(User, User.id == Annotation.user_id)
        .where(Annotation.document_id.in_(changing), Annotation.kind.in_(("manual", "gold")))
    ).all()
    result.annotations = dict(Counter(
        "gold" if kind == "gold" else status for kind, status, _ in rows))  # fmt: skip
    result.drafts = dict(Counter(
        name for kind, status, name in rows if kind == "manual" and status == "draft" and name
    ))  # fmt: skip
    result.in_review = session.scalar(
        select(func.count(ReviewItem.document_id))
        .where(ReviewItem.document_id.in_(changing), ReviewItem.state == "open")
    ) or 0  # fmt: skip
    if apply and changing:
        session.execute(
            update(Document).where(Document.id.in_(changing))
            .values(archived_at=utcnow() if archived else None)
            .execution_options(synchronize_session="fetch")
        )  # fmt: skip
    return changing
