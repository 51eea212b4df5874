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

from textlabel.records import MentionRecord, SpanRecord

Chain = tuple[MentionRecord, ...]


@dataclass(frozen=True, slots=True)
class Payload:
    """Entity spans, per-token POS (None = the prediction, unchanged) and coreference chains."""

    spans: tuple[SpanRecord, ...] | None = None
    pos: tuple[str | None, ...] | None = None
    coref: tuple[Chain, ...] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Payload:
        """From the API's shape (already checked by its schema); absent or null keys stay None."""
        spans, pos, coref = data.get("spans"), data.get("pos"), data.get("coref")
        return cls(
            spans=None
            if spans is None
            else tuple(SpanRecord(s["start"], s["end"], s["label"], s.get("score")) for s in spans),
            pos=None if pos is None else tuple(pos),
            coref=None
            if coref is None
            else tuple(tuple(MentionRecord(m["start"], m["end"]) for m in c) for c in coref),
        )

    def to_json(self, *, scores: bool = True) -> dict[str, Any]:
        """The API's shape: ``{spans: [{start, end, label, score}], pos, coref: [[mention]]}``
        (``scores=False`` leaves the span scores out, for payloads no model made)."""
        spans = [{"start": s.start, "end": s.end, "label": s.label} for s in self.spans or ()]
        if scores:
            for out, span in zip(spans, self.spans or (), strict=True):
                out["score"] = span.score
        return {
            "spans": spans,
            "pos": None if self.pos is None else list(self.pos),
            "coref": [[_mention(m) for m in c] for c in self.coref or ()],
        }

    def keeping(self, stored: Payload) -> Payload:
        """This payload, with each layer it leaves out taken from ``stored``."""
        return replace(
            self,
            spans=stored.spans if self.spans is None else self.spans,
            pos=stored.pos if self.pos is None else self.pos,
            coref=stored.coref if self.coref is None else self.coref,
        )

    def offsets(self) -> Iterator[tuple[int, int]]:
        """``(start, end)`` of every span and mention, for boundary checks."""
        for span in self.spans or ():
            yield span.start, span.end
        for chain in self.coref or ():
            for mention in chain:
                yield mention.start, mention.end


def _mention(mention: MentionRecord) -> dict[str, Any]:
    """A mention; the model's carry their chain's confidence, a person's have no score."""
    if mention.score is None:
        return {"start": mention.start, "end": mention.end}
    return {"start": mention.start, "end": mention.end, "score": mention.score}


EMPTY = Payload(spans=(), pos=None, coref=())
