"""Consolidation of stored annotations: the receiver of the ``annotation_submitted`` event,
and the loading of a document's submitted work as the pure core's input.

When a document has its ``overlap`` submitted annotations, its draft is computed and a
``ReviewItem`` records its score; documents the project's setting accepts automatically get
a gold annotation made of the accepted candidates (``info.auto_accepted``), the rest wait in
the review queue. Every step is serialized per document by locking its row (SQLite runs
every transaction under BEGIN IMMEDIATE), so concurrent submissions consolidate once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel import audit, events
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.annotate import store
from textlabel.annotate.layer_checks import chosen
from textlabel.annotate.payload import Payload
from textlabel.annotate.service import prediction_of
from textlabel.models import Annotation, Document, Project, ReviewItem, User
from textlabel.models.base import utcnow
from textlabel.review.draft import DocumentDraft, draft_document
from textlabel.review.settings import review_settings


@dataclass(frozen=True, slots=True)
class Submitted:
    """One submitted manual annotation with its author and stored payload."""

    annotation: Annotation
    username: str
    payload: Payload


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
    payloads = store.read_many(session, [a.id for a, _ in rows], pos={a.id: a.pos for a, _ in rows})
    return [Submitted(a, name, payloads[a.id]) for a, name in rows]


def gold_of(session: Session, document_id: int) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(Annotation.document_id == document_id, Annotation.kind == "gold")
    )


def document_draft(
    session: Session, document: Document, project: Project, submitted: list[Submitted]
) -> DocumentDraft:
    """The consolidated draft of ``document`` under the project's settings."""
    tokens = store.tokens_of(document)
    doc = DocumentAnnotations(
        doc_id=document.id,
        tokens=tokens.pairs(),
        cats_single=project.cats_mode == "single",
        categories=tuple(label.name for label in project.categories),
    )
    prediction = prediction_of(session, document)
    predicted = list(prediction.pos or []) if prediction is not None else []
    for s in submitted:
        relations = s.payload.relations or ()
        doc.spans[s.username] = [(x.start, x.end, x.label) for x in s.payload.spans or ()]
        doc.coref[s.username] = [[(m.start, m.end) for m in c] for c in s.payload.coref or ()]
        doc.relations[s.username] = [(*r.head, *r.child, r.label) for r in relations]
        doc.cats[s.username] = chosen(s.payload.cats or ())
        doc.span_cats[s.username] = [(x.start, x.end, x.label) for x in s.payload.span_cats or ()]
        own = s.payload.pos or [None] * len(tokens)
        merged = [t if t is not None else (predicted[i] if i < len(predicted) else None)
                  for i, t in enumerate(own)]  # fmt: skip
        if any(tag is not None for tag in merged):  # as the agreement report counts it
            doc.pos[s.username] = merged
    settings = review_settings(project.settings)
    return draft_document(
        doc, layers=project.layers, min_share=settings.min_share, predicted_pos=predicted or None,
        span_overlap=project.span_overlap,
    )  # fmt: skip


def connect_events() -> None:
    """Consolidate on every submission (idempotent: blinker keeps one connection)."""
    events.annotation_submitted.connect(_on_annotation_submitted)


def _on_annotation_submitted(sender: Annotation, *, session: Session, document: Document) -> None:
    on_submitted(session, document)


def on_submitted(session: Session, document: Document) -> ReviewItem | None:
    """Consolidate ``document`` after one of its annotations was submitted (or taken back);
    commits. Returns its review item, or None while it lacks its ``overlap`` submissions."""
    project = session.get_one(Project, document.project_id)
    lock_document(session, document.id)
    submitted = submitted_annotations(session, document)
    item = session.get(ReviewItem, document.id)
    if len(submitted) < (document.overlap or project.overlap):  # routed documents need fewer
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
    """Gold made of the accepted candidates, written directly: no user made it (relations
    only between accepted entities, see ``review.layer_candidates``)."""
    # The candidates come from stored annotations, so they already sit on token boundaries.
    payload = draft.gold_payload()
    gold = gold_of(session, document.id)
    if gold is None:
        gold = Annotation(document_id=document.id, kind="gold", status="submitted")
        session.add(gold)
        session.flush()
        before = None
    else:
        before = store.read(session, gold).to_json()
        gold.version += 1
    store.replace_all(session, gold.id, store.tokens_of(document), payload, source="human")
    gold.pos = None if payload.pos is None else list(payload.pos)
    gold.status = "submitted"
    gold.updated_at = utcnow()
    gold.updated_by_id = None
    gold.info = {"auto_accepted": True, "annotators": list(draft.annotators),
                 "score": draft.score, "decided_at": utcnow().isoformat()}  # fmt: skip
    after = {**payload.to_json(scores=False), "score": draft.score}
    audit.record(session, "gold.auto_accept", user=None, project_id=project.id,
                 document_id=document.id, subject=f"annotation {gold.id} (gold)",
                 before=before, after=after)  # fmt: skip


def _drop_auto_gold(session: Session, document: Document, project: Project) -> None:
    """Withdraw gold that was accepted automatically and never touched by a reviewer: the
    agreement it stood on is gone."""
    gold = gold_of(session, document.id)
    if gold is None or not (gold.info or {}).get("auto_accepted"):
        return
    audit.record(session, "gold.withdraw", user=None, project_id=project.id,
                 document_id=document.id, subject=f"annotation {gold.id} (gold)",
                 before=store.read(session, gold).to_json(), after=None)  # fmt: skip
    session.delete(gold)
