"""CoNLL-2003: ``token POS _ IOB2-tag``, ``-DOCSTART- -X- -X- O`` before each document,
a blank line after each sentence.

POS is the fine-grained tag (``layers.tags``, e.g. PTB ``NNP``) when present, else the
universal one (``layers.pos``), else ``_``; ``_`` too when the ``pos`` layer is not exported.
Whitespace-only tokens (spaCy keeps newlines as tokens) are left out, and whitespace inside
a token becomes ``_`` because columns are space separated. A label with whitespace cannot be
written (InvalidInput), nor can overlapping spans or untokenized documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from operator import add

from textlabel.export.base import CheckedLabels, WriteOptions
from textlabel.formats.alignment import (
    entity_tags,
    require_columns,
    sentence_ranges,
)
from textlabel.records import DocumentRecord

DOCSTART = "-DOCSTART- -X- -X- O\n\n"
_ROW = "%s %s _ %s\n"
_WHITESPACE = re.compile(r"\s")


def _whitespace(label: str) -> str | None:
    if label.split() == [label]:
        return None
    return f"label {label!r} contains whitespace, which CoNLL-2003 columns cannot hold"


_LABELS = CheckedLabels(_whitespace)


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """Yield one document at a time."""
    for number, record in enumerate(records, start=1):
        yield write_document(record, number=number, layers=options.layers)


def write_document(record: DocumentRecord, *, number: int, layers: Iterable[str]) -> str:
    """The CoNLL-2003 lines of one document, starting with its ``-DOCSTART-`` line."""
    chosen = set(layers)
    tokens = require_columns(record, number, format_name="CoNLL-2003")
    tags = entity_tags(record, tokens, number) if "entities" in chosen else ["O"] * len(tokens)
    if "entities" in chosen:
        _LABELS.check(record, number)
    pos = _pos_column(record) if "pos" in chosen else None
    text = record.text
    words = [text[start:end] for start, end in zip(tokens.starts, tokens.ends, strict=True)]
    count = len(words)
    if _WHITESPACE.search("".join(words)) is None:  # the usual case: a cell is the word
        cells, blank = words, None
    else:
        cells = list(map(_cell, words))
        blank = [not word.strip() for word in words]
    if len(tags) != count:
        raise ValueError(f"{count} tokens but {len(tags)} entity tags")
    sentences = sentence_ranges(record, count)
    if pos is None and blank is None:  # the usual case: a row is the word and an ending
        endings = {tag: f" _ _ {tag}\n" for tag in set(tags)}
        ends = list(map(endings.__getitem__, tags))
        for _, end in sentences:  # the blank line after each sentence
            ends[end - 1] += "\n"
        out = [""] * (2 * count)  # rows put in place by slice assignment, no string a row
        out[0::2] = cells
        out[1::2] = ends
        return DOCSTART + "".join(out)
    if pos is None:
        endings = {tag: f" _ _ {tag}\n" for tag in set(tags)}
        rows = list(map(add, cells, map(endings.__getitem__, tags)))
    else:
        pos_cells = [_pos_cell(pos, i) for i in range(count)]
        rows = list(map(_ROW.__mod__, zip(cells, pos_cells, tags, strict=True)))
    lines = [DOCSTART]
    for start, end in sentences:
        kept = rows[start:end] if blank is None else [
            row for row, empty in zip(rows[start:end], blank[start:end], strict=True) if not empty
        ]  # fmt: skip
        if kept:
            lines.extend(kept)
            lines.append("\n")
    return "".join(lines)


def _pos_column(record: DocumentRecord) -> list[str | None] | None:
    """XPOS where known, else UPOS, token by token (a corrected token has no XPOS)."""
    tags, pos = record.layers.tags, record.layers.pos
    if tags and pos and len(tags) == len(pos):
        return [tag or upos for tag, upos in zip(tags, pos, strict=True)]
    return tags or pos


def _pos_cell(pos: list[str | None] | None, index: int) -> str:
    value = pos[index] if pos is not None else None
    return _cell(value) if value else "_"


def _cell(value: str) -> str:
    return "_".join(value.split())
