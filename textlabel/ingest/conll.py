"""CoNLL-2003 style token-per-line NER files (and spaCy's ``token|POS|TAG`` sentence lines).

Layouts, told apart from the first token line:

- columns: 2, 3 or 4 columns split by tabs or runs of spaces; token first, entity tag last,
  the second column is a POS tag when there are 3 or more (``token POS chunk NER``). More
  columns (LitBank's nested layers, CoNLL-2012) or a second column holding entity tags
  (``token B-PER O``: two tag layers) are refused with the column count and the line: which
  layer to read is the user's choice, and reading the wrong one would silently lose the rest;
- indexed (Universal NER): tab-separated ``index token tag ...`` with ``#`` comment lines;
- sentence: one sentence per line as ``token|POS|TAG`` or ``token|TAG`` items.

Documents: ``-DOCSTART-`` lines (or ``# newdoc`` comments) separate documents, and the
sentences before the first marker form one. A file with no marker in its first 10,000 lines
(WNUT, doccano) gives one document per sentence instead, which keeps it streamable; should
a marker come later, grouping starts there.

Tags may be IOB1, IOB2 or BILUO / BIOES, detected per document. The text is the tokens
joined by single spaces; POS goes to ``layers.tags``. A bad tag raises BadFormat naming its
line; an invalid BILUO sequence rejects only its document (``Rejected``, with its line).
Records are marked ``annotated``: a sentence with no entity is a negative, not raw text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import BinaryIO

from textlabel.errors import BadFormat
from textlabel.formats.iob import TagError, detect_scheme, parse_tag, tags_to_spans
from textlabel.formats.lines import read_lines
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, SourceRef, SpanRecord, TokenLayers, text_from_tokens

_TABS = re.compile(r"\t+")
_DOCSTART = "-DOCSTART-"
_MAX_COLUMNS = 4
# an entity tag in the POS column: B-/I-/E-/S-/L-/U- and a label (no POS tag looks like this)
_ENTITY_TAG = re.compile(r"^[BIESLU]-\S+$")
# Lines read ahead to learn whether the file marks documents; bounded, so memory stays flat.
_LOOKAHEAD = 10_000


@dataclass
class _Document:
    """Tokens gathered for one document, with the line each came from."""

    words: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    pos: list[str | None] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    sent_starts: list[int] = field(default_factory=list)
    sentence_meta: list[dict[str, str]] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    sentence_open: bool = False

    def add(self, word: str, tag: str, pos: str | None, line: int) -> None:
        if not self.sentence_open:
            self.sent_starts.append(len(self.words))
            self.sentence_open = True
        self.words.append(word)
        self.tags.append(tag)
        self.pos.append(pos)
        self.lines.append(line)


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.layout: str | None = None
        self.columns = 0
        self.columns_line = 0
        self.marked = False  # a -DOCSTART- / # newdoc has been seen: documents span sentences
        self.document = _Document()
        self.pending_sentence: dict[str, str] = {}
        self.documents = 0
        self.valid_tags: set[str] = set()

    def fail(self, number: int, message: str) -> BadFormat:
        return BadFormat(f"{self.filename}: line {number}: {message}", details={"line": number})

    def run(self, stream: BinaryIO, options: ReadOptions) -> Iterator[DocumentRecord | Rejected]:
        lines = read_lines(stream, self.filename, encoding=options.encoding)
        head = list(islice(lines, _LOOKAHEAD))
        self.marked = any(_is_marker(line) for _, line in head)
        for number, line in chain(head, lines):
            if not line.strip():
                yield from self.end_sentence()
                continue
            if self.layout is None and not line.startswith(_DOCSTART) and not _is_comment(line):
                self.layout = _detect_layout(line)
            if self.layout in (None, "indexed") and _is_comment(line):
                yield from self.comment(line)
            elif line.split(None, 1)[0] == _DOCSTART:
                yield from self.end_document()
                self.marked = True
            elif self.layout == "sentence":
                self.sentence_line(number, line)
                yield from self.end_sentence()
            else:
                self.token_line(number, line)
        yield from self.end_document()
        if not self.documents:
            raise BadFormat(f"{self.filename}: the file holds no tokens")

    def comment(self, line: str) -> Iterator[DocumentRecord | Rejected]:
        key, _, value = line.lstrip("#").partition("=")
        key, value = key.strip(), value.strip()
        if key == "newdoc id" or key == "newdoc":
            yield from self.end_document()
            self.marked = True
            if value:
                self.document.meta["newdoc_id"] = value
        elif key == "sent_id":
            self.pending_sentence["sent_id"] = value

    def token_line(self, number: int, line: str) -> None:
        fields = _TABS.split(line.strip()) if "\t" in line else line.split()
        if len(fields) < 2:
            raise self.fail(number, f"expected a token and a tag, found {line.strip()!r}")
        if self.columns == 0:
            self.columns, self.columns_line = len(fields), number
            if self.layout != "indexed" and len(fields) > _MAX_COLUMNS:
                raise self.fail(number, _too_many_columns(len(fields)))
        elif len(fields) != self.columns:
            raise self.fail(
                number,
                f"{len(fields)} columns where line {self.columns_line} has {self.columns}",
            )
        if self.layout == "indexed":
            word, tag, pos = fields[1], fields[2], None
        else:
            word, tag = fields[0], fields[-1]
            pos = fields[1] if len(fields) >= 3 else None
            if pos is not None and _ENTITY_TAG.match(pos):
                raise self.fail(number, _tags_in_pos_column(pos, len(fields)))
        self.add(number, word, tag, pos)

    def sentence_line(self, number: int, line: str) -> None:
        for item in line.split():
            parts = item.rsplit("|", 2)
            if len(parts) < 2:
                raise self.fail(number, f"{item!r} is not token|TAG or token|POS|TAG")
            if len(parts) == 3:
                self.add(number, parts[0], parts[2], parts[1])
            else:
                self.add(number, parts[0], parts[1], None)

    def add(self, number: int, word: str, tag: str, pos: str | None) -> None:
        if tag not in self.valid_tags:
            try:
                parse_tag(tag)
            except TagError as error:
                raise self.fail(number, error.message) from error
            self.valid_tags.add(tag)
        if not self.document.sentence_open:
            self.document.sentence_meta.append(self.pending_sentence)
            self.pending_sentence = {}
        self.document.add(word, tag, None if pos in (None, "_", "-") else pos, number)

    def end_sentence(self) -> Iterator[DocumentRecord | Rejected]:
        self.document.sentence_open = False
        if not self.marked:
            yield from self.end_document()

    def end_document(self) -> Iterator[DocumentRecord | Rejected]:
        document, self.document = self.document, _Document()
        if document.words:
            self.documents += 1
            yield _build(document, self.filename)


def _too_many_columns(count: int) -> str:
    return (
        f"{count} columns; the CoNLL reader reads 2 to 4 (token, POS, chunk, entity tag). "
        "A file with several tag layers (e.g. LitBank's nested entities) must be cut to the "
        "token and one tag column first, so that no layer is read as another"
    )


def _tags_in_pos_column(value: str, count: int) -> str:
    return (
        f"column 2 of {count} holds the entity tag {value!r} where a POS tag belongs: the file "
        "has more than one tag layer; cut it to the token and one tag column "
        "(or token, POS, chunk, tag)"
    )


def _is_comment(line: str) -> bool:
    """A UD-style ``# key = value`` comment (a bare ``#`` can be a token in a CoNLL file)."""
    return line.startswith("#") and ("=" in line or line.startswith("# newdoc"))


