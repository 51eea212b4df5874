"""Reading stored tokens and annotations back into plain payloads."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.models import Annotation, Document, Span
from textlabel.tokens import token_records


def document_tokens(document: Document) -> tuple[list[dict[str, Any]] | None, list[int] | None]:
    """Tokens as ``{start, end, ws}`` dicts and sentence starts, or (None, None) if untokenized."""
    stored = document.tokens
    if not stored:
        return None, None
    tokens = [
        {"start": t.start, "end": t.end, "ws": t.ws} for t in token_records(stored, document.text)
    ]
    return tokens, list(stored.get("sent_starts", []))


def annotation_payload(annotation: Annotation) -> dict[str, Any]:
    """Spans, POS and coreference chains of an annotation in the API's shape."""
    spans: list[dict[str, Any]] = []
    chains: dict[int, list[dict[str, int]]] = {}
    for span in annotation.spans:
        if span.layer == "ent":
            spans.append(
                {"start": span.start_char, "end": span.end_char, "label": span.label,
                 "score": span.score}
            )  # fmt: skip
        else:
            chains.setdefault(span.cluster or 0, []).append(
                {"start": span.start_char, "end": span.end_char}
            )
    coref = [
        sorted(chain, key=lambda m: (m["start"], m["end"])) for _, chain in sorted(chains.items())
    ]
    return {"spans": spans, "pos": annotation.pos, "coref": coref}


def stored_payload(session: Session, annotation: Annotation) -> dict[str, Any]:
    """Like ``annotation_payload`` but read as plain rows: loading hundreds of ORM spans costs
    more than the rest of an autosave or a page render."""
    rows = session.execute(
        select(Span.layer, Span.start_char, Span.end_char, Span.label, Span.score, Span.cluster)
        .where(Span.annotation_id == annotation.id)
        .order_by(Span.layer, Span.start_char, Span.end_char)
    ).all()
    spans = [
        {"start": r[1], "end": r[2], "label": r[3], "score": r[4]} for r in rows if r[0] == "ent"
    ]
    chains: dict[int, list[dict[str, int]]] = {}
    for r in rows:
        if r[0] == "coref":
            chains.setdefault(r[5] or 0, []).append({"start": r[1], "end": r[2]})
    return {"spans": spans, "pos": annotation.pos, "coref": [chains[k] for k in sorted(chains)]}


def annotation_out(
    session: Session, annotation: Annotation | None, *, document: Document, user: str | None
) -> dict[str, Any]:
    """An annotation in the API's shape (JSON-ready); a not-yet-stored one is version 0."""
    if annotation is None:
        return {"id": None, "document_id": document.id, "user": user, "kind": "manual",
                "version": 0, "status": "new", "spans": [], "pos": None, "coref": [],
                "updated_at": None}  # fmt: skip
    return {
        "id": annotation.id,
        "document_id": annotation.document_id,
        "user": user,
        "kind": annotation.kind,
        "version": annotation.version,
        "status": annotation.status,
        "updated_at": annotation.updated_at.isoformat() if annotation.updated_at else None,
        **stored_payload(session, annotation),
    }


def document_out(document: Document, prediction: Annotation | None) -> dict[str, Any]:
    """A document with its tokens and the model's predictions, in the API's shape."""
    tokens, sent_starts = document_tokens(document)
    return {
        "id": document.id,
        "project_id": document.project_id,
        "text": document.text,
        "meta": document.meta,
        "source": {
            "file": document.source_file,
            "unit": document.source_unit,
            "number": document.source_number,
        },
        "tokens": tokens,
        "sent_starts": sent_starts,
        "prediction": annotation_payload(prediction) if prediction else None,
    }
