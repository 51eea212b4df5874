"""Consolidation of stored annotations: the hook the annotation service calls on submit,
and the loading of a document's submitted work as the pure core's input.

When a document has its ``overlap`` submitted annotations, its draft is computed and a
``ReviewItem`` records its score; documents the project's setting accepts automatically get
a gold annotation made of the accepted candidates (``info.auto_accepted``), the rest wait in
the review queue. Every step is serialized per document by locking its row (SQLite runs
every transaction under BEGIN IMMEDIATE), so concurrent submissions consolidate once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.annotate.reading import stored_payload
from textlabel.annotate.service import ensure_tokens, prediction_of
from textlabel.annotate.spans import Tokens, snap_chains, snap_entities
from textlabel.models import Annotation, Document, Project, ReviewItem, Span, User
from textlabel.models.base import utcnow
from textlabel.review.draft import DocumentDraft, draft_document
from textlabel.review.settings import review_settings


@dataclass(frozen=True, slots=True)
class Submitted:
    """One submitted manual annotation with its author and stored payload."""

    annotation: Annotation
    username: str
    payload: dict[str, Any]


def lock_document(session: Session, document_id: int) -> None:
    """Serialize consolidation and gold saves of one document (a no-op lock on SQLite,
    whose transactions already hold the write lock)."""
    session.execute(select(Document.id).where(Document.id == document_id).with_for_update())


def submitted_annotations(session: Session, document: Document) -> list[Submitted]:
    rows = session.execute(
        select(Annotation, User.username)
        .join(User, User.id == Annotation.user_id)
        .where(
            Annotation.document_id == document.id,
            Annotation.kind == "manual",
            Annotation.status == "submitted",
        )
        .order_by(User.username)
    ).all()
    return [Submitted(a, name, stored_payload(session, a)) for a, name in rows]


def gold_of(session: Session, document_id: int) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(Annotation.document_id == document_id, Annotation.kind == "gold")
    )


def document_draft(
    session: Session, document: Document, project: Project, submitted: list[Submitted]
) -> DocumentDraft:
    """The consolidated draft of ``document`` under the project's settings."""
    tokens = ensure_tokens(session, document)
    doc = DocumentAnnotations(
        doc_id=document.id, tokens=list(zip(tokens.starts, tokens.ends, strict=True))
    )
    prediction = prediction_of(session, document)
    predicted = list(prediction.pos or []) if prediction is not None else []
    for s in submitted:
        doc.spans[s.username] = [(x["start"], x["end"], x["label"]) for x in s.payload["spans"]]
        doc.coref[s.username] = [[(m["start"], m["end"]) for m in c] for c in s.payload["coref"]]
        own = s.payload["pos"] or [None] * len(tokens)
        merged = [t if t is not None else (predicted[i] if i < len(predicted) else None)
                  for i, t in enumerate(own)]  # fmt: skip
        if any(tag is not None for tag in merged):  # as the agreement report counts it
            doc.pos[s.username] = merged
    settings = review_settings(project.settings)
    return draft_document(
        doc, layers=project.layers, min_share=settings.min_share, predicted_pos=predicted or None
    )


def on_submitted(session: Session, document: Document) -> ReviewItem | None:
    """Consolidate ``document`` after one of its annotations was submitted (or taken back);
    commits. Returns its review item, or None while it lacks its ``overlap`` submissions."""
    project = session.get_one(Project, document.project_id)
    lock_document(session, document.id)
    submitted = submitted_annotations(session, document)
    item = session.get(ReviewItem, document.id)
    if len(submitted) < project.overlap:
        if item is not None and item.state != "reviewed":
            _drop_auto_gold(session, document, project)
            session.delete(item)
        session.commit()
        return None
    draft = document_draft(session, document, project, submitted)
    if item is None:
        item = ReviewItem(document_id=document.id, project_id=project.id)
        session.add(item)
    item.score = draft.score
    item.labels = draft.disputed_labels
    item.annotators = list(draft.annotators)
    item.disputed = draft.disputed
    item.consolidated_at = utcnow()
    if item.state != "reviewed":
        settings = review_settings(project.settings)
        auto = settings.auto_accept != "off" and (
            draft.unanimous
            or (settings.auto_accept == "threshold" and draft.score >= settings.threshold)
        )
        if auto:
            _write_auto_gold(session, document, project, draft)
            item.state, item.reviewer_id, item.claimed_at = "auto_accepted", None, None
        else:
            _drop_auto_gold(session, document, project)
            item.state = "open"
    session.commit()
    return item


def _write_auto_gold(
    session: Session, document: Document, project: Project, draft: DocumentDraft
) -> None:
    """Gold made of the accepted candidates, written directly: no user made it."""
    tokens = ensure_tokens(session, document)
    payload = draft.gold_payload()
    gold = gold_of(session, document.id)
    if gold is None:
        gold = Annotation(document_id=document.id, kind="gold", status="submitted")
        session.add(gold)
        session.flush()
        before = None
    else:
        before = stored_payload(session, gold)
        session.execute(delete(Span).where(Span.annotation_id == gold.id))
        gold.version += 1
    rows = _span_rows(gold.id, tokens, project, payload)
    if rows:
        session.execute(insert(Span), rows)
    gold.pos = payload["pos"]
    gold.status = "submitted"
    gold.updated_at = utcnow()
    gold.updated_by_id = None
    gold.info = {"auto_accepted": True, "annotators": list(draft.annotators),
                 "score": draft.score, "decided_at": utcnow().isoformat()}  # fmt: skip
    audit.record(session, "gold.auto_accept", user=None, project_id=project.id,
                 document_id=document.id, subject=f"annotation {gold.id} (gold)",
                 before=before, after={**payload, "score": draft.score})  # fmt: skip


def _span_rows(
    gold_id: int, tokens: Tokens, project: Project, payload: dict[str, Any]
) -> list[dict[str, Any]]:
    labels = [label.name for label in project.labels]
    rows = [
        {"annotation_id": gold_id, "layer": "ent", "start_char": s.start, "end_char": s.end,
         "start_token": s.start_token, "end_token": s.end_token, "label": s.label,
         "cluster": None, "source": "human"}
        for s in snap_entities(tokens, payload["spans"], labels=labels)
    ]  # fmt: skip
    for cluster, chain in enumerate(snap_chains(tokens, payload["coref"]), start=1):
        rows += [
            {"annotation_id": gold_id, "layer": "coref", "start_char": m.start,
             "end_char": m.end, "start_token": m.start_token, "end_token": m.end_token,
             "label": None, "cluster": cluster, "source": "human"}
            for m in chain
        ]  # fmt: skip
    return rows


def _drop_auto_gold(session: Session, document: Document, project: Project) -> None:
    """Withdraw gold that was accepted automatically and never touched by a reviewer: the
    agreement it stood on is gone."""
    gold = gold_of(session, document.id)
    if gold is None or not (gold.info or {}).get("auto_accepted"):
        return
    audit.record(session, "gold.withdraw", user=None, project_id=project.id,
                 document_id=document.id, subject=f"annotation {gold.id} (gold)",
                 before=stored_payload(session, gold), after=None)  # fmt: skip
    session.delete(gold)
