"""doccano's shapes of one JSON object, every version's.

- sequence labeling: ``"label": [[start, end, "LABEL"], ...]`` (1.5+) or ``"labels"``
  (1.0-1.4 exports); ``"entities": [{"start_offset", "end_offset", "label"}]`` with
  ``"relations"`` (relation extraction, 1.5+);
- doccano 1.0: ``"annotations": [{"label", "start_offset", "end_offset", "user"}]``, where a
  label may be the label's numeric id; several users' annotations in one list;
- text classification: ``"label": ["positive"]`` / ``"labels"``: kept as document labels in
  ``meta["cats"]`` (reported) until textlabel has a document-label layer.

Offsets are character offsets; surrounding whitespace is trimmed off a span.
"""

from __future__ import annotations

from typing import Any

from textlabel.ingest.checks import Bounds, Invalid, checked_span, is_int, offsets, trimmed
from textlabel.records import Loss, SpanRecord

CATS_REASON = 'kept in meta "cats", not imported: textlabel has no document-label layer yet'


def read(
    obj: dict[str, Any],
    text: str,
    bounds: Bounds | None,
    *,
    used: set[str],
    losses: list[Loss],
    cats: dict[str, float],
) -> list[SpanRecord]:
    """The spans of every doccano field ``obj`` holds; categories go to ``cats``."""
    spans: list[SpanRecord] = []
    for key in ("label", "labels"):
        raw: Any = obj.get(key)
        if is_triples(raw):
            used.add(key)
            spans += [_span(s, e, label, text, bounds, f"{key} {[s, e, label]!r}")
                      for s, e, label in raw]  # fmt: skip
        elif is_categories(raw):
            used.add(key)
            add_categories(cats, raw, f'"{key}"', losses)
    if is_categories(obj.get("cats")):  # what textlabel's doccano export writes
        used.add("cats")
        add_categories(cats, obj["cats"], '"cats"', losses)
    raw = obj.get("entities") or []
    if _is_offset_objects(raw):
        used.add("entities")
        for index, entity in enumerate(raw):
            start, end = offsets(entity, "start_offset", "end_offset", what=f"entity {index}")
            spans.append(_span(start, end, entity.get("label"), text, bounds, f"entity {index}"))
    raw = obj.get("annotations") or []
    if _is_offset_objects(raw):
        used.add("annotations")
        spans += _annotations_v1(raw, text, bounds, losses)
    return spans


def is_triples(raw: Any) -> bool:
    return isinstance(raw, list) and all(isinstance(item, list) and len(item) == 3 for item in raw)


def is_categories(raw: Any) -> bool:
    return isinstance(raw, list) and bool(raw) and all(isinstance(item, str) for item in raw)


def add_categories(
    cats: dict[str, float], names: list[str], field: str, losses: list[Loss]
) -> None:
    for name in names:
        cats[name] = 1.0
    losses.append(Loss("document_labels", field, len(names), CATS_REASON))


def _is_offset_objects(raw: Any) -> bool:
    return (
        isinstance(raw, list)
        and bool(raw)
        and all(isinstance(item, dict) and "start_offset" in item for item in raw)
    )


def _annotations_v1(
    raw: list[dict[str, Any]], text: str, bounds: Bounds | None, losses: list[Loss]
) -> list[SpanRecord]:
    """doccano 1.0 lists every user's spans together: keep the first user's, report the rest."""
    users = list(dict.fromkeys(item.get("user") for item in raw))
    spans, others = [], 0
    for index, item in enumerate(raw):
        if item.get("user") != users[0]:
            others += 1
            continue
        start, end = offsets(item, "start_offset", "end_offset", what=f"annotation {index}")
        label = item.get("label")
        label = str(label) if is_int(label) else label  # 1.0 exports label ids
        spans.append(_span(start, end, label, text, bounds, f"annotation {index}"))
    if others:
        losses.append(
            Loss(
                "spans",
                f'"annotations" of {len(users) - 1} other user(s)',
                others,
                f"one annotation per document is imported (user {users[0]}'s)",
            )
        )
    return spans


def _span(
    start: Any, end: Any, label: Any, text: str, bounds: Bounds | None, what: str
) -> SpanRecord:
    if not (is_int(start) and is_int(end)):
        raise Invalid(f"{what} needs integer offsets")
    if 0 <= start < end <= len(text):
        start, end = trimmed(start, end, text)
        if start == end:
            raise Invalid(f"{what} covers only whitespace")
    return checked_span(start, end, label, text, bounds)
