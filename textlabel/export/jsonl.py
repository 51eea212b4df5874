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
from collections.abc import Iterable, Iterator
from itertools import count
from json.encoder import encode_basestring
from operator import attrgetter
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord, TokenRecord
from textlabel.tokens import Tokens

_string = json.JSONEncoder(ensure_ascii=False).encode
_TOKEN = '{"text": %s, "start": %d, "end": %d, "id": %d, "ws": %s}'
_JSON_BOOL = {True: "true", False: "false"}
_START, _END, _WS = attrgetter("start"), attrgetter("end"), attrgetter("ws")
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


def _tokens(text: str, tokens: list[TokenRecord]) -> str:
    """The token objects of a line, formatted by C-level iteration (``map``), not a Python
    loop: a token costs a few string operations instead of an f-string and a call."""
    starts = list(map(_START, tokens))
    ends = list(map(_END, tokens))
    texts = map(encode_basestring, map(text.__getitem__, map(slice, starts, ends)))
    ws = map(_JSON_BOOL.__getitem__, map(_WS, tokens))
    return ", ".join(map(_TOKEN.__mod__, zip(texts, starts, ends, count(), ws)))


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
        tokens = Tokens.from_records(record.tokens, text_length=len(text))
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
