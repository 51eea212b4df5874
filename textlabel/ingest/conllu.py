"""CoNLL-U (Universal Dependencies) files, lossless enough to be written back unchanged.

- Documents: ``# newdoc`` starts one. A file with no ``# newdoc`` in its first 10,000
  lines gives one document per sentence (streamable); sentences before the first marker of a
  longer file are documents of their own too.
- Tokens are the syntactic words (integer IDs). The text is rebuilt from the surface forms:
  a word's FORM, or a multiword token's FORM (``don't``) for the words it covers, each
  followed by its ``SpaceAfter`` / ``SpacesAfter`` whitespace; sentences follow each other
  the same way. Words of a multiword token map into its surface form: exactly when they
  spell it (``do`` + ``n't``), else by dividing the surface evenly (``du`` = ``de`` + ``le``);
  the FORM is then kept in ``extra["form"]``. The last word's ``ws`` follows ``SpaceAfter``.
- Layers: UPOS -> pos, XPOS -> tags, LEMMA -> lemmas, FEATS -> morphs, HEAD -> heads
  (document-absolute, a root points to itself; None for the document when any HEAD is
  ``_``), DEPREL -> deps. ``extra`` keeps the raw MISC and DEPS, multiword token lines
  (``mwt``) and empty nodes (``empty`` after a word, ``empty_before`` the first word).
- Entities: an IOB tag in MISC under ``NE`` (or ``NER``) -> spans. Coreference: UD 2.x
  ``Entity=`` brackets -> clusters by entity id (ids are unique per document). Entity types
  and Wikification are not turned into NER spans: GUM types every mention, pronouns too.
- ``meta``: ``newdoc_id`` and ``sentences`` = ``[{"sent_id", "comments"}]`` with every
  comment line verbatim (``# text``, ``# newpar``, ``# global.Entity``...).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from typing import Any, BinaryIO

from textlabel.errors import BadFormat
from textlabel.formats.conllu_misc import gap_after, parse_misc
from textlabel.formats.iob import TagError, detect_scheme, tags_to_spans
from textlabel.formats.lines import read_lines
from textlabel.formats.ud_entity import EntityError, clusters_from_mentions, mentions_from_values
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    SourceRef,
    SpanRecord,
    TokenLayers,
    TokenRecord,
)

_LOOKAHEAD = 10_000
_NE_KEYS = ("NE", "NER")


@dataclass
class _Word:
    line: int
    columns: list[str]
    extra: dict[str, Any] = field(default_factory=dict)
    misc: dict[str, str] = field(default_factory=dict)


@dataclass
class _Unit:
    """One surface form: a plain word, or a multiword token and its words."""

    surface: str
    gap: str
    words: list[_Word] = field(default_factory=list)
    mwt: dict[str, Any] | None = None


@dataclass
class _Sentence:
    line: int
    comments: list[str]
    units: list[_Unit]


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Yield one record per CoNLL-U document (see the module docstring)."""
    lines = read_lines(stream, filename, encoding=options.encoding)
    head = list(islice(lines, _LOOKAHEAD))
    marked = any(line.startswith("# newdoc") for _, line in head)
    document: list[_Sentence] = []
    block: list[tuple[int, str]] = []
    for number, line in chain(head, lines, [(0, "")]):
        if line.strip():
            block.append((number, line))
            continue
        if not block:
            continue
        sentence = _parse_sentence(block, filename)
        block = []
        starts_document = any(comment.startswith("# newdoc") for comment in sentence.comments)
        if document and (starts_document or not marked):
            yield _build(document, filename)
            document = []
        document.append(sentence)
    if document:
        yield _build(document, filename)
    elif not head:
        raise BadFormat(f"{filename}: the file holds no sentences")


