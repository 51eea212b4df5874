"""The relations and span categories of textlabel's own JSONL (and Prodigy's relations).

Relations link entities of the same record by their offsets; span categories may overlap
and nest, so each is checked on its own against the text and the tokens.
"""

from __future__ import annotations

from typing import Any

from textlabel.ingest.checks import Bounds, Invalid, checked_span, json_type_name, offsets
from textlabel.records import RelationRecord, SpanRecord


def is_relation_list(raw: Any) -> bool:
    """A non-empty list of ``{head, child, label}`` objects (else ``leftovers`` names it)."""
    return (
        isinstance(raw, list)
        and bool(raw)
        and all(
            isinstance(item, dict) and "label" in item and ("head" in item or "head_span" in item)
            for item in raw
        )
    )


def native_relations(raw: list[Any], spans: list[SpanRecord]) -> list[RelationRecord]:
    """textlabel's ``{head: {start, end}, child: {start, end}, label}`` or Prodigy's
    ``{head, child, head_span, child_span, label}``; both ends must be entities."""
    entities = {(span.start, span.end) for span in spans}
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise Invalid(f"relation {index} must be an object, found {json_type_name(item)}")
        label = item.get("label")
        if not isinstance(label, str) or not label:
            raise Invalid(f"relation {index} has no label")
        ends = []
        for side in ("head", "child"):
            end = item.get(side)
            if not isinstance(end, dict):
                end = item.get(f"{side}_span")
            if not isinstance(end, dict):
                raise Invalid(f"relation {index}: {side} must be {{start, end}} (or {side}_span)")
            start, stop = offsets(end, "start", "end", what=f"relation {index} {side}")
            if (start, stop) not in entities:
                raise Invalid(f"relation {index}: its {side} [{start}, {stop}) is not an entity")
            ends.append((start, stop))
        out.append(RelationRecord(ends[0], ends[1], label))
    return out


def span_cats(raw: Any, text: str, bounds: Bounds | None) -> list[SpanRecord]:
    """Span categories may overlap and nest, so each is checked on its own."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(f"'span_cats' must be a list, found {json_type_name(raw)}")
    out = []
    for index, span in enumerate(raw):
        if not isinstance(span, dict):
            raise Invalid(f"span_cats {index} must be an object, found {json_type_name(span)}")
        start, end = offsets(span, "start", "end", what=f"span_cats {index}")
        out.append(checked_span(start, end, span.get("label"), text, bounds))
    return list(dict.fromkeys(out))
