"""One JSON object -> one DocumentRecord, whatever annotation dialect it speaks.

Understood shapes (all may carry any other keys, which go to ``meta``):

- textlabel's own, Prodigy-compatible: ``text, meta, tokens[{text,start,end,id,ws}],
  spans[{start,end,label,token_start,token_end}], pos[...], coref[[{start,end}]]``;
- Prodigy's ``answer``: a task answered "reject" or "ignore" keeps its text but none of its
  spans (a rejected ``ner.teach`` suggestion is a negative, never an entity); a single span
  answered "reject" inside an accepted task is dropped too;
- doccano: ``{"text", "label": [[start, end, "LABEL"], ...]}`` and
  ``{"text", "entities": [{"start_offset", "end_offset", "label"}], "relations": [...]}``;
  a ``label`` that is not a list of triples (text classification) stays in ``meta``;
- plain ``{"text", ...}``.

Character offsets are canonical. Spans are checked against the text and, when the object
carries tokens, against token boundaries; ``token_start`` / ``token_end`` are not trusted.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textlabel.ingest.base import Rejected
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    SourceRef,
    SpanRecord,
    TokenLayers,
    TokenRecord,
)

TEXT_FIELDS = ("text", "content", "body", "sentence")
NEGATIVE_ANSWERS = frozenset({"reject", "ignore"})
_ANNOTATOR_KEYS = ("annotator", "_annotator_id")


_Bounds = tuple[frozenset[int], frozenset[int]]
"""Token start offsets and token end offsets, for boundary checks."""


class _Invalid(Exception):
    """An object that cannot become a record; turned into a ``Rejected`` at the edge."""


def find_text_field(keys: Iterable[str], *, text_field: str | None = None) -> str | None:
    """The key holding the text: ``text_field`` if given, else text / content / body / sentence.

    Matching is exact first, then case-insensitive; None when nothing matches.
    """
    keys = list(keys)
    wanted = (text_field,) if text_field else TEXT_FIELDS
    for name in wanted:
        if name in keys:
            return name
    by_folded = {key.casefold(): key for key in reversed(keys)}
    for name in wanted:
        if name.casefold() in by_folded:
            return by_folded[name.casefold()]
    return None


def missing_text_field_message(keys: Iterable[str], *, text_field: str | None) -> str:
    """Say which text field was looked for and which fields exist."""
    found = ", ".join(repr(key) for key in keys) or "none"
    if text_field:
        return f"no field named {text_field!r} (text_field); fields found: {found}"
    wanted = " / ".join(TEXT_FIELDS)
    return f"no text field ({wanted}); name one with text_field; fields found: {found}"


def record_from_object(
    obj: Any, *, source: SourceRef, text_field: str | None = None
) -> DocumentRecord | Rejected:
    """Turn one decoded JSON value into a record, or a ``Rejected`` saying what is wrong."""
    try:
        return _record_from_object(obj, source=source, text_field=text_field)
    except _Invalid as e:
        return Rejected(source, str(e))


def _record_from_object(obj: Any, *, source: SourceRef, text_field: str | None) -> DocumentRecord:
    if not isinstance(obj, dict):
        raise _Invalid(f"expected a JSON object, found {json_type_name(obj)}")
    field = find_text_field(obj, text_field=text_field)
    if field is None:
        raise _Invalid(missing_text_field_message(obj, text_field=text_field))
    text = obj[field]
    if not isinstance(text, str):
        raise _Invalid(f"field {field!r} must be a string, found {json_type_name(text)}")
    if not text.strip():
        raise _Invalid(f"field {field!r} is empty")

    used = {field, "tokens", "spans", "pos", "coref", "meta", *_ANNOTATOR_KEYS}
    tokens = _tokens(obj.get("tokens"), text) if "tokens" in obj else None
    bounds = _boundaries(tokens)
    negative = obj.get("answer") in NEGATIVE_ANSWERS
    spans = [] if negative else _prodigy_spans(obj.get("spans"), text, bounds)
    if _is_doccano_triples(obj.get("label")):
        used.add("label")
        spans += [] if negative else _doccano_triples(obj["label"], text, bounds)
    if _is_doccano_entities(obj.get("entities")):
        used.add("entities")
        spans += [] if negative else _doccano_entities(obj["entities"], text, bounds)
    coref = _coref(obj.get("coref"), text, bounds)
    layers = TokenLayers(pos=_pos(obj.get("pos"), tokens))
    annotator = next((str(obj[key]) for key in _ANNOTATOR_KEYS if obj.get(key)), None)
    return DocumentRecord(
        text=text,
        meta=_meta(obj, used),
        source=source,
        tokens=tokens,
        spans=_unique(spans),
        coref=coref,
        layers=layers,
        annotator=annotator,
    )


def _meta(obj: dict[str, Any], used: set[str]) -> dict[str, Any]:
    """The nested "meta" object merged with every key no annotation field consumed.

    A top-level key that also occurs inside "meta" is kept as "_<key>" rather than lost.
    """
    nested = obj.get("meta")
    meta: dict[str, Any] = dict(nested) if isinstance(nested, dict) else {}
    if nested is not None and not isinstance(nested, dict):
        meta["meta"] = nested
    for key, value in obj.items():
        if key in used:
            continue
        meta[f"_{key}" if key in meta else key] = value
    return meta


def _tokens(raw: Any, text: str) -> list[TokenRecord]:
    if not isinstance(raw, list):
        raise _Invalid(f"'tokens' must be a list, found {json_type_name(raw)}")
    tokens: list[TokenRecord] = []
    previous_end = 0
    for index, token in enumerate(raw):
        if not isinstance(token, dict):
            raise _Invalid(f"token {index} must be an object, found {json_type_name(token)}")
        start, end = _offsets(token, "start", "end", what=f"token {index}")
        if not 0 <= start < end <= len(text) or start < previous_end:
            raise _Invalid(
                f"token {index} [{start}, {end}) is outside the text (length {len(text)}) "
                "or overlaps the previous token"
            )
        if "text" in token and token["text"] != text[start:end]:
            raise _Invalid(
                f"token {index} {token['text']!r} does not match the text at [{start}, {end}): "
                f"{text[start:end]!r}"
            )
        ws = token.get("ws")
        if not isinstance(ws, bool):
            ws = text[end : end + 1] == " "
        tokens.append(TokenRecord(start, end, ws))
        previous_end = end
    return tokens


def _boundaries(tokens: list[TokenRecord] | None) -> _Bounds | None:
    if tokens is None:
        return None
    return frozenset(token.start for token in tokens), frozenset(token.end for token in tokens)


def _prodigy_spans(raw: Any, text: str, bounds: _Bounds | None) -> list[SpanRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise _Invalid(f"'spans' must be a list, found {json_type_name(raw)}")
    spans: list[SpanRecord] = []
    for index, span in enumerate(raw):
        if not isinstance(span, dict):
            raise _Invalid(f"span {index} must be an object, found {json_type_name(span)}")
        if span.get("answer") in NEGATIVE_ANSWERS:
            continue
        start, end = _offsets(span, "start", "end", what=f"span {index}")
        score = span.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool):
            score = None
        spans.append(
            _checked_span(start, end, span.get("label"), text, bounds, score=_float(score))
        )
    return spans


def _is_doccano_triples(raw: Any) -> bool:
    return isinstance(raw, list) and all(isinstance(item, list) and len(item) == 3 for item in raw)


def _doccano_triples(raw: list[Any], text: str, bounds: _Bounds | None) -> list[SpanRecord]:
    spans = []
    for index, (start, end, label) in enumerate(raw):
        if not all(_is_int(value) for value in (start, end)):
            raise _Invalid(f"label {index} {[start, end, label]!r} needs integer offsets")
        spans.append(_checked_span(start, end, label, text, bounds))
    return spans


def _is_doccano_entities(raw: Any) -> bool:
    return isinstance(raw, list) and all(
        isinstance(item, dict) and "start_offset" in item for item in raw
    )


def _doccano_entities(
    raw: list[dict[str, Any]], text: str, bounds: _Bounds | None
) -> list[SpanRecord]:
    spans = []
    for index, entity in enumerate(raw):
        start, end = _offsets(entity, "start_offset", "end_offset", what=f"entity {index}")
        spans.append(_checked_span(start, end, entity.get("label"), text, bounds))
    return spans


def _checked_span(
    start: int,
    end: int,
    label: Any,
    text: str,
    bounds: _Bounds | None,
    *,
    score: float | None = None,
) -> SpanRecord:
    if not isinstance(label, str) or not label:
        raise _Invalid(f"span [{start}, {end}) has no label")
    _check_range(start, end, text, bounds, what=f"span [{start}, {end}) {label}")
    return SpanRecord(start, end, label, score)


def _check_range(start: int, end: int, text: str, bounds: _Bounds | None, *, what: str) -> None:
    if not 0 <= start < end <= len(text):
        raise _Invalid(f"{what} is outside the text (length {len(text)})")
    if bounds is not None and (start not in bounds[0] or end not in bounds[1]):
        raise _Invalid(f"{what} {text[start:end]!r} is not on token boundaries")


def _coref(raw: Any, text: str, bounds: _Bounds | None) -> list[list[MentionRecord]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(chain, list) for chain in raw):
        raise _Invalid("'coref' must be a list of chains, each a list of {start, end}")
    chains = []
    for number, chain in enumerate(raw):
        mentions = []
        for mention in chain:
            if not isinstance(mention, dict):
                raise _Invalid(f"coref chain {number}: a mention must be an object")
            start, end = _offsets(mention, "start", "end", what=f"coref chain {number} mention")
            _check_range(start, end, text, bounds, what=f"coref mention [{start}, {end})")
            mentions.append(MentionRecord(start, end))
        chains.append(mentions)
    return chains


def _pos(raw: Any, tokens: list[TokenRecord] | None) -> list[str | None] | None:
    if raw is None:
        return None
    if tokens is None:
        raise _Invalid("'pos' needs 'tokens' to align with")
    if not isinstance(raw, list) or len(raw) != len(tokens):
        raise _Invalid(f"'pos' must be a list of {len(tokens)} tags, one per token")
    if not all(tag is None or isinstance(tag, str) for tag in raw):
        raise _Invalid("'pos' tags must be strings or null")
    return list(raw)


def _offsets(obj: dict[str, Any], start_key: str, end_key: str, *, what: str) -> tuple[int, int]:
    start, end = obj.get(start_key), obj.get(end_key)
    if not (_is_int(start) and _is_int(end)):
        raise _Invalid(f"{what} needs integer {start_key!r} and {end_key!r}")
    return int(start), int(end)  # type: ignore[arg-type]


def _float(value: int | float | None) -> float | None:
    return None if value is None else float(value)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unique(spans: list[SpanRecord]) -> list[SpanRecord]:
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
