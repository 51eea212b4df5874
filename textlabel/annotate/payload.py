"""The annotation payload: what one annotation holds, layer by layer, as frozen values.

Every path that moves annotations (the API, the browser's saves, gold, ingest,
pre-annotation, export, agreement, review) speaks this one type; ``annotate.store`` turns it
into rows and back. A layer left ``None`` means "not given": a save keeps what is stored.
Adding a layer means a field here, its rows in the store and its JSON in ``to_json`` /
``from_json``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from textlabel.records import MentionRecord, RelationRecord, SpanRecord

Chain = tuple[MentionRecord, ...]
Cats = tuple[tuple[str, float], ...]  # (label, value), sorted by label


@dataclass(frozen=True, slots=True)
class Payload:
    """Entity spans, per-token POS (None = the prediction, unchanged), coreference chains,
    relations between entities, document labels and span categories (which may overlap)."""

    spans: tuple[SpanRecord, ...] | None = None
    pos: tuple[str | None, ...] | None = None
    coref: tuple[Chain, ...] | None = None
    relations: tuple[RelationRecord, ...] | None = None
    cats: Cats | None = None
    span_cats: tuple[SpanRecord, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payload:
        """From the API's shape (already checked by its schema); absent or null keys stay None."""
        spans, pos, coref = data.get("spans"), data.get("pos"), data.get("coref")
        relations, cats, span_cats = data.get("relations"), data.get("cats"), data.get("span_cats")
        return cls(
            spans=None if spans is None else _spans(spans),
            pos=None if pos is None else tuple(pos),
            coref=None
            if coref is None
            else tuple(tuple(MentionRecord(m["start"], m["end"]) for m in c) for c in coref),
            relations=None
            if relations is None
            else tuple(
                RelationRecord(
                    (r["head"]["start"], r["head"]["end"]),
                    (r["child"]["start"], r["child"]["end"]),
                    r["label"],
                    r.get("score"),
                )
                for r in relations
            ),
            cats=None if cats is None else cats_of(cats),
            span_cats=None if span_cats is None else _spans(span_cats),
        )

    def to_json(self, *, scores: bool = True) -> dict[str, Any]:
        """The API's shape: ``{spans: [{start, end, label, score}], pos, coref: [[mention]],
        relations: [{head: {start, end}, child: {start, end}, label}], cats: {label: value},
        span_cats: [{start, end, label, score}]}`` (``scores=False`` leaves the scores out,
        for payloads no model made)."""
        return {
            "spans": _spans_json(self.spans, scores),
            "pos": None if self.pos is None else list(self.pos),
            "coref": [[_mention(m) for m in c] for c in self.coref or ()],
            "relations": [relation_json(r, scores=scores) for r in self.relations or ()],
            "cats": dict(self.cats or ()),
            "span_cats": _spans_json(self.span_cats, scores),
        }

    def keeping(self, stored: Payload) -> Payload:
        """This payload, with each layer it leaves out taken from ``stored``."""
        return replace(
            self,
            spans=stored.spans if self.spans is None else self.spans,
            pos=stored.pos if self.pos is None else self.pos,
            coref=stored.coref if self.coref is None else self.coref,
            relations=stored.relations if self.relations is None else self.relations,
            cats=stored.cats if self.cats is None else self.cats,
            span_cats=stored.span_cats if self.span_cats is None else self.span_cats,
        )

    def offsets(self) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every span, mention, relation end and span category, for
        boundary checks."""
        for span in self.spans or ():
            yield span.start, span.end
        for chain in self.coref or ():
            for mention in chain:
                yield mention.start, mention.end
        for relation in self.relations or ():
            yield relation.head
            yield relation.child
        for span in self.span_cats or ():
            yield span.start, span.end


def cats_of(values: Mapping[str, float]) -> Cats:
    """Document labels as the payload keeps them: sorted ``(label, value)`` pairs."""
    return tuple(sorted((str(label), float(value)) for label, value in values.items()))


def relation_json(relation: RelationRecord, *, scores: bool = True) -> dict[str, Any]:
    """A relation in the API's shape."""
    out: dict[str, Any] = {
        "head": {"start": relation.head[0], "end": relation.head[1]},
        "child": {"start": relation.child[0], "end": relation.child[1]},
        "label": relation.label,
    }
    if scores and relation.score is not None:
        out["score"] = relation.score
    return out


def _spans(items: Any) -> tuple[SpanRecord, ...]:
    return tuple(SpanRecord(s["start"], s["end"], s["label"], s.get("score")) for s in items)


def _spans_json(spans: tuple[SpanRecord, ...] | None, scores: bool) -> list[dict[str, Any]]:
    if scores:
        return [
            {"start": s.start, "end": s.end, "label": s.label, "score": s.score}
            for s in spans or ()
        ]
    return [{"start": s.start, "end": s.end, "label": s.label} for s in spans or ()]


def _mention(mention: MentionRecord) -> dict[str, Any]:
    """A mention; the model's carry their chain's confidence, a person's have no score."""
    if mention.score is None:
        return {"start": mention.start, "end": mention.end}
    return {"start": mention.start, "end": mention.end, "score": mention.score}


EMPTY = Payload(spans=(), pos=None, coref=(), relations=(), cats=(), span_cats=())
