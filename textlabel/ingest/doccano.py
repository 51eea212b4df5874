"""doccano's shapes of one JSON object, every version's.

- sequence labeling: ``"label": [[start, end, "LABEL"], ...]`` (1.5+) or ``"labels"``
  (1.0-1.4 exports); ``"entities": [{"start_offset", "end_offset", "label"}]`` with
  ``"relations": [{"from_id", "to_id", "type"}]`` between those entities' ``id`` (relation
  extraction, 1.5+);
- doccano 1.0: ``"annotations": [{"label", "start_offset", "end_offset", "user"}]``, where a
  label may be the label's numeric id; several users' annotations in one list;
- text classification: ``"label": ["positive"]`` / ``"labels"`` (and ``"cats"``, as
  textlabel's doccano export writes them): document labels.

Offsets are character offsets; surrounding whitespace is trimmed off a span.
"""

from __future__ import annotations

from typing import Any

from textlabel.ingest.checks import Bounds, Invalid, checked_span, is_int, offsets, trimmed
from textlabel.records import Loss, RelationRecord, SpanRecord


def read(
    obj: dict[str, Any],
    text: str,
    bounds: Bounds | None,
    *,
    used: set[str],
    losses: list[Loss],
    cats: dict[str, float],
    relations: list[RelationRecord],
) -> list[SpanRecord]:
    """The spans of every doccano field ``obj`` holds; categories go to ``cats``, relations
    between ``entities`` to ``relations``."""
    spans: list[SpanRecord] = []
    for key in ("label", "labels"):
        raw: Any = obj.get(key)
        if is_triples(raw):
            used.add(key)
            spans += [_span(s, e, label, text, bounds, f"{key} {[s, e, label]!r}")
                      for s, e, label in raw]  # fmt: skip
        elif is_categories(raw):
            used.add(key)
            add_categories(cats, raw)
    if is_categories(obj.get("cats")):  # what textlabel's doccano export writes
        used.add("cats")
        add_categories(cats, obj["cats"])
    raw = obj.get("entities") or []
    if _is_offset_objects(raw):
        used.add("entities")
        by_id: dict[Any, SpanRecord] = {}
        for index, entity in enumerate(raw):
            start, end = offsets(entity, "start_offset", "end_offset", what=f"entity {index}")
            spans.append(_span(start, end, entity.get("label"), text, bounds, f"entity {index}"))
            by_id[entity.get("id", index)] = spans[-1]
        if _is_relation_list(obj.get("relations")):
            used.add("relations")
            relations += _relations(obj["relations"], by_id)
    raw = obj.get("annotations") or []
    if _is_offset_objects(raw):
        used.add("annotations")
        spans += _annotations_v1(raw, text, bounds, losses)
    return spans


def is_triples(raw: Any) -> bool:
    return isinstance(raw, list) and all(isinstance(item, list) and len(item) == 3 for item in raw)


def is_categories(raw: Any) -> bool:
    return isinstance(raw, list) and bool(raw) and all(isinstance(item, str) for item in raw)


def add_categories(cats: dict[str, float], names: list[str]) -> None:
    for name in names:
        cats[name] = 1.0


def _is_relation_list(raw: Any) -> bool:
    return isinstance(raw, list) and all(
        isinstance(item, dict) and "from_id" in item and "to_id" in item for item in raw
    )


def _relations(raw: list[dict[str, Any]], by_id: dict[Any, SpanRecord]) -> list[RelationRecord]:
    """doccano relations name their entities by id; the type is the label."""
    out = []
    for index, item in enumerate(raw):
        head, child = by_id.get(item["from_id"]), by_id.get(item["to_id"])
        label = item.get("type") or item.get("label")
        if head is None or child is None:
            raise Invalid(f"relation {index} names an entity id the document lacks")
        if not isinstance(label, str) or not label:
            raise Invalid(f"relation {index} has no type")
        out.append(RelationRecord((head.start, head.end), (child.start, child.end), label))
    return out


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
