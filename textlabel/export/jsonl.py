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
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from itertools import chain
from json.encoder import encode_basestring
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord, TokenRecord, token_columns
from textlabel.tokens import Tokens

_string = json.JSONEncoder(ensure_ascii=False).encode
_TOKEN = '{"text": %s, "start": %d, "end": %d, "id": %d, "ws": %s}'
_JSON_BOOL = {True: "true", False: "false"}
_LAYER_KEYS = ("spans", "pos", "coref", "relations", "cats", "span_cats")


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """Yield one JSON line per record."""
    for record in records:
        yield record_to_line(record, layers=options.layers)


def record_to_line(record: DocumentRecord, *, layers: Iterable[str]) -> str:
    """``json.dumps(record_to_json(record))`` and a newline, the same text, faster: the
    token list, the bulk of a line, is spelt out rather than built as dicts first."""
    obj = record_to_json(record, layers=layers, with_tokens=False)
    parts = [f'"text": {_string(record.text)}', f'"meta": {_dumps(obj["meta"])}']
    if record.tokens is not None:
        parts.append(f'"tokens": [{_tokens(record.text, record.tokens)}]')
    parts.extend(f'"{key}": {_dumps(obj[key])}' for key in _LAYER_KEYS if key in obj)
    return "{" + ", ".join(parts) + "}\n"


def _tokens(text: str, tokens: Sequence[TokenRecord]) -> str:
    """The token objects of a line in one ``%`` of a format made for that many tokens, fed by
    C-level iteration (``map``, ``chain``) over the token columns: no Python loop, no call
    per token and no ``TokenRecord`` when the tokens come as ``TokenColumns``."""
    columns = token_columns(tokens)
    starts, ends = columns.starts, columns.ends
    texts = map(encode_basestring, map(text.__getitem__, map(slice, starts, ends)))
    ws = map(_JSON_BOOL.__getitem__, columns.ws)
    values = tuple(
        chain.from_iterable(zip(texts, starts, ends, range(len(starts)), ws, strict=True))
    )
    count = len(starts)
    if count <= _BLOCK:
        return _format(count) % values
    width = 5 * _BLOCK  # values per block of tokens
    return ", ".join(
        _format(min(_BLOCK, count - first)) % values[5 * first : 5 * first + width]
        for first in range(0, count, _BLOCK)
    )


_BLOCK = 256  # tokens per cached format: at most 256 formats, about 2 MB in all


@cache
def _format(count: int) -> str:
    """The ``%`` format of ``count`` tokens (``count`` <= ``_BLOCK``)."""
    return ", ".join([_TOKEN] * count)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def record_to_json(
    record: DocumentRecord, *, layers: Iterable[str], with_tokens: bool = True
) -> dict[str, Any]:
    """The JSONL object for one record, with only the chosen ``layers``."""
    chosen = set(layers)
    text = record.text
    out: dict[str, Any] = {"text": text, "meta": record.meta}
    tokens = None
    if record.tokens is not None:
        columns = token_columns(record.tokens)  # spans' token ranges: no TokenRecord needed
        tokens = Tokens(columns.starts, columns.ends, [0], len(text))
    if record.tokens is not None and with_tokens:
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
