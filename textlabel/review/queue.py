"""The review queue: consolidated documents waiting for a reviewer, most disagreement first.

A reviewer takes a document like an annotator does. Claiming is a single conditional UPDATE
("set reviewer = me where the document is open and nobody else holds it"): PostgreSQL
re-checks the condition on the locked row, SQLite serializes writers, so of two reviewers
asking at once exactly one gets each document. A hold older than ``HOLD_HOURS`` lapses,
so a reviewer who walked away does not block a document forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.db import declare_write
from textlabel.models import Annotation, Document, Project, ReviewItem, User
from textlabel.models.base import utcnow
from textlabel.projects.archive import ACTIVE
from textlabel.review.service import on_submitted

HOLD_HOURS = 8
CANDIDATES_PER_QUERY = 50


@dataclass(frozen=True, slots=True)
class QueueEntry:
    document_id: int
    state: str
    score: float
    disputed: int
    labels: list[str]
    annotators: list[str]
    reviewer: str | None
    decided_by: str | None


@dataclass(frozen=True, slots=True)
class QueueCounts:
    to_review: int  # open, held or not
    in_review: int  # open and held by a reviewer now
    reviewed: int
    auto_accepted: int
    waiting: int  # documents still short of their submitted annotations


def catch_up(session: Session, project: Project) -> int:
    """The safety net behind the ``annotation_submitted`` event: consolidate documents that
    have their submissions but no review item yet, and return how many.

    Submissions normally reach review through the event; what it cannot see lands here:
    manual annotations imported as submitted, work submitted before review existed, or a
    receiver that failed after the save had committed. Idempotent: a no-op (one query) when
    every document with enough submissions already has its review item."""
    submitted = (
        select(Annotation.document_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(
            Document.project_id == project.id,
            ACTIVE,
            Annotation.kind == "manual",
            Annotation.status == "submitted",
        )
        .group_by(Annotation.document_id)
        .having(
            func.count(Annotation.id) >= func.min(func.coalesce(Document.overlap, project.overlap))
        )
    )
    known = select(ReviewItem.document_id).where(ReviewItem.project_id == project.id)
    query = submitted.where(Annotation.document_id.not_in(known))
    if not session.scalars(query.limit(1)).first():
        return 0  # the usual case: a read, so queue pages never wait for the write lock
    declare_write(session)
    missing = list(session.scalars(query))
    for document_id in missing:
        on_submitted(session, session.get_one(Document, document_id))
    return len(missing)


def _active() -> ColumnElement[bool]:
    """The item's document is not archived (``projects.archive``): a primary-key look-up
    per item, never a walk over the project's documents."""
    return ~exists().where(Document.id == ReviewItem.document_id, Document.archived_at.is_not(None))


def _lapsed(now: datetime) -> ColumnElement[bool]:
    return ReviewItem.claimed_at < now - timedelta(hours=HOLD_HOURS)


def _free_for(user: User, now: datetime) -> ColumnElement[bool]:
    return or_(ReviewItem.reviewer_id.is_(None), ReviewItem.reviewer_id == user.id, _lapsed(now))


