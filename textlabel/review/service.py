"""Consolidation of stored annotations: the receiver of the ``annotation_submitted`` event,
and the loading of a document's submitted work as the pure core's input.

When a document has its ``overlap`` submitted annotations, its draft is computed and a
``ReviewItem`` records its score; documents the project's setting accepts automatically get
a gold annotation made of the accepted candidates (``info.auto_accepted``), the rest wait in
the review queue. Every step is serialized per document by locking its row (SQLite runs
every transaction under BEGIN IMMEDIATE), so concurrent submissions consolidate once.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel import audit, events
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.annotate.service import prediction_of
from textlabel.models import Annotation, Document, Project, ReviewItem, User
from textlabel.models.base import utcnow
from textlabel.review.consolidation import majority_items
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
    doc = DocumentAnnotations(doc_id=document.id, tokens=tokens.pairs())
    prediction = prediction_of(session, document)
    predicted = list(prediction.pos or []) if prediction is not None else []
    for s in submitted:
        doc.spans[s.username] = [(x.start, x.end, x.label) for x in s.payload.spans or ()]
        doc.coref[s.username] = [[(m.start, m.end) for m in c] for c in s.payload.coref or ()]
        own = s.payload.pos or [None] * len(tokens)
        merged = [t if t is not None else (predicted[i] if i < len(predicted) else None)
                  for i, t in enumerate(own)]  # fmt: skip
        if any(tag is not None for tag in merged):  # as the agreement report counts it
            doc.pos[s.username] = merged
    settings = review_settings(project.settings)
    return draft_document(
        doc, layers=project.layers, min_share=settings.min_share, predicted_pos=predicted or None
    )


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
        extra, agreed = _other_layers(submitted, min_share=settings.min_share)
        auto = settings.auto_accept != "off" and (
            (draft.unanimous and agreed)
            or (settings.auto_accept == "threshold" and draft.score >= settings.threshold)
        )
        if auto:
            _write_auto_gold(session, document, project, draft, extra)
            item.state, item.reviewer_id, item.claimed_at = "auto_accepted", None, None
        else:
            _drop_auto_gold(session, document, project)
            item.state = "open"
    session.commit()
    return item


def _other_layers(submitted: list[Submitted], *, min_share: float) -> tuple[Payload, bool]:
    """Relations, document labels and span categories by the same share rule as spans (what
    enough annotators drew), and whether every annotator drew the same (unanimous)."""
    payloads = [s.payload for s in submitted]
    relations = [tuple(p.relations or ()) for p in payloads]
    cats = [tuple(c for c, v in p.cats or () if v >= 0.5) for p in payloads]
    span_cats = [tuple(p.span_cats or ()) for p in payloads]
    agreed = all(len({frozenset(x) for x in votes}) <= 1 for votes in (relations, cats, span_cats))
    majority = Payload(
        relations=tuple(majority_items(relations, min_share=min_share)),
        cats=tuple((c, 1.0) for c in sorted(majority_items(cats, min_share=min_share))),
        span_cats=tuple(majority_items(span_cats, min_share=min_share)),
    )
    return majority, agreed


def _write_auto_gold(
    session: Session, document: Document, project: Project, draft: DocumentDraft,
    extra: Payload | None = None,
) -> None:  # fmt: skip
    """Gold made of the accepted candidates, written directly: no user made it. ``extra``
    brings the relations (those whose entities are in the gold), document labels and span
    categories enough annotators drew."""
    # The candidates come from stored annotations, so they already sit on token boundaries.
    payload = draft.gold_payload()
    if extra is not None:
        entities = {(x.start, x.end) for x in payload.spans or ()}
        relations = tuple(r for r in extra.relations or ()
                          if r.head in entities and r.child in entities)  # fmt: skip
        payload = replace(payload, relations=relations, cats=extra.cats, span_cats=extra.span_cats)
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
