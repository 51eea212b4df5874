"""CoNLL-2012 (OntoNotes ``*_conll``, LitBank, the CoNLL-2011/2012 shared tasks).

``#begin document (NAME); part N`` ... ``#end document``; one token a line, blank lines
between sentences; columns ``doc part index word POS parse lemma frameset sense speaker NE
[predicate args ...] coref``. Each part is a document. Carried: words (joined by single
spaces: the format keeps no spacing), sentences, POS (fine-grained tags), lemmas, named
entities from the bracketed NE column (``(PERSON*`` ... ``*)``) and coreference chains from
the last column (``(12``, ``12)``, ``(12)``, several joined by ``|``); the speaker column, as
``meta["sentences"] = [{"speaker": ...}]`` (one row per sentence, its first word's speaker), so
pre-annotation gives each speaker their own "I" and a CoNLL-U export writes ``# speaker``. Parse
bits, word senses and predicate arguments are counted and reported as not imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from textlabel.errors import BadFormat
from textlabel.formats.lines import read_lines
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import (
    DocumentRecord,
    Loss,
    MentionRecord,
    SourceRef,
    SpanRecord,
    TokenLayers,
    text_from_tokens,
)

_BEGIN = re.compile(r"^#begin document \(?([^)]*)\)?;?\s*(?:part\s+(\S+))?")
_COREF_PART = re.compile(r"^(\()?(\d+)(\))?$")
_EMPTY = frozenset({"_", "-", ""})
_SPEAKER = 9  # column index
_UNREAD = (  # column index, kind, name
    (5, "parse_bits", "parse bits (column 6)"),
    (8, "word_senses", "word senses (column 9)"),
)


@dataclass
class _Part:
    name: str
    line: int
    words: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    sent_starts: list[int] = field(default_factory=list)


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """One record per ``#begin document`` part."""
    part: _Part | None = None
    seen = False
    new_sentence = True
    for number, line in read_lines(stream, filename, encoding=options.encoding):
        if line.startswith("#begin document"):
            match = _BEGIN.match(line)
            name = match.group(1) if match else line
            if match and match.group(2):
                name += f"; part {match.group(2)}"
            part, new_sentence, seen = _Part(name, number), True, True
            continue
        if line.startswith("#end document"):
            if part is not None and part.words:
                yield _build(part, filename)
            part = None
            continue
        if not line.strip():
            new_sentence = True
            continue
        if line.startswith("#"):
            continue
        if part is None:
            raise BadFormat(f"{filename}: line {number} is outside a #begin document block")
        # Tabs keep empty columns (LitBank leaves the coreference cell empty); OntoNotes pads
        # with spaces.
        columns = [c.strip() for c in line.split("\t")] if "\t" in line else line.split()
        if len(columns) < 4:
            raise BadFormat(
                f"{filename}: line {number} has {len(columns)} columns; CoNLL-2012 needs at "
                "least 4 (document, part, index, word) and the coreference column last"
            )
        if new_sentence:
            part.sent_starts.append(len(part.words))
            new_sentence = False
        part.words.append(columns[3])
        part.rows.append(columns)
        part.lines.append(number)
    if part is not None and part.words:
        yield _build(part, filename)
    if not seen:
        raise BadFormat(f"{filename}: no '#begin document' line; not a CoNLL-2012 file")


def _build(part: _Part, filename: str) -> DocumentRecord | Rejected:
    source = SourceRef(filename, "line", part.line)
    text, tokens = text_from_tokens(part.words, [True] * (len(part.words) - 1) + [False])
    width = min(len(row) for row in part.rows)
    losses: list[Loss] = []
    try:
        chains = _chains([row[-1] for row in part.rows]) if width >= 5 else {}
        entities = _entities([row[10] for row in part.rows]) if width >= 12 else []
    except ValueError as e:
        return Rejected(source, f"{e}")
    layers = TokenLayers(
        tags=_column(part.rows, 4) if width > 5 else None,
        lemmas=_column(part.rows, 6) if width > 7 else None,
    )
    for index, kind, name in _UNREAD:
        filled = sum(row[index] not in _EMPTY for row in part.rows) if width > index + 2 else 0
        if filled:
            losses.append(Loss(kind, name, filled, "not imported: no such layer"))
    if width > 13:
        args = sum(cell not in _EMPTY and cell != "*" for row in part.rows for cell in row[11:-1])
        if args:
            losses.append(Loss("predicate_arguments", "predicate-argument columns", args,
                               "not imported: textlabel has no semantic-role layer"))  # fmt: skip
    meta: dict[str, Any] = {"document": part.name}
    if width > _SPEAKER + 2:  # else column 10 is the coreference column
        speakers = [part.rows[first][_SPEAKER] for first in part.sent_starts]
        if any(speaker not in _EMPTY for speaker in speakers):
            meta["sentences"] = [{} if s in _EMPTY else {"speaker": s} for s in speakers]
    return DocumentRecord(
        text=text,
        meta=meta,
        source=source,
        tokens=tokens,
        sent_starts=part.sent_starts,
        spans=[SpanRecord(tokens[a].start, tokens[b - 1].end, label) for a, b, label in entities],
        coref=[
            [MentionRecord(tokens[a].start, tokens[b - 1].end) for a, b in sorted(mentions)]
            for _, mentions in sorted(chains.items(), key=lambda item: min(item[1]))
        ],
        layers=layers,
        annotated=True,
        losses=losses,
    )


def _column(rows: list[list[str]], index: int) -> list[str | None] | None:
    values = [row[index] if row[index] not in _EMPTY else None for row in rows]
    return values if any(values) else None


def _chains(cells: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Mentions by chain id from the coreference column (token indices, end exclusive)."""
    chains: dict[str, list[tuple[int, int]]] = {}
    open_: dict[str, list[int]] = {}
    for index, cell in enumerate(cells):
        if cell in _EMPTY:
            continue
        for piece in cell.split("|"):
            match = _COREF_PART.match(piece)
            if not match:
                raise ValueError(f"token {index + 1}: {piece!r} is not a coreference bracket")
            opens, chain, closes = match.groups()
            if opens:
                open_.setdefault(chain, []).append(index)
            if closes:
                if not open_.get(chain):
                    raise ValueError(f"token {index + 1}: chain {chain} closes but never opened")
                chains.setdefault(chain, []).append((open_[chain].pop(), index + 1))
    unclosed = sorted(chain for chain, starts in open_.items() if starts)
    if unclosed:
        raise ValueError(f"coreference chain(s) {', '.join(unclosed)} never closed")
    return chains


def _entities(cells: list[str]) -> list[tuple[int, int, str]]:
    """Spans of the bracketed NE column: ``(PERSON*``, ``*``, ``*)``, ``(GPE)``."""
    spans, start, label = [], None, None
    for index, cell in enumerate(cells):
        if cell.startswith("("):
            label, start = cell.strip("()*"), index
        if cell.endswith(")") and start is not None and label:
            spans.append((start, index + 1, label))
            start, label = None, None
    return spans