def _is_number(value: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also accepts "²" and other digits ``int`` refuses."""
    return value.isascii() and value.isdigit() and len(value) <= 9


def _fail(filename: str, number: int, message: str) -> BadFormat:
    return BadFormat(f"{filename}: line {number}: {message}", details={"line": number})


def _parse_sentence(block: list[tuple[int, str]], filename: str) -> _Sentence:
    comments: list[str] = []
    units: list[_Unit] = []
    empty_before: list[str] = []
    expected = 1
    mwt_end = 0
    for number, line in block:
        if line.startswith("#"):
            comments.append(line)
            continue
        columns = line.split("\t")
        if len(columns) != 10:
            raise _fail(filename, number, f"{len(columns)} columns; CoNLL-U lines have 10")
        ident = columns[0]
        if "-" in ident:
            first, _, last = ident.partition("-")
            if not (_is_number(first) and _is_number(last)) or int(first) != expected:
                raise _fail(filename, number, f"multiword token {ident} where {expected} was due")
            if int(last) <= int(first):
                raise _fail(filename, number, f"multiword token {ident} ends before it starts")
            mwt_end = int(last)
            mwt = {"size": mwt_end - expected + 1, "columns": columns[2:]}
            units.append(_Unit(columns[1], gap_after(parse_misc(columns[9])), mwt=mwt))
        elif "." in ident:
            if units and units[-1].words:
                units[-1].words[-1].extra.setdefault("empty", []).append(line)
            else:
                empty_before.append(line)
        elif _is_number(ident) and int(ident) == expected:
            items = parse_misc(columns[9])
            word = _Word(number, columns, misc=dict(items) if items else {})
            if empty_before:
                word.extra["empty_before"], empty_before = empty_before, []
            if expected <= mwt_end:
                units[-1].words.append(word)
            else:
                units.append(_Unit(columns[1], gap_after(items) if items else " ", [word]))
            expected += 1
        else:
            raise _fail(filename, number, f"word id {ident!r} where {expected} was due")
    if not units or expected <= mwt_end or empty_before:
        number = block[-1][0]
        raise _fail(filename, number, "sentence ends without its words")
    return _Sentence(block[0][0], comments, units)


def _surface_bounds(surface: str, forms: list[str]) -> list[int]:
    """Offsets within ``surface`` where each word starts, plus its length."""
    if sum(map(len, forms)) == len(surface):
        bounds = [0]
        for form in forms:
            bounds.append(bounds[-1] + len(form))
        return bounds
    count = len(forms)
    return [len(surface) * k // count for k in range(count + 1)]


def _build(sentences: list[_Sentence], filename: str) -> DocumentRecord | Rejected:
    parts: list[str] = []
    tokens: list[TokenRecord] = []
    words: list[_Word] = []
    sent_starts: list[int] = []
    heads: list[int | None] = []
    offset = 0
    for sentence in sentences:
        base = len(tokens)
        sent_starts.append(base)
        for unit in sentence.units:
            if unit.mwt is None:
                # a plain word: its FORM is its surface
                tokens.append(TokenRecord(offset, offset + len(unit.surface), bool(unit.gap)))
                words.append(unit.words[0])
                parts.extend((unit.surface, unit.gap))
                offset += len(unit.surface) + len(unit.gap)
                continue
            bounds = _surface_bounds(unit.surface, [word.columns[1] for word in unit.words])
            for index, word in enumerate(unit.words):
                last = index == len(unit.words) - 1
                start, end = offset + bounds[index], offset + bounds[index + 1]
                tokens.append(TokenRecord(start, end, bool(unit.gap) if last else False))
                if unit.surface[bounds[index] : bounds[index + 1]] != word.columns[1]:
                    word.extra["form"] = word.columns[1]
                if index == 0 and unit.mwt is not None:
                    word.extra["mwt"] = unit.mwt
                words.append(word)
            parts.extend((unit.surface, unit.gap))
            offset += len(unit.surface) + len(unit.gap)
        length = len(tokens) - base
        for position, word in enumerate(words[base:], start=base):
            head = word.columns[6]
            if head == "_":
                heads.append(None)
                continue
            if not _is_number(head) or int(head) > length:
                raise _fail(filename, word.line, f"HEAD {head!r} is not a word of the sentence")
            if int(head) == position - base + 1:
                raise _fail(filename, word.line, f"HEAD {head!r} is the word itself")
            heads.append(position if head == "0" else base + int(head) - 1)
        _check_tree(heads[base:], words[base:], base, filename)
    text = "".join(parts[:-1])
    spans = _entity_spans(words, tokens, sent_starts, filename)
    if isinstance(spans, Rejected):
        return spans
    coref = _coref(words, tokens, filename)
    if isinstance(coref, Rejected):
        return coref
    return DocumentRecord(
        text=text,
        meta=_meta(sentences),
        source=SourceRef(filename, "line", sentences[0].line),
        tokens=tokens,
        sent_starts=sent_starts,
        spans=spans,
        coref=coref,
        layers=_layers(words, heads),
        annotated=True,
    )


def _check_tree(heads: list[int | None], words: list[_Word], base: int, filename: str) -> None:
    """Refuse heads that form a cycle (words that never reach the root): exports and spaCy
    would carry the broken tree on silently. A root is its own head here; linear time."""
    local = [None if head is None else head - base for head in heads]
    state = [0] * len(local)  # 0 unseen, 1 on the path being walked, 2 reaches a root
    for start in range(len(local)):
        path, k = [], start
        while state[k] == 0:
            state[k] = 1
            path.append(k)
            head = local[k]
            if head is None or head == k:
                break
            k = head
        else:
            if state[k] == 1:
                raise _fail(filename, words[start].line, "HEAD values form a cycle")
        for k in path:
            state[k] = 2


def _column(words: list[_Word], index: int) -> list[str | None] | None:
    values = [None if word.columns[index] == "_" else word.columns[index] for word in words]
    return values if any(value is not None for value in values) else None


def _layers(words: list[_Word], heads: list[int | None]) -> TokenLayers:
    extras: list[dict[str, Any]] = []
    for word in words:
        extra = word.extra
        if word.columns[8] != "_":
            extra["deps"] = word.columns[8]
        if word.columns[9] != "_":
            extra["misc"] = word.columns[9]
        extras.append(extra)
    return TokenLayers(
        pos=_column(words, 3),
        tags=_column(words, 4),
        lemmas=_column(words, 2),
        morphs=_column(words, 5),
        heads=None if None in heads else [head for head in heads if head is not None],
        deps=_column(words, 7),
        extra=extras if any(extras) else None,
    )


def _misc_value(word: _Word, keys: tuple[str, ...]) -> str | None:
    misc = word.misc
    if not misc:
        return None
    for key in keys:
        if key in misc:
            return misc[key]
    return None


def _entity_spans(
    words: list[_Word], tokens: list[TokenRecord], sent_starts: list[int], filename: str
) -> list[SpanRecord] | Rejected:
    tags = [_misc_value(word, _NE_KEYS) or "O" for word in words]
    spans: list[SpanRecord] = []
    scheme = detect_scheme(tags)
    for start, end in zip(sent_starts, [*sent_starts[1:], len(words)], strict=True):
        try:
            decoded = tags_to_spans(tags[start:end], scheme=scheme)
        except TagError as error:
            line = words[start + (error.index or 0)].line
            return Rejected(SourceRef(filename, "line", line), f"NE tag: {error.message}")
        spans.extend(
            SpanRecord(tokens[start + first].start, tokens[start + last - 1].end, label)
            for first, last, label in decoded
        )
    return spans


def _coref(
    words: list[_Word], tokens: list[TokenRecord], filename: str
) -> list[list[MentionRecord]] | Rejected:
    values = [_misc_value(word, ("Entity",)) for word in words]
    try:
        mentions = mentions_from_values(values)
    except EntityError as error:
        line = words[error.index or 0].line
        return Rejected(SourceRef(filename, "line", line), error.message)
    return [
        [MentionRecord(tokens[start].start, tokens[end - 1].end) for start, end in cluster]
        for cluster in clusters_from_mentions(mentions)
    ]


def _meta(sentences: list[_Sentence]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    for comment in sentences[0].comments:
        key, _, value = comment.lstrip("#").partition("=")
        if key.strip() == "newdoc id":
            meta["newdoc_id"] = value.strip()
    rows = []
    for sentence in sentences:
        row: dict[str, Any] = {}
        for comment in sentence.comments:
            key, _, value = comment.lstrip("#").partition("=")
            if key.strip() == "sent_id":
                row["sent_id"] = value.strip()
        row["comments"] = sentence.comments
        rows.append(row)
    meta["sentences"] = rows
    return meta
