"""The stored rows an export reads, with their JSON columns decoded by orjson.

An export decodes every document's stored tokens and metadata and every annotation's JSON
columns once; with the database driver's ``json.loads`` that was about half of reading a
row. The columns are selected as text (``CAST(... AS TEXT)``: PostgreSQL's driver would
otherwise decode them itself) and decoded here by orjson, which gives the same values:
stored JSON is checked on the way in (``safejson``: no NaN, integers within 64 bits, no lone
surrogates), and anything orjson refuses still goes to ``json.loads``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Select, Text, cast, select
from sqlalchemy.orm import Session

from textlabel.models import Annotation, Document


def loads(raw: str | bytes | None) -> Any:
    """A stored JSON value (None for SQL NULL), as ``json.loads`` would read it."""
    if raw is None:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:  # beyond orjson (a huge integer, NaN): the slow way
        return json.loads(raw)


class DocumentRow(NamedTuple):
    id: int
    text: str
    meta: dict[str, Any]
    tokens: dict[str, Any]


class AnnotationRow(NamedTuple):
    id: int
    document_id: int
    user_id: int | None
    kind: str
    status: str
    pos: list[str | None] | None
    token_layers: dict[str, Any] | None
    relations: list[Any] | None
    cats: dict[str, Any] | None


def select_documents() -> Select[int, str, str, str]:
    """``id, text, meta, tokens`` of documents, the JSON as text (``document_rows`` decodes)."""
    meta, tokens = cast(Document.meta, Text), cast(Document.tokens, Text)
    return select(Document.id, Document.text, meta, tokens)


def document_rows(rows: Sequence[Any]) -> list[DocumentRow]:
    """Rows of ``select_documents`` with their JSON decoded."""
    return [DocumentRow(i, text, loads(meta), loads(tokens)) for i, text, meta, tokens in rows]


def stored_annotation_rows(
    session: Session, project_id: int, first: int, last: int
) -> Sequence[Any]:
    """The annotations of ``project_id``'s documents with ids in ``[first, last]``, in id
    order, JSON columns as text (``decode_annotations``). A range, not ``IN`` with a page of
    ids: compiling 500 bound parameters per page cost more than reading the rows (the caller
    keeps those of its page)."""
    return session.connection().execute(
        select(
            Annotation.id, Annotation.document_id, Annotation.user_id, Annotation.kind,
            Annotation.status, cast(Annotation.pos, Text), cast(Annotation.token_layers, Text),
            cast(Annotation.relations, Text), cast(Annotation.cats, Text),
        )
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id, Document.id.between(first, last))
        .order_by(Annotation.id)
    ).all()  # fmt: skip


def decode_annotations(rows: Iterable[Any]) -> list[AnnotationRow]:
    """Rows of ``stored_annotation_rows`` with their JSON decoded."""
    return [
        AnnotationRow(aid, did, user, kind, status, loads(pos), loads(tl), loads(rel), loads(cats))
        for aid, did, user, kind, status, pos, tl, rel, cats in rows
    ]
