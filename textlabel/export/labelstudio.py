"""Label Studio JSON: a task list that Label Studio imports with its annotations.

One task per record: ``data`` holds the text and the document's metadata, ``annotations``
one annotation whose ``result`` has a ``labels`` region per entity (``from_name`` "label",
``to_name`` "text", the labeling config Label Studio's NER template uses) and, when the
document has labels (``cats``, or ``meta["cats"]`` of older imports), a ``choices`` result,
and a ``relation`` result per relation between two of its regions. Offsets are written as
Label Studio's browser counts them (UTF-16 code units). Coreference, POS and tokens have no
Label Studio equivalent and are not written (README says so).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """A JSON array, streamed one task at a time."""
    yield "["
    for number, record in enumerate(records):
        yield ("\n" if number == 0 else ",\n") + json.dumps(
            task(record, layers=options.layers), ensure_ascii=False
        )
    yield "\n]\n"


def task(record: DocumentRecord, *, layers: Iterable[str]) -> dict[str, Any]:
    meta = dict(record.meta)
    document_id = meta.pop("id", None)
    cats = meta.pop("cats", None)
    cats = record.cats if "cats" in layers and record.cats else cats
    units = _utf16_offsets(record.text)
    result: list[dict[str, Any]] = []
    if "entities" in set(layers):
        for index, span in enumerate(record.spans):
            result.append({
                "id": f"t{document_id}-{index}",
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": units(span.start),
                    "end": units(span.end),
                    "text": record.text[span.start : span.end],
                    "labels": [span.label],
                },
            })  # fmt: skip
    region = {(span.start, span.end): f"t{document_id}-{index}"
              for index, span in enumerate(record.spans)}  # fmt: skip
    if "entities" in set(layers) and "relations" in set(layers):
        for relation in record.relations:
            result.append({"from_id": region[relation.head], "to_id": region[relation.child],
                           "type": "relation", "direction": "right",
                           "labels": [relation.label]})  # fmt: skip
    if isinstance(cats, dict) and cats:
        chosen = [str(name) for name, value in cats.items() if isinstance(value, int | float)
                  and value >= 0.5]  # fmt: skip
        result.append({"from_name": "choices", "to_name": "text", "type": "choices",
                       "value": {"choices": chosen}})  # fmt: skip
    annotation: dict[str, Any] = {"result": result, "was_cancelled": False}
    if record.annotator:
        annotation["completed_by"] = {"email": record.annotator}
    out: dict[str, Any] = {"data": {"text": record.text, **meta}, "annotations": [annotation]}
    if document_id is not None:
        out["id"] = document_id
    return out


def _utf16_offsets(text: str) -> Any:
    """Code point offset -> UTF-16 offset (the identity for text without astral characters)."""
    astral = [index for index, char in enumerate(text) if ord(char) > 0xFFFF]
    if not astral:
        return lambda offset: offset

    def units(offset: int) -> int:
        return offset + sum(1 for index in astral if index < offset)

    return units
