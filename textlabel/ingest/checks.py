"""Checks shared by the JSON dialect readers: offsets, labels and token boundaries.

A problem with one object raises ``Invalid``; ``annotated.record_from_object`` turns it into
a ``Rejected`` naming the object's place, so one bad task never hides in a good file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textlabel.records import SpanRecord, TokenColumns, TokenRecord

Bounds = tuple[frozenset[int], frozenset[int]]
"""Token start offsets and token end offsets, for boundary checks."""


class Invalid(Exception):
    """An object that cannot become a record; turned into a ``Rejected`` at the edge."""


def boundaries(tokens: Sequence[TokenRecord] | None) -> Bounds | None:
    if tokens is None:
        return None
    if isinstance(tokens, TokenColumns):
        return frozenset(tokens.starts), frozenset(tokens.ends)
    return frozenset(token.start for token in tokens), frozenset(token.end for token in tokens)


def checked_span(
    start: int,
    end: int,
    label: Any,
    text: str,
    bounds: Bounds | None,
    *,
    score: float | None = None,
) -> SpanRecord:
    if not isinstance(label, str) or not label:
        raise Invalid(f"span [{start}, {end}) has no label")
    check_range(start, end, text, bounds, what=f"span [{start}, {end}) {label}")
    return SpanRecord(start, end, label, score)


def check_range(start: int, end: int, text: str, bounds: Bounds | None, *, what: str) -> None:
    if not 0 <= start < end <= len(text):
        raise Invalid(f"{what} is outside the text (length {len(text)})")
    if bounds is not None and (start not in bounds[0] or end not in bounds[1]):
        raise Invalid(f"{what} {text[start:end]!r} is not on token boundaries")


def trimmed(start: int, end: int, text: str) -> tuple[int, int]:
    """``[start, end)`` without surrounding whitespace (tools that select by mouse keep it)."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def offsets(obj: dict[str, Any], start_key: str, end_key: str, *, what: str) -> tuple[int, int]:
    start, end = obj.get(start_key), obj.get(end_key)
    if not (is_int(start) and is_int(end)):
        raise Invalid(f"{what} needs integer {start_key!r} and {end_key!r}")
    return int(start), int(end)  # type: ignore[arg-type]


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def unique(spans: list[SpanRecord]) -> list[SpanRecord]:
    """Drop exact duplicates (same offsets and label): they carry no information."""
    seen: set[tuple[int, int, str]] = set()
    out = []
    for span in spans:
        key = (span.start, span.end, span.label)
        if key not in seen:
            seen.add(key)
            out.append(span)
    return out


def json_type_name(value: Any) -> str:
    """How a JSON value is called in messages: "an array", "a string", "null"..."""
    if value is None:
        return "null"
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "an array", dict: "an object"}
    return names.get(type(value), type(value).__name__)