def try_claim(session: Session, document_id: int, user: User) -> bool:
    """Hold ``document_id`` for ``user`` if it is open and free (or already theirs)."""
    now = utcnow()
    result = session.execute(
        update(ReviewItem)
        .where(
            ReviewItem.document_id == document_id,
            ReviewItem.state == "open",
            _free_for(user, now),
        )
        .values(reviewer_id=user.id, claimed_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _matches(item: ReviewItem, label: str | None, annotator: str | None) -> bool:
    return (label is None or label in (item.labels or [])) and (
        annotator is None or annotator in (item.annotators or [])
    )


def next_review(
    session: Session, project: Project, user: User, *, label: str | None = None,
    annotator: str | None = None,
) -> int | None:  # fmt: skip
    """The document the reviewer should adjudicate next, held for them; commits. The one
    they already hold first, else the open document with the lowest agreement."""
    catch_up(session, project)
    held = session.scalar(
        select(ReviewItem.document_id)
        .where(ReviewItem.project_id == project.id, ReviewItem.state == "open",
               ReviewItem.reviewer_id == user.id, _active())
        .order_by(ReviewItem.claimed_at, ReviewItem.document_id)
        .limit(1)
    )  # fmt: skip
    if held is not None:
        session.commit()
        return held
    declare_write(session)
    after: tuple[float, int] | None = None
    while True:
        query = (
            select(ReviewItem)
            .where(ReviewItem.project_id == project.id, ReviewItem.state == "open",
                   _free_for(user, utcnow()), _active())
            .order_by(ReviewItem.score, ReviewItem.document_id)
            .limit(CANDIDATES_PER_QUERY)
        )  # fmt: skip
        if after is not None:
            query = query.where(
                or_(ReviewItem.score > after[0],
                    (ReviewItem.score == after[0]) & (ReviewItem.document_id > after[1]))
            )  # fmt: skip
        items = list(session.scalars(query))
        if not items:
            session.commit()
            return None
        for item in items:
            if _matches(item, label, annotator) and try_claim(session, item.document_id, user):
                audit.record(
                    session,
                    "review.claim",
                    user=user,
                    project_id=project.id,
                    document_id=item.document_id,
                    after={"reviewer": user.username},
                )
                session.commit()
                return item.document_id
        after = (items[-1].score, items[-1].document_id)


def hold(session: Session, project: Project, document_id: int, user: User) -> bool:
    """Hold ``document_id`` for ``user`` (see ``try_claim``) and record it; commits."""
    declare_write(session)
    held = try_claim(session, document_id, user)
    if held:
        audit.record(session, "review.claim", user=user, project_id=project.id,
                     document_id=document_id, after={"reviewer": user.username})  # fmt: skip
    session.commit()
    return held


def release(session: Session, document_id: int, user: User) -> None:
    """Give a held document back to the queue; commits."""
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == document_id, ReviewItem.reviewer_id == user.id)
        .values(reviewer_id=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def queue_entries(
    session: Session, project: Project, *, state: str | None = "open", label: str | None = None,
    annotator: str | None = None,
) -> list[QueueEntry]:  # fmt: skip
    """The project's review items in queue order (lowest agreement first), filtered."""
    catch_up(session, project)
    query = select(ReviewItem).where(ReviewItem.project_id == project.id, _active())
    if state is not None:
        query = query.where(ReviewItem.state == state)
    items = [
        i for i in session.scalars(query.order_by(ReviewItem.score, ReviewItem.document_id))
        if _matches(i, label, annotator)
    ]  # fmt: skip
    ids = {i for item in items for i in (item.reviewer_id, item.decided_by_id) if i}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    now = utcnow()
    return [
        QueueEntry(
            item.document_id, item.state, item.score, item.disputed, list(item.labels or []),
            list(item.annotators or []),
            names.get(item.reviewer_id or 0) if not _is_lapsed(item, now) else None,
            names.get(item.decided_by_id or 0),
        )
        for item in items
    ]  # fmt: skip


def _is_lapsed(item: ReviewItem, now: datetime) -> bool:
    claimed = item.claimed_at
    if claimed is None:
        return True
    if claimed.tzinfo is None:  # SQLite hands back naive datetimes
        claimed = claimed.replace(tzinfo=now.tzinfo)
    return claimed < now - timedelta(hours=HOLD_HOURS)


def queue_counts(session: Session, project: Project) -> QueueCounts:
    """How many documents wait, are held, were reviewed or accepted automatically."""
    catch_up(session, project)
    now = utcnow()
    rows = session.execute(
        select(ReviewItem.state, ReviewItem.reviewer_id, ReviewItem.claimed_at)
        .where(ReviewItem.project_id == project.id, _active())
    ).all()  # fmt: skip
    by_state = {"open": 0, "reviewed": 0, "auto_accepted": 0}
    held = 0
    for state, reviewer_id, claimed_at in rows:
        by_state[state] += 1
        if state == "open" and reviewer_id is not None and claimed_at is not None:
            claimed = claimed_at if claimed_at.tzinfo else claimed_at.replace(tzinfo=now.tzinfo)
            held += claimed >= now - timedelta(hours=HOLD_HOURS)
    submitted = (
        select(func.count(func.distinct(Annotation.document_id)))
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project.id, ACTIVE, Annotation.kind == "manual",
               Annotation.status == "submitted")
    )  # fmt: skip
    started = session.scalar(submitted) or 0
    return QueueCounts(by_state["open"], held, by_state["reviewed"], by_state["auto_accepted"],
                       max(0, started - len(rows)))  # fmt: skip
