"""One JSON object -> one DocumentRecord, whatever annotation dialect it speaks.

Understood shapes (all may carry any other keys, which go to ``meta``):

- textlabel's own, Prodigy-compatible: ``text, meta, tokens[{text,start,end,id,ws}],
  spans[{start,end,label,token_start,token_end}], pos[...], coref[[{start,end}]],
  relations[{head:{start,end}, child:{start,end}, label}], cats{LABEL: 1.0},
  span_cats[{start,end,label}]``; Prodigy's relations (``head`` / ``child`` token indices
  with ``head_span`` / ``child_span``) are read too, their ends must be entities;
- Prodigy's ``answer``: a task answered "reject" or "ignore" keeps its text but none of its
  spans (a rejected ``ner.teach`` suggestion is a negative, never an entity); a single span
  answered "reject" inside an accepted task is dropped too;
  a task answered "accept" is annotated even with no span (a true negative); Prodigy's
  text classification (``"label"`` + ``"answer"``, ``"accept": [...]`` with ``"options"``)
  and ``"cats"`` become document labels;
- every doccano variant (``doccano.py``), Label Studio tasks and JSON_MIN rows
  (``labelstudio.py``), Hugging Face token lists (``hf_tokens.py``);
- plain ``{"text", ...}``.

Whatever a record cannot carry is listed in its ``losses``; fields that look like annotation
but are not understood are reported by name (``leftovers.py``) and kept in ``meta``.

Character offsets are canonical. Spans are checked against the text and, when the object
carries tokens, against token boundaries; ``token_start`` / ``token_end`` are not trusted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import le, lt
from typing import Any

from textlabel.ingest import doccano, hf_tokens, labelstudio, leftovers
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.checks import (
    Bounds,
    Invalid,
    boundaries,
    check_range,
    checked_span,
    json_type_name,
    offsets,
    unique,
)
from textlabel.ingest.layers import is_relation_list, native_relations, span_cats
from textlabel.records import (
    DocumentRecord,
    Loss,
    MentionRecord,
    RelationRecord,
    SourceRef,
    SpanRecord,
    TokenColumns,
    TokenLayers,
    TokenRecord,
)

TEXT_FIELDS = ("text", "content", "body", "sentence")
NEGATIVE_ANSWERS = frozenset({"reject", "ignore"})
_ANNOTATOR_KEYS = ("annotator", "_annotator_id")

_NATIVE = ("tokens", "spans", "pos", "coref", "meta", "span_cats", *_ANNOTATOR_KEYS)
_NEGATIVE_REASON = 'the task was answered "reject" or "ignore": not entities'


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
    obj: Any,
    *,
    source: SourceRef,
    text_field: str | None = None,
    options: ReadOptions | None = None,
) -> DocumentRecord | Rejected:
    """Turn one decoded JSON value into a record, or a ``Rejected`` saying what is wrong."""
    options = options or ReadOptions(text_field=text_field)
    try:
        if not isinstance(obj, dict):
            raise Invalid(f"expected a JSON object, found {json_type_name(obj)}")
        field = find_text_field(obj, text_field=options.text_field)
        if field is None and labelstudio.is_task(obj):
            return _task_record(obj, source=source, options=options)
        if field is None and hf_tokens.is_token_list(obj):
            return hf_tokens.record(obj, source=source, options=options)
        return _record_from_object(obj, field, source=source, text_field=options.text_field)
    except Invalid as e:
        return Rejected(source, str(e))


def is_known_shape(obj: Any, *, text_field: str | None) -> bool:
    """True for an object some dialect reads (a first line that is not means a misread file)."""
    return isinstance(obj, dict) and (
        find_text_field(obj, text_field=text_field) is not None
        or labelstudio.is_task(obj)
        or hf_tokens.is_token_list(obj)
    )


def _text_of(obj: dict[str, Any], field: str | None, text_field: str | None) -> str:
    if field is None:
        raise Invalid(missing_text_field_message(obj, text_field=text_field))
    text = obj[field]
    if not isinstance(text, str):
        raise Invalid(f"field {field!r} must be a string, found {json_type_name(text)}")
    if not text.strip():
        raise Invalid(f"field {field!r} is empty")
    return text


def _record_from_object(
    obj: dict[str, Any], field: str | None, *, source: SourceRef, text_field: str | None
) -> DocumentRecord:
    text = _text_of(obj, field, text_field)
    used = {str(field), *_NATIVE}
    losses: list[Loss] = []
    cats: dict[str, float] = {}
    relations: list[RelationRecord] = []
    tokens = _tokens(obj.get("tokens"), text) if "tokens" in obj else None
    bounds = boundaries(tokens)
    answer = obj.get("answer")
    negative = answer in NEGATIVE_ANSWERS
    raw = obj.get("spans")
    # A rejected suggestion is not checked: it is no entity, whatever its offsets.
    spans = [] if negative else _prodigy_spans(raw, text, bounds, losses)
    rejected = len(raw) if negative and isinstance(raw, list) else 0
    spans += doccano.read(
        obj, text, bounds, used=used, losses=losses, cats=cats, relations=relations
    )
    before = len(used)
    spans += labelstudio.span_lists(obj, text, used=used, losses=losses)
    min_rows = len(used) > before  # a JSON_MIN row: the export of an annotation
    _prodigy_categories(obj, used, cats)
    if "relations" not in used and is_relation_list(obj.get("relations")):
        used.add("relations")
        relations += native_relations(obj["relations"], spans)
    if negative and (spans or rejected):
        count = rejected + len(spans)
        losses.append(Loss("spans", "spans of rejected tasks", count, _NEGATIVE_REASON))
        spans, relations = [], []
    coref = _coref(obj.get("coref"), text, bounds)
    layers = TokenLayers(pos=_pos(obj.get("pos"), tokens))
    annotator = next((str(obj[key]) for key in _ANNOTATOR_KEYS if obj.get(key)), None)
    leftovers.report(obj, used, losses)
    meta = _meta(obj, used)
    return DocumentRecord(
        text=text,
        meta=meta,
        source=source,
        tokens=tokens,
        spans=unique(spans),
        coref=coref,
        relations=list(dict.fromkeys(relations)),
        cats=cats,
        span_cats=span_cats(obj.get("span_cats"), text, bounds),
        layers=layers,
        annotator=annotator,
        annotated=answer == "accept"
        or min_rows
        or (answer is None and isinstance(obj.get("spans"), list)),
        losses=losses,
    )


def _prodigy_categories(obj: dict[str, Any], used: set[str], cats: dict[str, float]) -> None:
    """Prodigy's textcat answers and ``cats`` become document labels."""
    label, answer = obj.get("label"), obj.get("answer")
    if isinstance(label, str) and answer in ("accept", "reject"):
        used.add("label")
        cats[label] = 1.0 if answer == "accept" else 0.0
    accepted = obj.get("accept")
    if isinstance(accepted, list) and isinstance(obj.get("options"), list):
        used.add("accept")
        for option in obj["options"]:
            if isinstance(option, dict) and "id" in option:
                cats[str(option["id"])] = 1.0 if option["id"] in accepted else 0.0
    raw = obj.get("cats")
    if isinstance(raw, dict) and raw:
        used.add("cats")
        for key, value in raw.items():
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise Invalid(f"cats {key!r}: the value must be a number, found {value!r}")
            if not 0.0 <= value <= 1.0:
                raise Invalid(f"cats {key!r}: the value {value} is not between 0 and 1")
            cats[str(key)] = float(value)


