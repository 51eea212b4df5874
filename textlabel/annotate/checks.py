"""Checks of a person's save: snapping to token boundaries, labels, overlap, coreference chains
and POS tags. Pure functions, shared by manual and gold saves.

Character offsets ``[start, end)`` are canonical; token indexes exist so that a sloppy mouse
selection becomes exactly the tokens it touches.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import partial
from typing import Any

from textlabel.annotate.layer_checks import (
    Rules,
    check_cats,
    check_relations,
    snap_span_cats,
)
from textlabel.annotate.payload import Chain, Payload
from textlabel.errors import InvalidInput
from textlabel.records import MentionRecord, SpanRecord
from textlabel.tokens import Tokens

UNIVERSAL_POS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)  # fmt: skip


def _sent(span: SpanRecord | MentionRecord) -> dict[str, Any]:
    sent: dict[str, Any] = {"start": span.start, "end": span.end}
    if isinstance(span, SpanRecord):
        sent["label"] = span.label
    return sent


def _where(span: SpanRecord, index: int) -> dict[str, Any]:
    return {"layer": "entities", "index": index, "span": _sent(span)}


def _where_mention(mention: MentionRecord, chain: int, index: int) -> dict[str, Any]:
    return {"layer": "coref", "chain": chain, "index": index, "span": _sent(mention)}


def _quoted(text: str | None, start: int, end: int) -> str:
    """The words of a span as people read them ("Barack Obama"), or its offsets without text."""
    if text is None or not 0 <= start < end <= len(text):
        return f"[{start}, {end})"
    words = " ".join(text[start:end].split())
    return repr(words if len(words) <= 60 else words[:57] + "...")


def snap_entities(
    tokens: Tokens,
    spans: Iterable[SpanRecord],
    *,
    labels: Iterable[str],
    text: str | None = None,
) -> list[SpanRecord]:
    """Snap entity spans, check their labels, and refuse any two that overlap.

    Returns them sorted by position. Messages quote the words of the offending span (from
    ``text``: people read words, not offsets); details name it as sent, with its index in the
    request, and for overlaps the span it collides with.
    """
    known = set(labels)
    snapped: list[tuple[int, int, SpanRecord, int, SpanRecord]] = []  # first, last, out, i, sent
    for i, span in enumerate(spans):
        if span.label not in known:
            raise InvalidInput(
                f"entity {_quoted(text, span.start, span.end)}: unknown label {span.label!r} "
                f"(the project's labels: {', '.join(sorted(known)) or 'none'})",
                details={**_where(span, i), "known_labels": sorted(known)},
            )
        at = tokens.snap(span.start, span.end, details=partial(_where, span, i))
        snapped.append((at.first, at.last, SpanRecord(at.start, at.end, span.label), i, span))
    snapped.sort(key=lambda item: (item[0], item[1]))
    for before, after in zip(snapped, snapped[1:], strict=False):
        if after[0] < before[1]:
            a, b = after[2], before[2]
            raise InvalidInput(
                f"entity {_quoted(text, a.start, a.end)} ({a.label}) overlaps entity "
                f"{_quoted(text, b.start, b.end)} ({b.label})",
                details={**_where(after[4], after[3]), "overlaps": _sent(before[4])},
            )
    return [item[2] for item in snapped]


def snap_chains(tokens: Tokens, chains: Iterable[Iterable[MentionRecord]]) -> list[Chain]:
    """Snap coreference mentions; empty chains are dropped, and a mention may belong to only
    one chain (nested mentions are fine: "[his [mother]]")."""
    result: list[Chain] = []
    seen: dict[tuple[int, int], int] = {}
    for c, chain in enumerate(chains):
        snapped: list[tuple[int, int, MentionRecord]] = []
        for m, mention in enumerate(chain):
            where = partial(_where_mention, mention, c, m)
            at = tokens.snap(mention.start, mention.end, details=where)
            key = (at.first, at.last)
            if key in seen:
                raise InvalidInput(
                    f"mention [{at.start}, {at.end}) appears twice (chains {seen[key]} and {c})",
                    details=where(),
                )
            seen[key] = c
            snapped.append((at.first, at.last, MentionRecord(at.start, at.end)))
        if snapped:
            result.append(tuple(item[2] for item in sorted(snapped, key=lambda s: s[:2])))
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


def check_payload(
    payload: Payload,
    tokens: Tokens,
    rules: Rules,
    *,
    stored: Payload | None = None,
    text: str | None = None,
) -> Payload:
    """``payload`` snapped and checked against the document's tokens and the project's layers
    and labels; refuses a layer the project has switched off.

    Relations are checked against the entities of the payload, or of ``stored`` (what the
    annotation holds) when the payload leaves entities out.
    """
    on = rules.layers
    spans = coref = pos = relations = cats = span_cats = None
    if payload.spans is not None:
        _require(on, "entities", bool(payload.spans), "entity")
        spans = tuple(snap_entities(tokens, payload.spans, labels=rules.labels, text=text))
    if payload.coref is not None:
        _require(on, "coref", bool(payload.coref), "coreference")
        coref = tuple(snap_chains(tokens, payload.coref))
    if payload.pos is not None:
        _require(on, "pos", True, "POS")
        pos = tuple(check_pos(payload.pos, n_tokens=len(tokens)))
    if payload.relations is not None:
        _require(on, "relations", bool(payload.relations), "relation")
        entities = spans if spans is not None else (stored.spans if stored else None) or ()
        relations = tuple(check_relations(tokens, payload.relations, entities, rules))
    if payload.cats is not None:
        _require(on, "cats", bool(payload.cats), "document-label")
        cats = check_cats(payload.cats, rules)
    if payload.span_cats is not None:
        _require(on, "spans", bool(payload.span_cats), "span-category")
        span_cats = tuple(snap_span_cats(tokens, payload.span_cats, rules))
    return Payload(
        spans=spans, pos=pos, coref=coref, relations=relations, cats=cats, span_cats=span_cats
    )


def _require(on: frozenset[str], layer: str, used: bool, what: str) -> None:
    if used and layer not in on:
        raise InvalidInput(f"this project has no {what} layer", details={"layer": layer})