def _is_marker(line: str) -> bool:
    return line.startswith(_DOCSTART) or line.startswith("# newdoc")


def _detect_layout(line: str) -> str:
    fields = line.split("\t")
    if len(fields) >= 5 and fields[0].strip() == "1":
        return "indexed"
    items = line.split()
    if "\t" not in line and items and all("|" in item for item in items):
        return "sentence"
    return "columns"


def _build(document: _Document, filename: str) -> DocumentRecord | Rejected:
    spaces = [True] * len(document.words)
    spaces[-1] = False
    text, tokens = text_from_tokens(document.words, spaces)
    spans: list[SpanRecord] = []
    bounds = [*document.sent_starts[1:], len(document.words)]
    scheme = detect_scheme(document.tags)
    for start, end in zip(document.sent_starts, bounds, strict=True):
        try:
            decoded = tags_to_spans(document.tags[start:end], scheme=scheme)
        except TagError as error:
            index = start + (error.index or 0)
            where = SourceRef(filename, "line", document.lines[index])
            return Rejected(where, error.message)
        for first, last, label in decoded:
            first, last = first + start, last + start
            spans.append(SpanRecord(tokens[first].start, tokens[last - 1].end, label))
    meta: dict[str, object] = dict(document.meta)
    if any(document.sentence_meta):
        meta["sentences"] = document.sentence_meta
    has_pos = any(tag is not None for tag in document.pos)
    return DocumentRecord(
        text=text,
        meta=meta,
        source=SourceRef(filename, "line", document.lines[0]),
        tokens=tokens,
        sent_starts=document.sent_starts,
        spans=spans,
        layers=TokenLayers(tags=document.pos if has_pos else None),
        annotated=True,
    )


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Yield one record per document of a CoNLL-2003 / IOB file (see the module docstring)."""
    return _Reader(filename).run(stream, options)
