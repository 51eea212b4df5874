"""Reading and saving annotations: one validated, versioned save for any annotation row
(an annotator's manual annotation now, a reviewer's gold one later), recorded in the audit
trail as the change it made (spans removed and added, tags changed, status)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate.spans import SnappedSpan, Tokens, check_pos, snap_chains, snap_entities
from textlabel.auth.permissions import Action, allowed
from textlabel.errors import Conflict, InvalidInput
from textlabel.models import Annotation, Document, Project, Span, User
from textlabel.models.base import utcnow
from textlabel.nlp.pipeline import tokenize_text


@dataclass(frozen=True, slots=True)
class AnnotationInput:
    """A save request. ``None`` for spans, pos or coref keeps what is stored."""

    version: int
    status: str = "draft"
    spans: list[dict[str, Any]] | None = None
    pos: list[str | None] | None = None
    coref: list[list[dict[str, Any]]] | None = None


def ensure_tokens(session: Session, document: Document) -> Tokens:
    """The document's tokens, tokenizing (and storing) them on first use."""
    stored = document.tokens
    if not stored:
        stored = document.tokens = tokenize_text(document.text)
        session.commit()
    return Tokens.from_offsets(stored["offsets"], text_length=len(document.text))


def own_annotation(session: Session, document: Document, user: User) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id,
            Annotation.user_id == user.id,
            Annotation.kind == "manual",
        )
    )


def prediction_of(session: Session, document: Document) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id, Annotation.kind == "prediction"
        )
    )


def visible_annotations(
    session: Session, document: Document, project: Project, user: User
) -> list[Annotation]:
    """Annotations of ``document`` that ``user`` may see: in a blind project an annotator
    sees only the model's and their own; reviewers, managers and open projects see all."""
    query = select(Annotation).where(Annotation.document_id == document.id)
    if project.blind and not allowed(session, user, project, Action.VIEW_OTHERS):
        query = query.where((Annotation.kind == "prediction") | (Annotation.user_id == user.id))
    return list(session.scalars(query.order_by(Annotation.id)))


def _stored(session: Session, annotation_id: int) -> dict[tuple[Any, ...], int]:
    rows = session.execute(
        select(Span.id, Span.layer, Span.start_char, Span.end_char, Span.label, Span.cluster)
        .where(Span.annotation_id == annotation_id)
    ).all()  # fmt: skip
    return {(r[1], r[2], r[3], r[4] if r[1] == "ent" else r[5]): r[0] for r in rows}


def _row(annotation_id: int, layer: str, span: SnappedSpan, cluster: int | None) -> dict[str, Any]:
    return {
        "annotation_id": annotation_id,
        "layer": layer,
        "start_char": span.start,
        "end_char": span.end,
        "start_token": span.start_token,
        "end_token": span.end_token,
        "label": span.label,
        "cluster": cluster,
        "source": "human",
    }


def _validate(
    project: Project, tokens: Tokens, payload: AnnotationInput
) -> tuple[list[dict[str, Any]], list[str | None] | None]:
    """Snapped span rows (ent and coref) to store, and POS; refuses layers switched off."""
    rows: list[dict[str, Any]] = []
    if payload.spans:
        if not project.has_layer("entities"):
            raise InvalidInput("this project has no entity layer", details={"layer": "entities"})
        labels = [label.name for label in project.labels]
        entities = snap_entities(tokens, payload.spans, labels=labels)
        rows += [_row(0, "ent", span, None) for span in entities]
    if payload.coref:
        if not project.has_layer("coref"):
            raise InvalidInput("this project has no coreference layer", details={"layer": "coref"})
        for cluster, chain in enumerate(snap_chains(tokens, payload.coref), start=1):
            rows += [_row(0, "coref", mention, cluster) for mention in chain]
    pos = None
    if payload.pos is not None:
        if not project.has_layer("pos"):
            raise InvalidInput("this project has no POS layer", details={"layer": "pos"})
        pos = check_pos(payload.pos, n_tokens=len(tokens))
    return rows, pos


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    last = row["label"] if row["layer"] == "ent" else row["cluster"]
    return (row["layer"], row["start_char"], row["end_char"], last)


