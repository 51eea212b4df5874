"""Reading submitted annotations out of the database as the pure core's input.

Only submitted manual annotations count, one per annotator and document. For POS a NULL tag
means "the prediction, unchanged", so the prediction's tag stands in for it here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.agreement.stats import DocumentAnnotations
from textlabel.annotate import store
from textlabel.annotate.layer_checks import chosen
from textlabel.models import Annotation, Document, User
from textlabel.projects.archive import ACTIVE
from textlabel.tokens import Tokens


@dataclass(frozen=True, slots=True)
class Submitted:
    """One submitted manual annotation: what a cache fingerprint is made of."""

    annotation_id: int
    document_id: int
    version: int
    username: str


def submitted_annotations(session: Session, project_id: int) -> dict[int, list[Submitted]]:
    """The submitted manual annotations of a project, by document, in id order."""
    rows = session.execute(
        select(Annotation.id, Annotation.document_id, Annotation.version, User.username)
        .join(Document, Document.id == Annotation.document_id)
        .join(User, User.id == Annotation.user_id)
        .where(
            Document.project_id == project_id,
            ACTIVE,  # archived documents leave agreement
            Annotation.kind == "manual",
            Annotation.status == "submitted",
        )
        .order_by(Annotation.document_id, Annotation.id)
    )
    out: dict[int, list[Submitted]] = defaultdict(list)
    for row in rows:
        out[row[1]].append(Submitted(*row))
    return out


def prediction_versions(session: Session, project_id: int) -> dict[int, tuple[int, int]]:
    """(annotation id, version) of each document's prediction."""
    rows = session.execute(
        select(Annotation.document_id, Annotation.id, Annotation.version)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id, Annotation.kind == "prediction")
    )
    return {document_id: (annotation_id, version) for document_id, annotation_id, version in rows}


def load_documents(
    session: Session,
    layer: str,
    submitted: dict[int, list[Submitted]],
    predictions: dict[int, tuple[int, int]],
    *,
    categories: tuple[str, ...] = (),
    cats_single: bool = False,
) -> Iterable[DocumentAnnotations]:
    """The documents' submitted annotations of ``layer`` as the pure core's input
    (``categories`` and ``cats_single``: the project's document labels, for "cats")."""
    author = {r.annotation_id: r.username for rows in submitted.values() for r in rows}
    documents = session.execute(
        select(Document.id, Document.text, Document.tokens).where(Document.id.in_(list(submitted)))
    )
    tokens = {
        d: Tokens.from_stored(stored, text_length=len(text)).pairs()
        for d, text, stored in documents
    }
    out = {
        d: DocumentAnnotations(
            doc_id=d, tokens=tokens[d], categories=categories, cats_single=cats_single
        )
        for d in sorted(submitted)
    }
    if layer == "entities":
        _load_entities(session, submitted, author, out)
    elif layer == "coref":
        _load_coref(session, submitted, author, out)
    elif layer in ("relations", "cats", "spans"):
        _load_relations_or_cats(session, layer, submitted, out)
    else:
        _load_pos(session, submitted, predictions, out)
    return out.values()


def _load_relations_or_cats(
    session: Session, layer: str, submitted: dict[int, list[Submitted]],
    out: dict[int, DocumentAnnotations],
) -> None:  # fmt: skip
    """Relations, the document labels that apply (value at least 0.5) or the span
    categories, per annotator; a submitted annotation without any is a statement too."""
    wanted = [r.annotation_id for rows in submitted.values() for r in rows]
    field = "span_cats" if layer == "spans" else layer  # the payload's name of the layer
    payloads = store.read_many(session, wanted, layers=(field,))
    for d, rows in submitted.items():
        for r in rows:
            payload = payloads[r.annotation_id]
            if layer == "relations":
                out[d].relations[r.username] = [
                    (*x.head, *x.child, x.label) for x in payload.relations or ()
                ]
            elif layer == "spans":
                out[d].span_cats[r.username] = [
                    (s.start, s.end, s.label) for s in payload.span_cats or ()
                ]
            else:
                out[d].cats[r.username] = chosen(payload.cats or ())


def _load_entities(
    session: Session,
    submitted: dict[int, list[Submitted]],
    author: dict[int, str],
    out: dict[int, DocumentAnnotations],
) -> None:
    payloads = store.read_many(session, list(author), layers=("spans",))
    for d, rows in submitted.items():
        for r in rows:  # submitted with no entity is a statement too
            spans = payloads[r.annotation_id].spans or ()
            out[d].spans[r.username] = [(s.start, s.end, s.label) for s in spans]


def _load_coref(
    session: Session,
    submitted: dict[int, list[Submitted]],
    author: dict[int, str],
    out: dict[int, DocumentAnnotations],
) -> None:
    payloads = store.read_many(session, list(author), layers=("coref",))
    for d, rows in submitted.items():
        for r in rows:
            chains = payloads[r.annotation_id].coref or ()
            out[d].coref[r.username] = [[(m.start, m.end) for m in chain] for chain in chains]


def _load_pos(
    session: Session,
    submitted: dict[int, list[Submitted]],
    predictions: dict[int, tuple[int, int]],
    out: dict[int, DocumentAnnotations],
) -> None:
    """Tags per annotator; a NULL tag (or no tags at all) is the prediction left unchanged.

    An annotator with no tag on any token (no POS saved and no prediction to stand in) is
    left out of the layer rather than counted as leaving every token untagged.
    """
    wanted = [r.annotation_id for rows in submitted.values() for r in rows]
    wanted += [predictions[d][0] for d in submitted if d in predictions]
    tags = {aid: p.pos for aid, p in store.read_many(session, wanted, layers=("pos",)).items()}
    for d, rows in submitted.items():
        n_tokens = len(out[d].tokens)
        model = tags.get(predictions[d][0]) if d in predictions else None
        predicted = list(model or [None] * n_tokens)
        for r in rows:
            own = tags.get(r.annotation_id) or [None] * n_tokens
            merged = [
                tag if tag is not None else (predicted[i] if i < len(predicted) else None)
                for i, tag in enumerate(own)
            ]
            if any(tag is not None for tag in merged):
                out[d].pos[r.username] = merged
