"""Per-annotator feedback for managers: each annotator's submitted spans against gold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.agreement import stored
from textlabel.annotate import store
from textlabel.models import Annotation, Document, Project, User
from textlabel.review.scoring import AnnotatorScore, PRFCounts, SpanKey, score_against_gold


def project_feedback(
    session: Session, project: Project, *, summary: stored.Inputs | None = None
) -> list[AnnotatorScore]:
    """Scores of every annotator who submitted a document that has gold.

    Kept as one stored row while the project's gold and submitted annotations and the
    accounts are unchanged (``agreement.stored``; ``summary`` when the caller has it).
    """
    summary = summary or stored.inputs(session, project.id)
    digest = summary.digest(_inputs, "feedback")
    classes = (AnnotatorScore, PRFCounts)
    kept = stored.read(session, project.id, "feedback", digest, list, classes, AnnotatorScore)
    if kept is not None:
        session.commit()
        return kept
    scores = _scores(session, project)
    stored.write(session, project.id, "feedback", digest, scores)
    session.commit()
    return scores


def _inputs(group: stored.Group) -> bool:
    """Gold annotations and submitted manual ones, archived documents included."""
    return group.kind == "gold" or (group.kind == "manual" and group.status == "submitted")


def _scores(session: Session, project: Project) -> list[AnnotatorScore]:
    rows = session.execute(
        select(Annotation.id, Annotation.document_id, Annotation.kind, User.username)
        .join(Document, Document.id == Annotation.document_id)
        .outerjoin(User, User.id == Annotation.user_id)
        .where(
            Document.project_id == project.id,
            ((Annotation.kind == "manual") & (Annotation.status == "submitted"))
            | (Annotation.kind == "gold"),
        )
    ).all()
    gold_of = {document_id: aid for aid, document_id, kind, _ in rows if kind == "gold"}
    manual = [(aid, d, name) for aid, d, kind, name in rows if kind == "manual" and d in gold_of]
    wanted = [*gold_of.values(), *(aid for aid, _, _ in manual)]
    spans: dict[int, list[SpanKey]] = {
        aid: [(s.start, s.end, s.label) for s in payload.spans or ()]
        for aid, payload in store.read_many(session, wanted, layers=("spans",)).items()
    }
    return score_against_gold(
        (name, spans[aid], spans[gold_of[d]]) for aid, d, name in sorted(manual, key=lambda r: r[1])
    )


def counts_out(counts: PRFCounts) -> dict[str, Any]:
    return {"tp": counts.tp, "fp": counts.fp, "fn": counts.fn, "precision": counts.precision,
            "recall": counts.recall, "f1": counts.f1}  # fmt: skip


def feedback_out(scores: list[AnnotatorScore]) -> list[dict[str, Any]]:
    """The API's JSON: per annotator, overall and per-label counts and scores."""
    return [
        {"annotator": s.annotator, "n_documents": s.n_documents, **counts_out(s.overall),
         "per_label": {label: counts_out(c) for label, c in s.per_label.items()}}
        for s in scores
    ]  # fmt: skip
