"""Span arithmetic over character offsets: snapping to token boundaries, overlap and label
checks, coreference chains and POS tags. Pure functions, shared by manual and gold saves.

Character offsets ``[start, end)`` are canonical; token indexes exist so that a sloppy mouse
selection becomes exactly the tokens it touches.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from textlabel.errors import InvalidInput

UNIVERSAL_POS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tokens:
    """Token boundaries of one document, as parallel sorted lists of start and end chars."""

    starts: list[int]
    ends: list[int]
    text_length: int

    @classmethod
    def from_offsets(cls, offsets: Sequence[int], *, text_length: int) -> Tokens:
        """From the stored flat ``[s0, e0, s1, e1, ...]`` list."""
        return cls(list(offsets[0::2]), list(offsets[1::2]), text_length)

    def __len__(self) -> int:
        return len(self.starts)


@dataclass(frozen=True, slots=True)
class SnappedSpan:
    """A span on token boundaries: chars ``[start, end)``, tokens ``[start_token, end_token)``."""

    start: int
    end: int
    start_token: int
    end_token: int
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "label": self.label}


def _where(span: dict[str, Any], index: int, layer: str) -> dict[str, Any]:
    return {"layer": layer, "index": index, "span": span}


def snap(
    tokens: Tokens, start: int, end: int, *, label: str | None = None, where: Any = None
) -> SnappedSpan:
    """Widen ``[start, end)`` to the tokens it touches; refuse spans outside the text, empty
    spans and spans covering only whitespace. ``where`` goes into the error details."""
    described = {"start": start, "end": end, "label": label}
    details = where if where is not None else {"span": described}
    if start < 0 or end > tokens.text_length:
        raise InvalidInput(
            f"span [{start}, {end}) lies outside the text (0-{tokens.text_length})",
            details=details,
        )
    if start >= end:
        raise InvalidInput(f"span [{start}, {end}) is empty or reversed", details=details)
    first = bisect_right(tokens.ends, start)  # first token ending after start
    last = bisect_left(tokens.starts, end) - 1  # last token starting before end
    if first > last:
        raise InvalidInput(f"span [{start}, {end}) covers no token", details=details)
    return SnappedSpan(tokens.starts[first], tokens.ends[last], first, last + 1, label)


def snap_entities(
    tokens: Tokens, spans: Iterable[dict[str, Any]], *, labels: Iterable[str]
) -> list[SnappedSpan]:
    """Snap entity spans, check their labels, and refuse any two that overlap.

    Returns them sorted by position. Details of an error name the offending span (as sent,
    with its index in the request) and, for overlaps, the span it collides with.
    """
    known = set(labels)
    snapped: list[tuple[SnappedSpan, int, dict[str, Any]]] = []
    for i, span in enumerate(spans):
        where = _where(span, i, "entities")
        if span.get("label") not in known:
            raise InvalidInput(
                f"entity {i} [{span['start']}, {span['end']}): unknown label {span.get('label')!r}",
                details={**where, "known_labels": sorted(known)},
            )
        snapped.append(
            (snap(tokens, span["start"], span["end"], label=span["label"], where=where), i, span)
        )
    snapped.sort(key=lambda item: (item[0].start_token, item[0].end_token))
    for (before, i, sent_before), (after, j, sent_after) in zip(snapped, snapped[1:], strict=False):
        if after.start_token < before.end_token:
            raise InvalidInput(
                f"entity {j} [{after.start}, {after.end}) {after.label} overlaps entity {i} "
                f"[{before.start}, {before.end}) {before.label}",
                details={**_where(sent_after, j, "entities"), "overlaps": sent_before},
            )
    return [item[0] for item in snapped]


def snap_chains(
    tokens: Tokens, chains: Iterable[Iterable[dict[str, Any]]]
) -> list[list[SnappedSpan]]:
    """Snap coreference mentions; empty chains are dropped, and a mention may belong to only
    one chain (nested mentions are fine: "[his [mother]]")."""
    result: list[list[SnappedSpan]] = []
    seen: dict[tuple[int, int], int] = {}
    for c, chain in enumerate(chains):
        snapped_chain: list[SnappedSpan] = []
        for m, mention in enumerate(chain):
            where = {"layer": "coref", "chain": c, "index": m, "span": mention}
            span = snap(tokens, mention["start"], mention["end"], where=where)
            key = (span.start_token, span.end_token)
            if key in seen:
                raise InvalidInput(
                    f"mention [{span.start}, {span.end}) appears twice (chains {seen[key]} "
                    f"and {c})",
                    details=where,
                )
            seen[key] = c
            snapped_chain.append(span)
        if snapped_chain:
            result.append(sorted(snapped_chain, key=lambda s: (s.start_token, s.end_token)))
    return result


def check_pos(tags: Sequence[str | None], *, n_tokens: int) -> list[str | None]:
    """POS tags aligned with the tokens: each a Universal POS tag, or None for unchanged."""
    if len(tags) != n_tokens:
        raise InvalidInput(
            f"pos has {len(tags)} tags but the document has {n_tokens} tokens",
            details={"layer": "pos", "expected": n_tokens, "got": len(tags)},
        )
    for i, tag in enumerate(tags):
        if tag is not None and tag not in UNIVERSAL_POS:
            raise InvalidInput(
                f"token {i}: {tag!r} is not a Universal POS tag",
                details={"layer": "pos", "index": i, "tag": tag, "known": list(UNIVERSAL_POS)},
            )
    return list(tags)