def _span_json(key: tuple[Any, ...]) -> dict[str, Any]:
    layer, start, end, last = key
    return {"layer": layer, "start": start, "end": end,
            ("label" if layer == "ent" else "chain"): last}  # fmt: skip


def save_annotation(
    session: Session, annotation: Annotation, payload: AnnotationInput, *, user: User
) -> Annotation:
    """Validate ``payload`` against the document and project, apply it if ``version`` is
    current, bump the version and record the change; commits. Layers left as ``None`` in the
    payload are kept (an entity-only save does not touch coreference and the reverse).

    Raises InvalidInput (422) naming the offending span, Conflict (409) with the current
    version in ``details`` when someone saved in between.
    """
    document = session.get_one(Document, annotation.document_id)
    project = session.get_one(Project, document.project_id)
    tokens = ensure_tokens(session, document)
    rows, pos = _validate(project, tokens, payload)

    stored = _stored(session, annotation.id)
    keep = {
        layer for layer, sent in (("ent", payload.spans), ("coref", payload.coref)) if sent is None
    }
    wanted: dict[tuple[Any, ...], dict[str, Any]] = {k: {} for k in stored if k[0] in keep}
    wanted.update({_key(r): {**r, "annotation_id": annotation.id} for r in rows})
    removed = [k for k in stored if k not in wanted]
    added = [k for k in wanted if k not in stored]
    pos_changes = {}
    if pos is not None:
        old = annotation.pos or [None] * len(pos)
        pos_changes = {i: (old[i] if i < len(old) else None, t) for i, t in enumerate(pos)
                       if (old[i] if i < len(old) else None) != t}  # fmt: skip
    status_changed = payload.status != annotation.status

    if payload.version != annotation.version:
        raise Conflict(
            f"annotation {annotation.id} is at version {annotation.version}, "
            f"not {payload.version}: it was saved elsewhere; reload it",
            details={"version": annotation.version},
        )
    if not (removed or added or pos_changes or status_changed):
        return annotation

    values: dict[str, Any] = {
        "version": Annotation.version + 1,
        "status": payload.status,
        "updated_at": utcnow(),
        "updated_by_id": user.id,
    }
    if pos_changes:
        values["pos"] = pos
    if status_changed and payload.status == "submitted":
        values["submitted_at"] = utcnow()
    # The version check and the bump are one statement: of two concurrent saves of the same
    # version exactly one matches, the other gets 409 (PostgreSQL rechecks after the lock).
    result = session.execute(
        update(Annotation)
        .where(Annotation.id == annotation.id, Annotation.version == payload.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation.id))
        raise Conflict(
            f"annotation {annotation.id} was saved elsewhere (now version {current}); reload it",
            details={"version": current},
        )
    if removed:
        session.execute(delete(Span).where(Span.id.in_([stored[k] for k in removed])))
    if added:
        session.execute(insert(Span), [wanted[k] for k in added])
    audit.record(
        session,
        "annotation.save",
        user=user,
        project_id=project.id,
        document_id=document.id,
        subject=f"annotation {annotation.id} ({annotation.kind})",
        before={
            "version": payload.version,
            "status": annotation.status,
            "spans": [_span_json(k) for k in removed],
            "pos": {str(i): old for i, (old, _) in pos_changes.items()},
        },
        after={
            "version": payload.version + 1,
            "status": payload.status,
            "spans": [_span_json(k) for k in added],
            "pos": {str(i): new for i, (_, new) in pos_changes.items()},
        },
    )
    session.commit()
    if annotation.kind == "manual" and (payload.status == "submitted" or status_changed):
        from textlabel.review.service import on_submitted  # review (issue 6): consolidate

        on_submitted(session, document)
    session.expire(annotation)
    return annotation