def _task_record(obj: dict[str, Any], *, source: SourceRef, options: ReadOptions) -> DocumentRecord:
    """A Label Studio task: its data's text, one annotation's spans, the rest reported."""
    data: dict[str, Any] = obj["data"]
    field = find_text_field(data, text_field=options.text_field)
    text = _text_of(data, field, options.text_field)
    losses: list[Loss] = []
    cats: dict[str, float] = {}
    relations: list[RelationRecord] = []
    meta: dict[str, Any] = {key: value for key, value in data.items() if key != field}
    if isinstance(obj.get("meta"), dict):
        meta |= obj["meta"]
    if "id" in obj:
        meta["labelstudio_id"] = obj["id"]
    chosen, what = labelstudio.pick_annotation(obj, losses)
    spans: list[SpanRecord] = []
    annotator = None
    if chosen is not None:
        spans = labelstudio.read_results(
            chosen.get("result") or [], text, losses=losses, cats=cats, meta=meta,
            relations=relations,
        )  # fmt: skip
        meta["labelstudio_" + what] = chosen.get("id")
        by = chosen.get("completed_by")
        annotator = by.get("email") if isinstance(by, dict) else None
    return DocumentRecord(
        text=text,
        meta=meta,
        source=source,
        spans=unique(spans),
        relations=list(dict.fromkeys(relations)),
        cats=cats,
        annotator=annotator if isinstance(annotator, str) else None,
        annotated=chosen is not None,
        losses=losses,
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


def _tokens(raw: Any, text: str) -> Sequence[TokenRecord]:
    if not isinstance(raw, list):
        raise Invalid(f"'tokens' must be a list, found {json_type_name(raw)}")
    return _well_formed_tokens(raw, text) or _checked_tokens(raw, text)


_NO_TEXT = object()


def _well_formed_tokens(raw: list[Any], text: str) -> TokenColumns | None:
    """The tokens as columns when every one is well formed, checked a column at a time
    (a pre-tokenized JSONL file holds hundreds a line: per token, this was most of reading
    it); None when any is not or the list is empty (``_checked_tokens`` says which)."""
    if not raw or not all(type(token) is dict for token in raw):
        return None
    starts = [token.get("start") for token in raw]
    ends = [token.get("end") for token in raw]
    if not all(type(n) is int for n in starts) or not all(type(n) is int for n in ends):
        return None  # bools, floats and missing keys: the per-token checks' messages
    if starts[0] < 0 or ends[-1] > len(text) or not all(map(lt, starts, ends)):
        return None
    if not all(map(le, ends[:-1], starts[1:])):
        return None
    pieces = [text[start:end] for start, end in zip(starts, ends, strict=True)]
    given = [token.get("text", _NO_TEXT) for token in raw]
    if given != pieces and not all(
        g is _NO_TEXT or g == p for g, p in zip(given, pieces, strict=True)
    ):
        return None
    spaces = [token.get("ws") for token in raw]
    if not all(type(ws) is bool for ws in spaces):
        spaces = [
            ws if type(ws) is bool else text[end : end + 1] == " "
            for ws, end in zip(spaces, ends, strict=True)
        ]
    return TokenColumns(starts, ends, spaces)


def _checked_tokens(raw: list[Any], text: str) -> list[TokenRecord]:
    tokens: list[TokenRecord] = []
    previous_end = 0
    for index, token in enumerate(raw):
        if not isinstance(token, dict):
            raise Invalid(f"token {index} must be an object, found {json_type_name(token)}")
        start, end = offsets(token, "start", "end", what=f"token {index}")
        if not 0 <= start < end <= len(text) or start < previous_end:
            raise Invalid(
                f"token {index} [{start}, {end}) is outside the text (length {len(text)}) "
                "or overlaps the previous token"
            )
        if "text" in token and token["text"] != text[start:end]:
            raise Invalid(
                f"token {index} {token['text']!r} does not match the text at [{start}, {end}): "
                f"{text[start:end]!r}"
            )
        ws = token.get("ws")
        if not isinstance(ws, bool):
            ws = text[end : end + 1] == " "
        tokens.append(TokenRecord(start, end, ws))
        previous_end = end
    return tokens


def _prodigy_spans(
    raw: Any, text: str, bounds: Bounds | None, losses: list[Loss]
) -> list[SpanRecord]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise Invalid(f"'spans' must be a list, found {json_type_name(raw)}")
    spans: list[SpanRecord] = []
    for index, span in enumerate(raw):
        if not isinstance(span, dict):
            raise Invalid(f"span {index} must be an object, found {json_type_name(span)}")
        if span.get("answer") in NEGATIVE_ANSWERS:
            losses.append(Loss("spans", 'spans answered "reject"', 1, "not entities"))
            continue
        start, end = offsets(span, "start", "end", what=f"span {index}")
        score = span.get("score")
        if not isinstance(score, int | float) or isinstance(score, bool):
            score = None
        spans.append(checked_span(start, end, span.get("label"), text, bounds, score=_float(score)))
    return spans


def _coref(raw: Any, text: str, bounds: Bounds | None) -> list[list[MentionRecord]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(chain, list) for chain in raw):
        raise Invalid("'coref' must be a list of chains, each a list of {start, end}")
    chains = []
    for number, chain in enumerate(raw):
        mentions = []
        for mention in chain:
            if not isinstance(mention, dict):
                raise Invalid(f"coref chain {number}: a mention must be an object")
            start, end = offsets(mention, "start", "end", what=f"coref chain {number} mention")
            check_range(start, end, text, bounds, what=f"coref mention [{start}, {end})")
            mentions.append(MentionRecord(start, end))
        chains.append(mentions)
    return chains


def _pos(raw: Any, tokens: Sequence[TokenRecord] | None) -> list[str | None] | None:
    if raw is None:
        return None
    if tokens is None:
        raise Invalid("'pos' needs 'tokens' to align with")
    if not isinstance(raw, list) or len(raw) != len(tokens):
        raise Invalid(f"'pos' must be a list of {len(tokens)} tags, one per token")
    if not all(tag is None or isinstance(tag, str) for tag in raw):
        raise Invalid("'pos' tags must be strings or null")
    return list(raw)


def _float(value: int | float | None) -> float | None:
    return None if value is None else float(value)
