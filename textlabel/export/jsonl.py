"""textlabel's own JSONL, one document a line, Prodigy-compatible (DESIGN.md "Formats").

Keys in a fixed order: ``text``, ``meta``, ``tokens`` (when tokenized), then per exported
layer ``spans`` (entities), ``pos``, ``coref``, ``relations`` (``{head: {start, end},
child: {start, end}, label}``), ``cats`` (``{LABEL: 1.0}``) and ``span_cats``. Span
``token_start`` / ``token_end`` (inclusive, as Prodigy has it) are given when the span falls
on token boundaries.
Non-ASCII text is written as is.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_left, bisect_right
from collections.abc import Collection, Iterable, Iterator, Sequence
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord, SpanRecord, TokenColumns, TokenRecord, token_columns
from textlabel.tokens import Tokens

_JSON = json.JSONEncoder(ensure_ascii=False)
_string = _JSON.encode
# json.dumps' own C encoder (separators ", " and ": "), made once: ``JSONEncoder.encode``
# makes one per call, about half of encoding a document's small meta or spans. No check
# for cycles: the values are decoded JSON.
_encoder = (
    c_make_encoder(None, _JSON.default, encode_basestring, None, ": ", ", ", False, False, True)
    if c_make_encoder is not None
    else None
)
_JSON_BOOL = {True: "true", False: "false"}


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """Yield one JSON line per record."""
    layers = frozenset(options.layers)
    for record in records:
        yield record_to_line(record, layers=layers)


def record_to_line(record: DocumentRecord, *, layers: Iterable[str]) -> str:
    """``json.dumps(record_to_json(record))`` and a newline, the same text, faster: the
    token list and the entity spans, the bulk of a line, are spelt out rather than built as
    dicts and encoded; the other layers (rare) go through ``record_to_json``'s dicts."""
    chosen = layers if isinstance(layers, frozenset) else frozenset(layers)
    text = record.text
    parts = ['{"text": ', encode_basestring(text), ', "meta": ', _dumps(record.meta)]
    columns = None if record.tokens is None else token_columns(record.tokens)
    if columns is not None:
        parts += [', "tokens": [', _tokens(text, columns), "]"]
    if "entities" in chosen:
        parts += [', "spans": ', _spans(record.spans, columns, len(text))]
    if not chosen.isdisjoint(_OTHER_LAYERS):
        for key, value in _other_layers(record, chosen).items():
            parts += [', "', key, '": ', _dumps(value)]
    parts.append("}\n")
    return "".join(parts)


def _spans(spans: Sequence[SpanRecord], columns: TokenColumns | None, length: int) -> str:
    """The ``spans`` list as ``json.dumps`` spells ``record_to_json``'s: no dict per span
    and no encoder walk. Offsets and token indices are ints (``int.__repr__`` is JSON's)."""
    if not spans:
        return "[]"
    starts, ends = (columns.starts, columns.ends) if columns else ([], [])
    items = []
    for span in spans:
        item = (
            f'{{"start": {span.start}, "end": {span.end}, "label": {encode_basestring(span.label)}'
        )
        # Tokens.range without making a Tokens a record: the first token starting at the
        # span's start and the first ending at its end
        first = bisect_left(starts, span.start)
        last = bisect_left(ends, span.end)
        if (
            first < len(starts) and starts[first] == span.start
            and last < len(ends) and ends[last] == span.end and last >= first
        ):  # fmt: skip
            item += f', "token_start": {first}, "token_end": {last}'
        if span.score is not None:
            item += f', "score": {_dumps(span.score)}'
        items.append(item + "}")
    return "[" + ", ".join(items) + "]"


def _tokens(text: str, tokens: Sequence[TokenRecord]) -> str:
    """The token objects of a line, ``{"text": ..., "ws": ...}, {...}``, without the list's
    brackets: one f-string a token, in a list comprehension, of its text (its slice, or as
    ``_texts`` escapes it when the text holds a character JSON escapes), its ``'", "start":
    N'`` and ``', "end": N'`` pieces (looked up for offsets below ``_SMALL``), its ``', "id":
    N, "ws": '`` piece and ``true`` or ``false``, joined by ``'}, {"text": "'``. Five pieces a
    token put in place by C-level ``map`` and slice assignment, then joined (session 17), took
    1.2-1.5x as long: ``map(slice, ...)`` calls the type for each slice (the comprehension's
    ``text[s:e]`` is one opcode) and the join read five times as many pieces."""
    columns = token_columns(tokens)
    starts, ends, ws = columns.starts, columns.ends, columns.ws
    if not starts:
        return ""
    ids, words = _ids(len(starts)), _JSON_BOOL  # ids: at least one a token (zip stops)
    plain = _ESCAPED.search(text) is None  # no token to escape: each text is its slice
    if ends[-1] < _SMALL:
        at_start, at_end = _offsets(ends[-1] + 1)
        if plain:
            objects = [
                f"{text[s:e]}{at_start[s]}{at_end[e]}{i}{words[w]}"
                for s, e, w, i in zip(starts, ends, ws, ids, strict=False)
            ]
        else:
            objects = [
                f"{t}{at_start[s]}{at_end[e]}{i}{words[w]}"
                for t, s, e, w, i in zip(
                    _texts(text, starts, ends), starts, ends, ws, ids, strict=False
                )
            ]
    else:  # offsets past the pieces made: formatted
        objects = [
            f'{t}", "start": {s}, "end": {e}{i}{words[w]}'
            for t, s, e, w, i in zip(
                _texts(text, starts, ends), starts, ends, ws, ids, strict=False
            )
        ]
    return '{"text": "' + _NEXT.join(objects) + "}"


