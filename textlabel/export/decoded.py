"""The stored rows an export reads, with their JSON columns decoded by orjson (plain
Python: an export's worker process imports no SQLAlchemy).

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


def document_rows(rows: Sequence[Any]) -> list[DocumentRow]:
    """Rows of ``select_documents`` with their JSON decoded."""
    return [DocumentRow(i, text, loads(meta), loads(tokens)) for i, text, meta, tokens in rows]


def decode_annotations(rows: Iterable[Any]) -> list[AnnotationRow]:
    """Rows of ``stored_annotation_rows`` with their JSON decoded."""
    return [
        AnnotationRow(aid, did, user, kind, status, loads(pos), loads(tl), loads(rel), loads(cats))
        for aid, did, user, kind, status, pos, tl, rel, cats in rows
    ]
