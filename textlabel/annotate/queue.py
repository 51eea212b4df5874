"""The task queue: which document an annotator gets next.

A manual Annotation row *is* the assignment: giving a document to an annotator creates their
draft, so "given to N annotators" is a count of rows, and the unique index on (document, user)
makes "never twice to the same one" a database invariant. A skipped annotation keeps its
slot (the annotator gets it back after everything else), so a document is handed out to
exactly ``overlap`` annotators, never more.

Concurrency: a claim declares a write first (``db.declare_write``), so on SQLite it runs
under BEGIN IMMEDIATE and the count-then-insert below is serialized. PostgreSQL locks the
caller's user row (one "next" per annotator at a time) and the candidate document row
(``FOR UPDATE SKIP LOCKED``), then recounts under the lock before inserting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, case, exists, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate.archived import ACTIVE, require_active
from textlabel.annotate.totals import document_total
from textlabel.db import declare_write
from textlabel.errors import Conflict
from textlabel.models import Annotation, Document, Project, User
from textlabel.models.base import utcnow

CANDIDATES_PER_QUERY = 50


@dataclass(frozen=True, slots=True)
class Candidate:
    document_id: int
    taken: int  # annotators the document has been given to
    overlap: int | None = None  # the document's own (routed) overlap; None: the project's
    uncertainty: float | None = None  # the model's, when the queue orders by it


@dataclass(frozen=True, slots=True)
class Progress:
    done: int
    assigned: int
    total: int


def rank_candidates(
    candidates: Iterable[Candidate], *, overlap: int, by_uncertainty: bool = False
) -> list[int]:
    """Open documents in the order they should be handed out: those closest to their
    ``overlap`` first (so documents get complete and comparable early), then, when
    ``by_uncertainty``, the ones the model is least sure of (unscored last), then import order."""
    open_ = [c for c in candidates if c.taken < (c.overlap or overlap)]

    def key(c: Candidate) -> tuple[int, float, int]:
        doubt = c.uncertainty if by_uncertainty and c.uncertainty is not None else -1.0
        return (-c.taken, -doubt, c.document_id)

    return [c.document_id for c in sorted(open_, key=key)]


def document_overlap(project: Project) -> Any:
    """The SQL expression of a document's overlap: its routed one, else the project's."""
    return func.coalesce(Document.overlap, project.overlap)


def _by_uncertainty(project: Project) -> bool:
    return project.settings.get("loop_queue") in ("uncertainty", "both")


def _taken(document_id: Any) -> ScalarSelect[int]:
    return (
        select(func.count(Annotation.id))
        .where(Annotation.document_id == document_id, Annotation.kind == "manual")
        .scalar_subquery()
    )


def _in_play(project: Project) -> Any:
    """The annotation's document is one of ``project``'s still in play. A correlated test,
    not a join: with only the annotation table in FROM, SQLite walks the caller's own
    annotations (by ``user_id``) instead of every document of the project (at 1,000,000
    documents, 0.2 ms instead of 80-130 ms; ``bench/scale.py``)."""
    return (
        exists()
        .where(Document.id == Annotation.document_id, Document.project_id == project.id, ACTIVE)
        .correlate(Annotation)
    )


def _own(session: Session, project: Project, user: User, status: str) -> Annotation | None:
    return session.scalar(
        select(Annotation)
        .where(
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
            Annotation.status == status,
            _in_play(project),
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


def _candidates(session: Session, project: Project, user: User) -> list[Candidate]:
    """Open documents the caller has not had, without counting the whole project: those
    already given to someone (found from the annotations, only when ``overlap`` > 1), then
    untouched ones in id order (an index walk that stops after a page). A queue ordered by
    the model's uncertainty looks at the most uncertain untouched documents instead."""
    mine = func.sum(case((Annotation.user_id == user.id, 1), else_=0))
    partial: list[Candidate] = []
    if project.overlap > 1:
        taken = func.count(Annotation.id)
        rows = session.execute(
            select(Annotation.document_id, taken, Document.overlap, Document.uncertainty)
            .join(Document, Document.id == Annotation.document_id)
            .where(Document.project_id == project.id, ACTIVE, Annotation.kind == "manual")
            .group_by(Annotation.document_id, Document.overlap, Document.uncertainty)
            .having(taken < document_overlap(project), mine == 0)
            .order_by(taken.desc(), Annotation.document_id)
            .limit(CANDIDATES_PER_QUERY)
        ).all()
        partial = [Candidate(*row) for row in rows]
    fresh = _untouched(session, project, by_uncertainty=_by_uncertainty(project))
    return partial + [Candidate(row[0], 0, row[1], row[2]) for row in fresh]


