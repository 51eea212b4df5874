"""Annotations and documents in the API's shape, read through the store."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.annotate.payload import EMPTY, Payload
from textlabel.models import Annotation, Document


def tokens_json(document: Document) -> tuple[list[dict[str, Any]], list[int]]:
    """Tokens as ``{start, end, ws}`` objects, and sentence starts."""
    tokens = store.tokens_of(document)
    out = [{"start": t.start, "end": t.end, "ws": t.ws} for t in tokens.records()]
    return out, list(tokens.sent_starts)


def annotation_out(
    session: Session,
    annotation: Annotation | None,
    *,
    document: Document,
    user: str | None,
    payload: Payload | None = None,
) -> dict[str, Any]:
    """An annotation in the API's shape (JSON-ready); a not-yet-stored one is version 0.
    ``payload``: what it holds, when the caller read it already (a save does)."""
    if annotation is None:
        return {"id": None, "document_id": document.id, "user": user, "kind": "manual",
                "version": 0, "status": "new", **EMPTY.to_json(), "updated_at": None}  # fmt: skip
    return {
        "id": annotation.id,
        "document_id": annotation.document_id,
        "user": user,
        "kind": annotation.kind,
        "version": annotation.version,
        "status": annotation.status,
        "updated_at": annotation.updated_at.isoformat() if annotation.updated_at else None,
        **(payload or store.read(session, annotation)).to_json(),
    }


def document_out(
    session: Session, document: Document, prediction: Annotation | None
) -> dict[str, Any]:
    """A document with its tokens and the model's predictions, in the API's shape."""
    tokens, sent_starts = tokens_json(document)
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
        "pages": document.pages,
        "archived_at": document.archived_at,
        "prediction": store.read(session, prediction).to_json() if prediction else None,
    }
