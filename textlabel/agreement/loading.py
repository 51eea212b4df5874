"""Reading submitted annotations out of the database as the pure core's input.

Only submitted manual annotations count, one per annotator and document. For POS a NULL tag
means "the prediction, unchanged", so the prediction's tag stands in for it here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.agreement.stats import DocumentAnnotations
from textlabel.models import Annotation, Document, Span, User


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
) -> Iterable[DocumentAnnotations]:
    """The documents' submitted annotations of ``layer`` as the pure core's input."""
    author = {r.annotation_id: r.username for rows in submitted.values() for r in rows}
    documents = session.execute(
        select(Document.id, Document.text, Document.tokens).where(Document.id.in_(list(submitted)))
    )
    tokens = {d: _token_pairs(text, stored) for d, text, stored in documents}
    out = {d: DocumentAnnotations(doc_id=d, tokens=tokens[d]) for d in sorted(submitted)}
    if layer == "entities":
        _load_entities(session, submitted, author, out)
    elif layer == "coref":
        _load_coref(session, submitted, author, out)
    else:
        _load_pos(session, submitted, predictions, out)
    return out.values()


def _token_pairs(text: str, stored: dict[str, Any] | None) -> list[tuple[int, int]]:
    # Saved annotations always come with stored tokens; this only covers rows written
    # around the annotation service (e.g. by hand), which agree with a fresh tokenization.
    if not stored:
        from textlabel.nlp.pipeline import tokenize_text  # spaCy: imported only when needed

        stored = tokenize_text(text)
    offsets = stored["offsets"]
    return list(zip(offsets[0::2], offsets[1::2], strict=True))


def _load_entities(
    session: Session,
    submitted: dict[int, list[Submitted]],
    author: dict[int, str],
    out: dict[int, DocumentAnnotations],
) -> None:
    document_of = {r.annotation_id: d for d, rows in submitted.items() for r in rows}
    for d, rows in submitted.items():
        for r in rows:
            out[d].spans[r.username] = []  # submitted with no entity is a statement too
    spans = session.execute(
        select(Span.annotation_id, Span.start_char, Span.end_char, Span.label).where(
            Span.annotation_id.in_(list(author)), Span.layer == "ent"
        )
    )
    for annotation_id, start, end, label in spans:
        if label is not None:  # never None for entity spans (a DB constraint)
            out[document_of[annotation_id]].spans[author[annotation_id]].append((start, end, label))


def _load_coref(
    session: Session,
    submitted: dict[int, list[Submitted]],
    author: dict[int, str],
    out: dict[int, DocumentAnnotations],
) -> None:
    chains: dict[int, dict[int | None, list[tuple[int, int]]]] = {a: {} for a in author}
    mentions = session.execute(
        select(Span.annotation_id, Span.cluster, Span.start_char, Span.end_char)
        .where(Span.annotation_id.in_(list(author)), Span.layer == "coref")
        .order_by(Span.annotation_id, Span.cluster, Span.start_char, Span.end_char)
    )
    for annotation_id, cluster, start, end in mentions:
        chains[annotation_id].setdefault(cluster, []).append((start, end))
    for d, rows in submitted.items():
        for r in rows:
            out[d].coref[r.username] = list(chains[r.annotation_id].values())


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
    found = session.execute(select(Annotation.id, Annotation.pos).where(Annotation.id.in_(wanted)))
    tags: dict[int, list[str | None] | None] = {row[0]: row[1] for row in found}
    for d, rows in submitted.items():
        n_tokens = len(out[d].tokens)
        predicted = tags.get(predictions[d][0]) if d in predictions else None
        predicted = list(predicted or [None] * n_tokens)
        for r in rows:
            own = tags.get(r.annotation_id) or [None] * n_tokens
            merged = [
                tag if tag is not None else (predicted[i] if i < len(predicted) else None)
                for i, tag in enumerate(own)
            ]
            if any(tag is not None for tag in merged):
                out[d].pos[r.username] = merged