def _untouched(session: Session, project: Project, *, by_uncertainty: bool) -> list[Any]:
    """A page of the project's documents in play that nobody has been given, in queue order:
    import (id) order, or the most uncertain first, then the unscored in id order. Each is an
    index walk that stops after a page, never a sort of every untouched document."""
    touched = exists().where(Annotation.document_id == Document.id, Annotation.kind == "manual")
    columns = (Document.id, Document.overlap, Document.uncertainty)
    in_play: list[ColumnElement[bool]] = [Document.project_id == project.id, ACTIVE, ~touched]
    rows: list[Any] = []
    if by_uncertainty:
        # Scored ones along ix_document_project_uncertainty (its predicate spelt out, so both
        # databases take it): sorting them by coalesce(uncertainty, -1) instead read all of them
        # on every /next (README, issue 13).
        rows = list(
            session.execute(
                select(*columns)
                .where(*in_play, Document.uncertainty.is_not(None))
                .order_by(Document.uncertainty.desc(), Document.id)
                .limit(CANDIDATES_PER_QUERY)
            )
        )
        if len(rows) == CANDIDATES_PER_QUERY:
            return rows
        in_play.append(Document.uncertainty.is_(None))  # then the unscored, last
    # archived_at is NULL in every row here, so this is id order, but spelt as the index
    # (project_id, archived_at, id) gives it: PostgreSQL then walks that index and stops
    # after a page whatever it estimates. Ordered by id alone, a project whose documents
    # arrived since the last ANALYZE (estimated at 15 rows, holding 82,000) was read whole
    # and sorted on disk: 206 ms instead of 0.8 ms. SQLite already walked that index.
    return rows + list(
        session.execute(
            select(*columns)
            .where(*in_play)
            .order_by(Document.archived_at, Document.id)
            .limit(CANDIDATES_PER_QUERY - len(rows))
        )
    )


def claim_new(session: Session, project: Project, user: User) -> Annotation | None:
    """Give the caller an open document they have not had; None when there is none."""
    by_uncertainty = _by_uncertainty(project)
    while True:
        candidates = _candidates(session, project, user)
        if not candidates:
            return None
        limits = {c.document_id: c.overlap or project.overlap for c in candidates}
        ranked = rank_candidates(candidates, overlap=project.overlap, by_uncertainty=by_uncertainty)
        for document_id in ranked:
            annotation = _try_claim(session, document_id, user, limits[document_id])
            if annotation is not None:
                return annotation
        # Every candidate was locked or filled by concurrent requests: look again.


def next_annotation(session: Session, project: Project, user: User) -> Annotation | None:
    """The caller's next task and commit it: their oldest unfinished draft, else a new
    document, else the skipped document they skipped longest ago (back to draft).

    Handing out an unfinished draft only reads; claiming declares a write first."""
    annotation = _own(session, project, user, "draft")
    if annotation is not None:
        session.commit()
        return annotation
    declare_write(session)
    _lock_user(session, user)
    annotation = _own(session, project, user, "draft") or claim_new(session, project, user)
    if annotation is None:
        annotation = _own(session, project, user, "skipped")
        if annotation is not None:
            annotation.status = "draft"
            annotation.updated_at = utcnow()
    session.commit()
    return annotation


def own_draft(session: Session, project: Project, user: User) -> Annotation | None:
    """The caller's oldest unfinished draft in ``project`` (a read: nothing is handed out)."""
    return _own(session, project, user, "draft")


def own_annotation(session: Session, document: Document, user: User) -> Annotation | None:
    """The caller's own annotation of ``document``, if they have taken it (a read)."""
    return session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id,
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
        )
    )


def claim_document(
    session: Session, document: Document, project: Project, user: User
) -> Annotation:
    """The caller's annotation of ``document``, claiming a free slot when they have none;
    ``Conflict`` when the document already has its ``overlap`` annotators. Only a claim
    writes (and declares it); opening one's own annotation again is a read."""
    own = (
        select(Annotation).where(
            Annotation.document_id == document.id,
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
        )
    )  # fmt: skip
    annotation = session.scalar(own)
    if annotation is not None:
        return annotation
    require_active(session, document.id)
    declare_write(session)
    _lock_user(session, user)
    annotation = session.scalar(own) or _try_claim(
        session, document.id, user, document.overlap or project.overlap, wait=True
    )
    if annotation is None:
        session.rollback()
        overlap = document.overlap or project.overlap
        raise Conflict(
            f"document {document.id} already has its {overlap} annotator(s)",
            details={"overlap": overlap},
        )
    session.commit()
    return annotation


def progress(session: Session, project: Project, user: User) -> Progress:
    """The annotator's submitted / assigned documents and the project's total, all counted
    over the documents still in play (an archived one left the queue and the count). The
    total is the triggers' maintained count, one row (``totals``)."""
    own = select(
        func.count(Annotation.id),
        func.count(Annotation.id).filter(Annotation.status == "submitted"),
    ).where(Annotation.user_id == user.id, Annotation.kind == "manual", _in_play(project))
    assigned, done = session.execute(own).one()
    total = document_total(session, project.id, archived=False)
    return Progress(done=done or 0, assigned=assigned or 0, total=total)