_NEXT = '}, {"text": "'  # one token object's end and the next one's start


# What ``encode_basestring`` escapes (``ensure_ascii=False``): control characters, the
# quote and the backslash.
_ESCAPED = re.compile(r'[\x00-\x1f"\\]')


def _texts(text: str, starts: list[int], ends: list[int]) -> list[str]:
    """Each token's text as ``encode_basestring`` spells it, without the quotes (those are
    in the pieces around it): the slice itself, but for the few tokens holding a character
    JSON escapes, found from where those are in the text; escaping every token took ~3 us
    a document."""
    texts = [text[s:e] for s, e in zip(starts, ends, strict=True)]
    at = -1  # the last token escaped
    for found in _ESCAPED.finditer(text):
        index = bisect_right(starts, found.start()) - 1
        if index > at and found.start() < ends[index]:  # in that token, not after it
            texts[index] = encode_basestring(texts[index])[1:-1]
            at = index
    return texts


_SMALL = 1 << 16  # offsets below it looked up as pieces, made as far as an export needs
_offset_pieces: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())
_id_pieces: tuple[str, ...] = ()  # ', "id": N, "ws": ' for N = 0, 1, ...


def _offsets(count: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``'", "start": N'`` (the closing quote of the token's text first) and ``', "end":
    N'`` for N below ``count`` (or more, at most ``_SMALL``: about 9 MB); longer tuples
    replace the shorter ones whole, so threads never see them half-made."""
    global _offset_pieces
    pieces = _offset_pieces
    if len(pieces[0]) < count:
        size = min(max(count, 2 * len(pieces[0]), 4096), _SMALL)
        numbers = list(map(str, range(size)))
        pieces = (
            tuple(map('", "start": '.__add__, numbers)),
            tuple(map(', "end": '.__add__, numbers)),
        )
        _offset_pieces = pieces
    return pieces


def _ids(count: int) -> tuple[str, ...]:
    """The ``"id"`` pieces of ``count`` tokens (or more). A
    longer tuple replaces the shorter one whole, so threads never see one half-made."""
    global _id_pieces
    pieces = _id_pieces
    if len(pieces) < count:
        pieces = tuple(f', "id": {n}, "ws": ' for n in range(max(count, 2 * len(pieces))))
        _id_pieces = pieces
    return pieces


def _dumps(value: Any) -> str:
    """``json.dumps(value, ensure_ascii=False)`` without making an encoder per call."""
    if _encoder is None:  # a Python without json's C speed-ups
        return _string(value)
    return "".join(_encoder(value, 0))


def record_to_json(record: DocumentRecord, *, layers: Iterable[str]) -> dict[str, Any]:
    """The JSONL object for one record, with only the chosen ``layers``."""
    chosen = set(layers)
    text = record.text
    out: dict[str, Any] = {"text": text, "meta": record.meta}
    tokens = None
    if record.tokens is not None:
        columns = token_columns(record.tokens)  # spans' token ranges: no TokenRecord needed
        tokens = Tokens(columns.starts, columns.ends, [0], len(text))
    if record.tokens is not None:
        out["tokens"] = [
            {
                "text": text[token.start : token.end],
                "start": token.start,
                "end": token.end,
                "id": index,
                "ws": token.ws,
            }
            for index, token in enumerate(record.tokens)
        ]
    if "entities" in chosen:
        spans = []
        for span in record.spans:
            item: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label}
            token_range = tokens.range(span.start, span.end) if tokens else None
            if token_range is not None:
                item["token_start"], item["token_end"] = token_range[0], token_range[1] - 1
            if span.score is not None:
                item["score"] = span.score
            spans.append(item)
        out["spans"] = spans
    out.update(_other_layers(record, chosen))
    return out


_OTHER_LAYERS = frozenset({"pos", "coref", "relations", "cats", "spans"})


def _other_layers(record: DocumentRecord, chosen: Collection[str]) -> dict[str, Any]:
    """The line's values after ``spans``, in order: ``pos``, ``coref``, ``relations``,
    ``cats``, ``span_cats`` (those chosen)."""
    out: dict[str, Any] = {}
    if "pos" in chosen and record.layers.pos is not None:
        out["pos"] = record.layers.pos
    if "coref" in chosen:
        out["coref"] = [
            [{"start": mention.start, "end": mention.end} for mention in cluster]
            for cluster in record.coref
        ]
    if "relations" in chosen:
        out["relations"] = [
            {"head": {"start": r.head[0], "end": r.head[1]},
             "child": {"start": r.child[0], "end": r.child[1]}, "label": r.label}
            for r in record.relations
        ]  # fmt: skip
    if "cats" in chosen:
        out["cats"] = record.cats
    if "spans" in chosen:
        out["span_cats"] = [{"start": s.start, "end": s.end, "label": s.label}
                            for s in record.span_cats]  # fmt: skip
    return out
