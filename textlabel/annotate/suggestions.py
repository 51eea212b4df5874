"""Accepting the model's coreference suggestions in bulk: the chains whose calibrated
confidence (``textlabel.nlp.coref.calibration``) reaches a threshold join the annotator's own
chains, so an annotator checks the weak chains one by one and takes the sure ones at once.

An annotator's own decisions win: a suggested chain that shares a mention with one of their
chains is left out whole (joining it would merge or split what they linked by hand).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.annotate.payload import Chain, Payload
from textlabel.annotate.service import (
    AnnotationInput,
    prediction_of,
    require_version,
    save_annotation,
)
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, User
from textlabel.records import MentionRecord

DEFAULT_MIN_CONFIDENCE = 0.8


@dataclass(frozen=True, slots=True)
class Accepted:
    """The annotation after the save, and how many chains it took over (none: not saved)."""

    annotation: Annotation
    chains: int


def confidence_of(chain: Chain) -> float:
    """A stored model chain's confidence (every mention carries it; 0 when none does)."""
    return min((m.score for m in chain if m.score is not None), default=0.0)


def with_confident_chains(own: Payload, prediction: Payload, min_confidence: float) -> Payload:
    """``own`` with the predicted chains of confidence >= ``min_confidence`` that share no
    mention with ``own``'s chains or each other, as the annotator's (no score)."""
    taken = {(m.start, m.end) for chain in own.coref or () for m in chain}
    added: list[Chain] = []
    for chain in prediction.coref or ():
        keys = {(m.start, m.end) for m in chain}
        if len(keys) < 2 or confidence_of(chain) < min_confidence or keys & taken:
            continue
        added.append(tuple(MentionRecord(m.start, m.end) for m in chain))
        taken |= keys
    return Payload(coref=(*(own.coref or ()), *added))


def accept_confident_chains(
    session: Session,
    annotation: Annotation,
    document: Document,
    *,
    version: int,
    min_confidence: float = DEFAULT_MIN_CONFIDENCE,
    user: User,
) -> Accepted:
    """Add the confident model chains to ``annotation`` (a versioned save, as any edit: a stale
    ``version`` raises Conflict). InvalidInput when the document has no model prediction."""
    if not 0.0 <= min_confidence <= 1.0:
        raise InvalidInput(
            f"min_confidence {min_confidence} is not between 0 and 1",
            details={"min_confidence": ["between 0 and 1"]},
        )
    # stale first, as any save: even when nothing is new, the caller's editor is out of date
    require_version(annotation, version)
    prediction = prediction_of(session, document)
    if prediction is None:
        raise InvalidInput(
            f"document {document.id} has no model prediction to accept chains from",
            details={"document": ["not pre-annotated"]},
        )
    own = store.read(session, annotation)
    wanted = with_confident_chains(own, store.read(session, prediction), min_confidence)
    count = len(wanted.coref or ()) - len(own.coref or ())
    if count == 0:
        session.rollback()  # nothing to write: end the write transaction at once
        return Accepted(annotation, 0)
    request = AnnotationInput(version=version, status=annotation.status, payload=wanted)
    return Accepted(save_annotation(session, annotation, request, user=user), count)
