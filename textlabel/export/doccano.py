"""doccano JSONL: what doccano's sequence-labeling import reads, one document a line.

``{"text", "label": [[start, end, "LABEL"], ...]}`` plus the document's metadata as further
keys (doccano keeps them as the example's meta). Document labels from ``meta["cats"]`` (the
ones at or above 0.5) are written as ``"cats"``; doccano's text-classification import
reads them with the column name set to ``cats``. Coreference, POS and tokens have no
doccano equivalent and are not written.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """Yield one JSON line per record."""
    entities = "entities" in set(options.layers)
    for record in records:
        yield json.dumps(line(record, entities=entities), ensure_ascii=False) + "\n"


def line(record: DocumentRecord, *, entities: bool = True) -> dict[str, Any]:
    meta = dict(record.meta)
    cats = record.cats or meta.pop("cats", None)
    meta.pop("cats", None)
    out: dict[str, Any] = {"text": record.text}
    out["label"] = [[span.start, span.end, span.label] for span in record.spans] if entities else []
    if isinstance(cats, dict) and cats:
        out["cats"] = [str(k) for k, v in cats.items() if isinstance(v, int | float) and v >= 0.5]
    for key, value in meta.items():
        out.setdefault(key, value)
    return out
