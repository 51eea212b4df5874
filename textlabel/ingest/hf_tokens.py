"""Hugging Face token-list records: ``{"tokens": ["EU", "rejects", ...], "ner_tags": [3, 0, ...]}``.

What ``Dataset.to_json()`` writes for CoNLL-style datasets. Tags are strings (``"B-PER"``) or
``ClassLabel`` integers, whose names come from the ``tags`` option or a ``dataset_info.json``
(``features``) read beside the file. The text is the tokens joined by single spaces (the
source has no spacing), tokens and sentence are the record's own; ``pos_tags`` with names
become the tokens' fine-grained tags. Other per-token columns (``chunk_tags``, integer
columns without names) are reported by name. A record with tags is annotated: all "O" is a
true negative.
"""

from __future__ import annotations

from typing import Any

from textlabel.formats.iob import TagError, tags_to_spans
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.checks import Invalid, is_int
from textlabel.ingest.leftovers import report
from textlabel.records import (
    DocumentRecord,
    Loss,
    SourceRef,
    SpanRecord,
    TokenLayers,
    text_from_tokens,
)

TAG_COLUMNS = ("ner_tags", "tags", "ner", "labels")
POS_COLUMNS = ("pos_tags", "xpos", "upos")


def is_token_list(obj: dict[str, Any]) -> bool:
    tokens = obj.get("tokens")
    return isinstance(tokens, list) and all(isinstance(token, str) for token in tokens)


def record(obj: dict[str, Any], *, source: SourceRef, options: ReadOptions) -> DocumentRecord:
    words: list[str] = obj["tokens"]
    if not words:
        raise Invalid("'tokens' is empty")
    if any(not word or any(char.isspace() for char in word) for word in words):
        raise Invalid("a token is empty or holds whitespace")
    text, tokens = text_from_tokens(words, [True] * (len(words) - 1) + [False])
    used = {"tokens"}
    losses: list[Loss] = []
    spans: list[SpanRecord] = []
    tag_column = next((key for key in TAG_COLUMNS if _aligned(obj.get(key), len(words))), None)
    if tag_column:
        used.add(tag_column)
        tags = _names(obj[tag_column], tag_column, options)
        try:
            found = tags_to_spans(tags)
        except TagError as e:
            raise Invalid(f"{tag_column!r}: {e}") from e
        spans = [SpanRecord(tokens[a].start, tokens[b - 1].end, label) for a, b, label in found]
    layers = TokenLayers()
    pos_column = next((key for key in POS_COLUMNS if _aligned(obj.get(key), len(words))), None)
    if pos_column and (options.names_of(pos_column) or _all_strings(obj[pos_column])):
        used.add(pos_column)
        names = _names(obj[pos_column], pos_column, options)
        if pos_column == "upos":
            layers.pos = list(names)
        else:
            layers.tags = list(names)
    for key, value in obj.items():
        if key not in used and _aligned(value, len(words)):
            used.add(key)
            losses.append(Loss("token_tags", f'"{key}"', len(value),
                               "not imported: no layer for this column"))  # fmt: skip
    report(obj, used, losses)
    meta = {key: value for key, value in obj.items() if key not in used}
    return DocumentRecord(
        text=text,
        meta=meta,
        source=source,
        tokens=tokens,
        spans=spans,
        layers=layers,
        annotated=tag_column is not None,
        losses=losses,
    )


def _aligned(value: Any, length: int) -> bool:
    return isinstance(value, list) and len(value) == length


def _all_strings(values: list[Any]) -> bool:
    return all(isinstance(value, str) for value in values)


def _names(values: list[Any], column: str, options: ReadOptions) -> list[str]:
    if _all_strings(values):
        return values
    if not all(is_int(value) for value in values):
        raise Invalid(f"{column!r} must hold tag names or integer tag ids")
    names = options.names_of(column)
    if not names:
        raise Invalid(
            f"{column!r} holds integer tag ids; give their names (the tags option, e.g. "
            "O,B-PER,I-PER,..., or the dataset's dataset_info.json in a zip with the file)"
        )
    if max(values) >= len(names) or min(values) < 0:
        raise Invalid(f"{column!r} has tag id {max(values)}, but {len(names)} names were given")
    return [names[value] for value in values]
