"""Fields a reader did not understand but that look like annotations: reported by name.

A JSON object's unknown keys go to ``meta`` (nothing is thrown away), but a key such as
``"relations"`` holding twelve items is annotation the project will not show, count or
export as such: the import says so (``"relations" (12 relations): kept in meta, not
imported: textlabel has no relation layer``) instead of succeeding silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textlabel.records import Loss

_BY_NAME = {
    "relations": "relations",
    "relation": "relations",
    "rels": "relations",
    "links": "relations",
    "events": "events",
    "attributes": "attributes",
    "attrs": "attributes",
    "normalizations": "normalizations",
    "notes": "notes",
    "comments": "notes",
    "cats": "document_labels",
    "categories": "document_labels",
    "choices": "document_labels",
}
_NO_LAYER = {
    "relations": "textlabel has no relation layer",
    "events": "textlabel has no event layer",
    "attributes": "textlabel has no attribute layer",
    "document_labels": "textlabel has no document-label layer yet",
}
_SPAN_KEYS = (("start", "end"), ("start_offset", "end_offset"), ("begin", "end"))
_TAG_NAMES = ("tags", "ner_tags", "pos_tags", "chunk_tags", "ner", "labels", "label", "entities")


def report(obj: dict[str, Any], used: Iterable[str], losses: list[Loss]) -> None:
    """Append a ``Loss`` for each key of ``obj`` not in ``used`` that holds annotations."""
    skip = set(used) | {"meta"}
    for key, value in obj.items():
        if key in skip:
            continue
        kind = annotation_kind(key, value)
        if kind is None:
            continue
        count = len(value) if isinstance(value, list | dict) else 1
        reason = "kept in meta, not imported"
        if kind in _NO_LAYER:
            reason += f": {_NO_LAYER[kind]}"
        else:
            reason += ": its shape is not one textlabel reads"
        losses.append(Loss(kind, f'"{key}"', count, reason))


def annotation_kind(key: str, value: Any) -> str | None:
    """The kind of annotation ``value`` holds, or None when it looks like plain metadata."""
    if value in (None, "", [], {}):
        return None
    name = key.lower().lstrip("_")
    if name in _BY_NAME:
        return _BY_NAME[name]
    objects = isinstance(value, list) and all(isinstance(item, dict) for item in value)
    if objects and any(all(k in item for k in pair) for item in value for pair in _SPAN_KEYS):
        return "spans"
    if name in _TAG_NAMES and isinstance(value, list):
        return "annotations"
    return None
