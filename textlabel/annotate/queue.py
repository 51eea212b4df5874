"""The task queue: which document an annotator gets next.

A manual Annotation row *is* the assignment: giving a document to an annotator creates their
draft, so "given to N annotators" is a count of rows, and the unique index on (document, user)
makes "never twice to the same one" a database invariant. A skipped annotation keeps its
slot (the annotator gets it back after everything else), so a document is handed out to
exactly ``overlap`` annotators, never more.

Concurrency: SQLite runs every transaction under BEGIN IMMEDIATE, so the count-then-insert
below is serialized. PostgreSQL locks the caller's user row (one "next" per annotator at a
time) and the candidate document row (``FOR UPDATE SKIP LOCKED``), then recounts under the
lock before inserting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ScalarSelect, exists, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.errors import Conflict
from textlabel.models import Annotation, Document, Project, User
from textlabel.models.base import utcnow

CANDIDATES_PER_QUERY = 50


@dataclass(frozen=True, slots=True)
class Candidate:
    document_id: int
    taken: int  # annotators the document has been given to


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    assigned: int
    total: int


def rank_candidates(candidates: Iterable[Candidate], *, overlap: int) -> list[int]:
    """Open documents in the order they should be handed out: those closest to their
    ``overlap`` first (so documents get complete and comparable early), then import order."""
    open_ = [c for c in candidates if c.taken < overlap]
    return [c.document_id for c in sorted(open_, key=lambda c: (-c.taken, c.document_id))]


def _taken(document_id: Any) -> ScalarSelect[int]:
    return (
        select(func.count(Annotation.id))
        .where(Annotation.document_id == document_id, Annotation.kind == "manual")
        .scalar_subquery()
    )


def _own(session: Session, project: Project, user: User, status: str) -> Annotation | None:
    return session.scalar(
        select(Annotation)
        .join(Document, Document.id == Annotation.document_id)
        .where(
            Document.project_id == project.id,
            Annotation.kind == "manual",
            Annotation.user_id == user.id,
            Annotation.status == status,
        )
        .order_by(Annotation.updated_at, Annotation.id)
        .limit(1)
    )


def _try_claim(
    session: Session, document_id: int, user: User, overlap: int, *, wait: bool = False
) -> Annotation | None:
    locked = session.scalar(
        select(Document.id).where(Document.id == document_id).with_for_update(skip_locked=not wait)
    )
    if locked is None:  # another request holds it (or it is gone); try the next candidate
        return None
    mine = session.scalar(
        select(Annotation.id).where(
            Annotation.document_id == document_id,
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
        )
    )
    taken = session.scalar(select(_taken(document_id))) or 0
    if mine is not None or taken >= overlap:
        return None
    annotation = Annotation(document_id=document_id, user_id=user.id, kind="manual")
    session.add(annotation)
    session.flush()
    audit.record(
        session,
        "annotation.assign",
        user=user,
        project_id=session.scalar(select(Document.project_id).where(Document.id == document_id)),
        document_id=document_id,
        subject=f"annotation {annotation.id} (manual)",
        after={"user": user.username, "taken": taken + 1, "overlap": overlap},
    )
    return annotation


def _lock_user(session: Session, user: User) -> None:
    session.execute(select(User.id).where(User.id == user.id).with_for_update())


def claim_new(session: Session, project: Project, user: User) -> Annotation | None:
    """Give the caller an open document they have not had; None when there is none."""
    taken = _taken(Document.id)
    mine = exists().where(
        Annotation.document_id == Document.id,
        Annotation.user_id == user.id,
        Annotation.kind == "manual",
    )
    while True:
        rows = session.execute(
            select(Document.id, taken)
            .where(Document.project_id == project.id, ~mine, taken < project.overlap)
            .order_by(taken.desc(), Document.id)
            .limit(CANDIDATES_PER_QUERY)
        ).all()
        if not rows:
            return None
        ranked = rank_candidates((Candidate(r[0], r[1]) for r in rows), overlap=project.overlap)
        for document_id in ranked:
            annotation = _try_claim(session, document_id, user, project.overlap)
            if annotation is not None:
                return annotation
        # Every candidate was locked or filled by concurrent requests: look again.


def next_annotation(session: Session, project: Project, user: User) -> Annotation | None:
    """The caller's next task and commit it: their oldest unfinished draft, else a new
    document, else the skipped document they skipped longest ago (back to draft)."""
    _lock_user(session, user)
    annotation = _own(session, project, user, "draft") or claim_new(session, project, user)
    if annotation is None:
        annotation = _own(session, project, user, "skipped")
        if annotation is not None:
            annotation.status = "draft"
            annotation.updated_at = utcnow()
    session.commit()
    return annotation


def claim_document(
    session: Session, document: Document, project: Project, user: User
) -> Annotation:
    """The caller's annotation of ``document``, claiming a free slot when they have none;
    ``Conflict`` when the document already has its ``overlap`` annotators."""
    _lock_user(session, user)
    annotation = session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id,
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
        )
    ) or _try_claim(session, document.id, user, project.overlap, wait=True)
    if annotation is None:
        session.rollback()
        raise Conflict(
            f"document {document.id} already has its {project.overlap} annotator(s)",
            details={"overlap": project.overlap},
        )
    session.commit()
    return annotation


def progress(session: Session, project: Project, user: User) -> Progress:
    """The annotator's submitted / assigned documents and the project's total."""
    own = (
        select(
            func.count(Annotation.id),
            func.count(Annotation.id).filter(Annotation.status == "submitted"),
        )
        .join(Document, Document.id == Annotation.document_id)
        .where(
            Document.project_id == project.id,
            Annotation.kind == "manual",
            Annotation.user_id == user.id,
        )
    )
    assigned, done = session.execute(own).one()
    total = session.scalar(select(func.count(Document.id)).where(Document.project_id == project.id))
    return Progress(done=done or 0, assigned=assigned or 0, total=total or 0)
