"""Checks of the relation, document-label and span-category layers of a person's save.

Pure functions over a project's ``Rules`` (its layers and the labels of each), shared by
manual and gold saves. A relation links two entities of the same annotation: its ends must
be entities after snapping, its label must allow their labels, and a symmetric relation is
stored with its earlier entity as head, so that (A, B) and (B, A) are one relation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from textlabel.annotate.payload import Cats
from textlabel.errors import InvalidInput
from textlabel.records import RelationRecord, SpanRecord
from textlabel.tokens import Tokens

CHOSEN = 0.5  # a document label with at least this value applies


@dataclass(frozen=True, slots=True)
class RelationRule:
    """A relation label: which entity labels its head and child may carry (None: any), and
    whether it is directed."""

    name: str
    heads: frozenset[str] | None = None
    children: frozenset[str] | None = None
    directed: bool = True

    def allows(self, head: str, child: str) -> bool:
        fits = (self.heads is None or head in self.heads) and (
            self.children is None or child in self.children
        )
        if fits or self.directed:
            return fits
        return (self.heads is None or child in self.heads) and (
            self.children is None or head in self.children
        )


@dataclass(frozen=True, slots=True)
class Rules:
    """What a project allows in an annotation: its layers and each layer's labels."""

    layers: frozenset[str]
    labels: frozenset[str]  # entity labels
    relations: Mapping[str, RelationRule] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    cats_mode: str = "multi"
    span_labels: frozenset[str] = frozenset()
    span_overlap: str = "any"


def chosen(cats: Iterable[tuple[str, float]]) -> list[str]:
    """The labels that apply (value at least ``CHOSEN``), sorted."""
    return sorted(label for label, value in cats if value >= CHOSEN)


def _where(layer: str, index: int, item: dict[str, Any]) -> dict[str, Any]:
    return {"layer": layer, "index": index, layer.rstrip("s"): item}


def _relation_sent(relation: RelationRecord) -> dict[str, Any]:
    return {
        "head": {"start": relation.head[0], "end": relation.head[1]},
        "child": {"start": relation.child[0], "end": relation.child[1]},
        "label": relation.label,
    }


def check_relations(
    tokens: Tokens,
    relations: Iterable[RelationRecord],
    entities: Sequence[SpanRecord],
    rules: Rules,
) -> list[RelationRecord]:
    """Snap each relation's ends and check them against ``entities`` (already snapped) and
    the relation labels; duplicates are merged. Returns them sorted by head, child, label.

    Raises InvalidInput (422) naming the relation (its index as sent) when an end is not an
    entity, the label is unknown or does not allow the ends' labels, or both ends are one
    entity.
    """
    label_at = {(span.start, span.end): span.label for span in entities}
    out: dict[tuple[tuple[int, int], tuple[int, int], str], RelationRecord] = {}
    for i, relation in enumerate(relations):
        details = _where("relations", i, _relation_sent(relation))
        rule = rules.relations.get(relation.label)
        if rule is None:
            raise InvalidInput(
                f"relation {i}: unknown relation label {relation.label!r}",
                details={**details, "known_labels": sorted(rules.relations)},
            )
        ends = []
        for side, (start, end) in (("head", relation.head), ("child", relation.child)):
            at = tokens.snap(start, end, details=partial(dict, details))
            if (at.start, at.end) not in label_at:
                raise InvalidInput(
                    f"relation {i}: its {side} [{start}, {end}) is not an entity of this "
                    "annotation",
                    details={**details, "end": side},
                )
            ends.append((at.start, at.end))
        head, child = ends
        if head == child:
            raise InvalidInput(f"relation {i} links an entity to itself", details=details)
        if not rule.allows(label_at[head], label_at[child]):
            raise InvalidInput(
                f"relation {i}: {relation.label} does not link {label_at[head]} to "
                f"{label_at[child]} (heads: {_listing(rule.heads)}; children: "
                f"{_listing(rule.children)})",
                details={**details, "heads": _names(rule.heads), "children": _names(rule.children)},
            )
        if not rule.directed and child < head:
            head, child = child, head
        out.setdefault((head, child, relation.label), RelationRecord(head, child, relation.label))
    return [out[key] for key in sorted(out)]


def _listing(names: frozenset[str] | None) -> str:
    return "any" if names is None else ", ".join(sorted(names))


def _names(names: frozenset[str] | None) -> list[str] | None:
    return None if names is None else sorted(names)


def prune_relations(
    relations: Iterable[RelationRecord], entities: Iterable[SpanRecord]
) -> tuple[tuple[RelationRecord, ...], tuple[RelationRecord, ...]]:
    """(kept, dropped): relations whose ends are still among ``entities``, and the others."""
    present = {(span.start, span.end) for span in entities}
    kept: list[RelationRecord] = []
    dropped: list[RelationRecord] = []
    for relation in relations:
        ok = relation.head in present and relation.child in present
        (kept if ok else dropped).append(relation)
    return tuple(kept), tuple(dropped)


def check_cats(cats: Cats, rules: Rules) -> Cats:
    """Document labels: known categories, values between 0 and 1, and in single-choice
    projects at most one that applies."""
    known = set(rules.categories)
    for label, value in cats:
        if label not in known:
            raise InvalidInput(
                f"unknown document label {label!r}",
                details={"layer": "cats", "label": label, "known_labels": list(rules.categories)},
            )
        if not 0.0 <= value <= 1.0:
            raise InvalidInput(
                f"document label {label!r}: value {value} is not between 0 and 1",
                details={"layer": "cats", "label": label, "value": value},
            )
    applying = chosen(cats)
    if rules.cats_mode == "single" and len(applying) > 1:
        raise InvalidInput(
            f"this project takes one document label, not {len(applying)}: {', '.join(applying)}",
            details={"layer": "cats", "labels": applying},
        )
    return cats


def snap_span_cats(tokens: Tokens, spans: Iterable[SpanRecord], rules: Rules) -> list[SpanRecord]:
    """Snap span categories and check their labels; identical spans are merged. Overlap and
    nesting are allowed unless the project's ``span_overlap`` is "none". Sorted by position."""
    out: dict[tuple[int, int, str], tuple[SpanRecord, int, SpanRecord]] = {}
    for i, span in enumerate(spans):
        sent = {"start": span.start, "end": span.end, "label": span.label}
        details = _where("span_cats", i, sent)
        if span.label not in rules.span_labels:
            raise InvalidInput(
                f"span category {i} [{span.start}, {span.end}): unknown label {span.label!r}",
                details={**details, "known_labels": sorted(rules.span_labels)},
            )
        at = tokens.snap(span.start, span.end, details=partial(dict, details))
        snapped = SpanRecord(at.start, at.end, span.label)
        out.setdefault((at.start, at.end, span.label), (snapped, i, span))
    ordered = [out[key] for key in sorted(out, key=lambda k: (k[0], -k[1], k[2]))]
    if rules.span_overlap == "none":
        by_start = sorted(ordered, key=lambda item: (item[0].start, item[0].end))
        for before, after in zip(by_start, by_start[1:], strict=False):
            if after[0].start < before[0].end:
                a, b = after[0], before[0]
                raise InvalidInput(
                    f"span category {after[1]} [{a.start}, {a.end}) {a.label} overlaps span "
                    f"category {before[1]} [{b.start}, {b.end}) {b.label}, and this project "
                    "keeps them apart",
                    details={
                        **_where("span_cats", after[1], {"start": a.start, "end": a.end,
                                                         "label": a.label}),
                        "overlaps": {"start": b.start, "end": b.end, "label": b.label},
                    },
                )  # fmt: skip
    return [item[0] for item in ordered]
