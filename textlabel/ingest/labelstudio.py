"""Label Studio: the JSON export (tasks), and the span lists of JSON_MIN / CSV / TSV rows.

A task is ``{"id", "data": {"text", ...}, "annotations": [{"result": [...], ...}],
"predictions": [...]}`` ("completions" before 1.0). One annotation per task becomes the
document's: the first not cancelled, else the first prediction; every other annotation's
results are counted as not imported. In a result list:

- ``labels``: ``value {start, end, text, labels}`` -> one span per label;
- ``choices``: document labels;
- ``relation``: ``{from_id, to_id, direction, labels}`` between two ``labels`` results, one
  relation per label (``"related"`` when it has none); ``direction: "left"`` swaps head and
  child;
- every other type: reported as not imported, by type.

Offsets come from the browser, so they count UTF-16 code units and are sometimes off by a
character or two; a span whose offsets do not cover its ``text`` is realigned to the
nearest occurrence of that text (and counted), never stored on the wrong characters.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from textlabel.ingest.checks import Invalid, checked_span, is_int, trimmed
from textlabel.records import Loss, RelationRecord, SpanRecord

_OTHERS = "results of the task's other annotations"
UNLABELLED_RELATION = "related"  # the label of a relation drawn without one


def is_task(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("data"), dict) and any(
        key in obj for key in ("annotations", "predictions", "completions", "id")
    )


def pick_annotation(obj: dict[str, Any], losses: list[Loss]) -> tuple[dict[str, Any] | None, str]:
    """The annotation (or prediction) to import and what it is; the others become losses."""
    annotations = [a for a in (obj.get("annotations") or obj.get("completions") or [])
                   if isinstance(a, dict)]  # fmt: skip
    predictions = [p for p in obj.get("predictions") or [] if isinstance(p, dict)]
    cancelled = [a for a in annotations if a.get("was_cancelled")]
    annotations = [a for a in annotations if not a.get("was_cancelled")]
    for a in cancelled:
        _count_unused(a, "results of cancelled annotations", "skipped", losses)
    if annotations:
        for a in annotations[1:]:
            _count_unused(a, _OTHERS, "one annotation per task is imported (the first)", losses)
        for p in predictions:
            reason = "the task's annotation was imported instead"
            _count_unused(p, "results of predictions", reason, losses)
        return annotations[0], "annotation"
    if predictions:
        for p in predictions[1:]:
            reason = "one prediction per task is imported (the first)"
            _count_unused(p, "results of other predictions", reason, losses)
        return predictions[0], "prediction"
    return None, ""


def _count_unused(annotation: dict[str, Any], name: str, reason: str, losses: list[Loss]) -> None:
    kinds: Counter[str] = Counter()
    for result in annotation.get("result") or []:
        if isinstance(result, dict):
            kinds[_kind(result)] += max(1, len(_value(result).get("labels") or []))
    losses.extend(Loss(kind, name, count, reason) for kind, count in sorted(kinds.items()))


def read_results(
    results: Any,
    text: str,
    *,
    losses: list[Loss],
    cats: dict[str, float],
    meta: dict[str, Any],
    relations: list[RelationRecord],
) -> list[SpanRecord]:
    """Spans of a result list; choices into ``cats``, relations into ``relations``, free text
    into ``meta``; the rest lost."""
    if not isinstance(results, list):
        raise Invalid(f"'result' must be a list, found {type(results).__name__}")
    spans: list[SpanRecord] = []
    unread: Counter[str] = Counter()
    regions: dict[Any, tuple[int, int]] = {}
    links: list[tuple[int, dict[str, Any]]] = []
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise Invalid(f"result {index} must be an object")
        value, kind = _value(result), result.get("type")
        if kind == "labels" or (kind is None and "labels" in value and "start" in value):
            score = result.get("score")
            score = float(score) if isinstance(score, int | float) else None
            found = value_spans(value, text, losses=losses, what=f"result {index}", score=score)
            spans += found
            if "id" in result:
                regions[result["id"]] = (found[0].start, found[0].end)
        elif kind == "relation" and "from_id" in result and "to_id" in result:
            links.append((index, result))
        elif kind == "choices" and isinstance(value.get("choices"), list):
            cats.update(dict.fromkeys((str(choice) for choice in value["choices"]), 1.0))
        elif kind == "textarea" and "text" in value:
            meta[str(result.get("from_name") or "textarea")] = value["text"]
            losses.append(Loss("texts", f'textarea "{result.get("from_name")}"', 1,
                               "kept in meta, not imported as an annotation"))  # fmt: skip
        else:
            unread[_kind(result)] += 1
    for kind, count in sorted(unread.items()):
        reason = "not imported: textlabel has no such layer"
        losses.append(Loss(kind, f"{kind.replace('_', ' ')} results", count, reason))
    for index, link in links:
        relations += _relations(index, link, regions)
    return spans


def _relations(
    index: int, result: dict[str, Any], regions: dict[Any, tuple[int, int]]
) -> list[RelationRecord]:
    head, child = regions.get(result["from_id"]), regions.get(result["to_id"])
    if head is None or child is None:
        raise Invalid(f"result {index} (relation) links a region that is no labels result")
    if result.get("direction") == "left":
        head, child = child, head
    labels = result.get("labels") or [UNLABELLED_RELATION]
    return [RelationRecord(head, child, str(label)) for label in labels]


def value_spans(
    value: dict[str, Any], text: str, *, losses: list[Loss], what: str, score: float | None = None
) -> list[SpanRecord]:
    """One span per label of ``{start, end, text, labels}`` (JSON export, JSON_MIN, CSV)."""
    start: Any = value.get("start")
    end: Any = value.get("end")
    labels = value.get("labels")
    if not (is_int(start) and is_int(end)):
        raise Invalid(f"{what} needs integer 'start' and 'end'")
    if not isinstance(labels, list) or not labels:
        raise Invalid(f"{what} has no labels")
    start, end = _locate(text, int(start), int(end), value.get("text"), losses)
    return [checked_span(start, end, label, text, None, score=score) for label in labels]


def span_lists(
    obj: dict[str, Any], text: str, *, used: set[str], losses: list[Loss]
) -> list[SpanRecord]:
    """JSON_MIN / CSV / TSV: every field holding ``[{start, end, labels}]`` (a JSON string in
    CSV) is a list of spans named after its control tag."""
    spans: list[SpanRecord] = []
    for key, raw in obj.items():
        if key in used:
            continue
        value = raw
        if isinstance(raw, str) and raw.startswith("[{"):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                continue
        if (
            isinstance(value, list)
            and value
            and all(
                isinstance(item, dict) and "labels" in item and "start" in item for item in value
            )
        ):
            used.add(key)
            for index, item in enumerate(value):
                spans += value_spans(item, text, losses=losses, what=f"{key!r} item {index}")
    return spans


def _locate(text: str, start: int, end: int, quoted: Any, losses: list[Loss]) -> tuple[int, int]:
    if not isinstance(quoted, str) or not quoted or text[start:end] == quoted:
        if 0 <= start < end <= len(text) and text[start:end].strip():
            start, end = trimmed(start, end, text)
        return start, end
    for first, last in _utf16_to_points(text, start, end), *_nearby(text, quoted, start):
        if text[first:last] == quoted:
            losses.append(Loss("spans", "spans whose offsets missed the text they quote", 1,
                               "moved onto that text and stored", kept=True))  # fmt: skip
            return trimmed(first, last, text)
    raise Invalid(f"span [{start}, {end}) quotes {quoted!r}, which the text does not hold there")


def _utf16_to_points(text: str, start: int, end: int) -> tuple[int, int]:
    """Browser offsets count astral characters (emoji) twice."""
    units, points = 0, {}
    for index, char in enumerate(text):
        points[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    points[units] = len(text)
    return points.get(start, start), points.get(end, end)


def _nearby(text: str, quoted: str, start: int) -> list[tuple[int, int]]:
    window = max(10, len(quoted))
    found = []
    position = text.find(quoted, max(0, start - window))
    while position != -1 and position <= start + window:
        found.append((position, position + len(quoted)))
        position = text.find(quoted, position + 1)
    return sorted(found, key=lambda pair: abs(pair[0] - start))


def _value(result: dict[str, Any]) -> dict[str, Any]:
    value = result.get("value")
    return value if isinstance(value, dict) else {}


def _kind(result: dict[str, Any]) -> str:
    kind = str(result.get("type") or "unknown")
    return {"labels": "spans", "choices": "document_labels", "relation": "relations"}.get(
        kind, kind
    )
