"""CoNLL-U: 10 columns, ``# newdoc id`` / ``# sent_id`` / ``# text`` comments.

Columns: LEMMA, UPOS (``pos`` layer), XPOS (``pos`` layer), FEATS, HEAD (0 for a token that
is its own head), DEPREL and DEPS, ``_`` where absent. DEPREL is UD's: labels of a non-UD
parser (spaCy's English ``prep``, ``pobj``) are mapped where exact, else written as ``dep``
(``textlabel.formats.ud_deprel``). MISC carries ``SpaceAfter=No`` or
``SpacesAfter=`` so the text is rebuilt exactly, the entity IOB2 tag as ``NE=B-PER`` (what
``textlabel.ingest.conllu`` reads back) and coreference as UD 2.x ``Entity=`` brackets.

A record read from CoNLL-U comes back as it was (byte for byte, also for a file without
``# newdoc``, whose sentences are documents of their own): its comments, other MISC keys,
multiword token lines and empty nodes are restored from ``meta["sentences"]`` and ``layers.extra``,
and its original ``Entity=`` brackets (with entity types and the like) are kept as long as
they still describe the record's coreference clusters; otherwise the clusters are written
afresh with ids ``e1``, ``e2``... Whitespace-only tokens are folded into ``SpacesAfter``.
A per-annotator record (``meta["annotator"]``) gets an ``# annotator = NAME`` comment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, compress, repeat, starmap
from operator import is_, sub
from typing import Any, NamedTuple

from textlabel.errors import InvalidInput
from textlabel.export.base import CheckedLabels, WriteOptions
from textlabel.formats.alignment import (
    describe,
    is_blank,
    require_columns,
    sentence_ranges,
    tagged_tokens,
    token_mentions,
)
from textlabel.formats.conllu_misc import escape_spaces, merge_misc, parse_misc, space_items
from textlabel.formats.ud_deprel import ud_deprels
from textlabel.formats.ud_entity import (
    EntityError,
    clusters_from_mentions,
    format_values,
    mentions_from_clusters,
    mentions_from_values,
)
from textlabel.records import DocumentRecord, TokenColumns, TokenRecord

_BAD_IN_CELL = str.maketrans({"\t": " ", "\n": " ", "\r": " "})
_NOT_IN_MISC = frozenset("|=\t\n ")  # characters a label cannot have in MISC


def _not_in_misc(label: str) -> str | None:
    if _NOT_IN_MISC.isdisjoint(label):
        return None
    return f"label {label!r} cannot go in the MISC column"


_MISC_LABELS = CheckedLabels(_not_in_misc)


def write(records: Iterable[DocumentRecord], options: WriteOptions) -> Iterator[str]:
    """Yield one document at a time."""
    for number, record in enumerate(records, start=1):
        yield write_document(record, number=number, layers=options.layers)


def write_document(record: DocumentRecord, *, number: int, layers: Iterable[str]) -> str:
    """The CoNLL-U lines of one document, each sentence followed by a blank line."""
    chosen = set(layers)
    columns = require_columns(record, number, format_name="CoNLL-U")
    count = len(columns)
    tags, tagged = (
        tagged_tokens(record, columns, number) if "entities" in chosen else (["O"] * count, [])
    )
    if "entities" in chosen:
        _MISC_LABELS.check(record, number)
    kept_extra = record.layers.extra or []
    entities = _entity_values(record, columns, kept_extra, number) if "coref" in chosen else None
    sentences = sentence_ranges(record, count)
    sentence_meta = record.meta.get("sentences")
    if not isinstance(sentence_meta, list) or len(sentence_meta) != len(sentences):
        sentence_meta = [{} for _ in sentences]
    doc_id = str(record.meta.get("newdoc_id") or record.meta.get("id") or f"doc{number}")
    annotator = record.meta.get("annotator") or record.annotator
    cells = _Cells(record, chosen, count)
    fresh = bool(entities and any(entities))
    if record.layers.extra is None and count:
        made_up = not any(sentence_meta)  # nothing kept (most records): the lines made up

        def headers() -> list[str]:
            if made_up:  # the first sentence's; ``_plain`` spells out the others'
                first, last = sentences[0]
                text = cells.text[starts[first] : ends[last - 1]]
                return [_made_up(doc_id, 1, fresh, annotator, text)]
            lines = []
            for number_in_doc, (meta, (start, end)) in enumerate(
                zip(sentence_meta, sentences, strict=True), start=1
            ):
                header = _Header(doc_id, number_in_doc, fresh, annotator)
                text = cells.text[starts[start] : ends[end - 1]]
                lines.append("".join(header.comments(meta if isinstance(meta, dict) else {}, text)))
            return lines

        starts, ends = columns.starts, columns.ends
        sent_id = f"# sent_id = {doc_id}-" if made_up else None
        plain = _plain(record, columns, cells, tags, tagged, entities, sentences, headers, sent_id)
        if plain is not None:
            return plain
    extra: list[dict[str, Any]] = kept_extra or [{} for _ in range(count)]
    tokens: list[TokenRecord] = list(columns)
    kept = [i for i, token in enumerate(tokens) if not is_blank(record, token)]
    gaps = _gaps(record, tokens, kept)
    out = []
    written = 0
    for (start, end), meta in zip(sentences, sentence_meta, strict=True):
        words = [i for i in range(start, end) if i in gaps]
        if not words:
            continue
        written += 1
        header = _Header(doc_id, written, fresh, annotator)
        text = record.text[tokens[words[0]].start : tokens[words[-1]].end]
        out.extend(header.comments(meta if isinstance(meta, dict) else {}, text))
        local = {index: position for position, index in enumerate(words, start=1)}
        mwt_end = 0
        for position, index in enumerate(words, start=1):
            item = extra[index]
            if item:
                out.extend(line + "\n" for line in item.get("empty_before", ()))
                mwt = item.get("mwt")
                if mwt is not None and position + mwt["size"] - 1 <= len(words):
                    mwt_end = position + mwt["size"] - 1
                    covered = words[position - 1 : mwt_end]
                    out.append(_mwt_line(record, mwt, covered, position, gaps))
            entity = entities[index] if entities is not None else None
            tag = None if tags[index] == "O" else tags[index]
            gap = gaps[index] if position > mwt_end else None
            misc = _misc(item.get("misc"), entity, tag, gap)
            token = tokens[index]
            form = _cell(item["form"]) if "form" in item else cells.text[token.start : token.end]
            out.append(
                f"{position}\t{form}\t{cells.lemmas[index]}\t{cells.upos[index]}\t"
                f"{cells.xpos[index]}\t{cells.feats[index]}\t"
                f"{_head(record, index, local, gaps, number)}\t{cells.deprels[index]}\t"
                f"{item.get('deps') or '_'}\t{misc}\n"
            )
            if item:
                out.extend(line + "\n" for line in item.get("empty", ()))
        out.append("\n")
    return "".join(out)


# the MISC cell of a token with no entity, by its gap (other gaps: ``_misc``)
_GAP_MISC = {"": "SpaceAfter=No", " ": "_"}
_WS_MISC = ("SpaceAfter=No", "_")  # the same, by the token's ``ws`` (False, True)
_positions: tuple[str, ...] = ("0",)  # "0", "1", ...: ID and HEAD cells
_NO_LAYERS = "\t_\t_\t_\t_\t_\t_\t_\t"  # LEMMA to DEPS of a record without layers
_WHITESPACE = re.compile(r"\s")  # what ``str.strip`` strips
_ROW_ENDS_KEPT = 4096  # row ends of sentences up to this long are kept between documents


def _plain(
    record: DocumentRecord, columns: TokenColumns, cells: _Cells, tags: list[str],
    tagged: list[int], entities: list[str | None] | None, sentences: list[tuple[int, int]],
    headers: Callable[[], list[str]], sent_id: str | None,
) -> str | None:  # fmt: skip
    """The lines of a record that was not read from CoNLL-U (no ``layers.extra``): each
    sentence's comments (``headers()``; made up here, after the first, with ``sent_id``
    the ``# sent_id`` prefix), token lines and blank line, made a column at a
    time by C-level ``map``, ``zip`` and one ``join`` over the document, a Python step only
    for tokens with an entity tag, coreference or an unusual gap, and per sentence.

    A row is its FORM, the cells a record has (LEMMA, FEATS... with the layer) with the
    constant cells between them, and a *row end*: the constant cells before MISC, MISC,
    the newline and the next row's ID cell (after a sentence's last row: the blank line,
    the next sentence's comments and its ``1``), so an entities-only record's row is two
    pieces. Row ends are taken whole (``_row_ends``, made once) as if a space followed each
    token, then those of tokens with none are swapped, and those with an entity tag made.
    None when a token is blank or a head lies outside its sentence: ``write_document``'s
    token loop handles (or refuses) those."""
    starts, ends = columns.starts, columns.ends
    text = cells.text
    forms = [text[start:end] for start, end in zip(starts, ends, strict=True)]
    words = "".join(forms)
    # a whitespace-only token folds into its gap (no whitespace and no empty token: none)
    if (_WHITESPACE.search(words) or "" in forms) and not all(map(str.strip, forms)):
        return None
    ws = columns.ws
    gaps: list[str] | None = None
    spaced: list[bool] = ws  # whether a token's gap is one space (else none, or unusual)
    marked = set(tagged)  # tokens with an entity tag
    if not _single_spaced(record.text, columns, words):
        gaps = list(map(record.text.__getitem__, map(slice, ends, starts[1:])))
        gaps.append(" " if ws[-1] else "")
        spaced = list(map(" ".__eq__, gaps))
        # a newline or several spaces after a token: its MISC is made
        marked.update(compress(range(len(gaps)), map(is_, map(_GAP_MISC.get, gaps), repeat(None))))
    if entities is not None:
        marked.update(i for i, entity in enumerate(entities) if entity)
    made: dict[int, str] = {}
    for i in marked:
        entity = entities[i] if entities is not None else None
        gap = gaps[i] if gaps is not None else " " if ws[i] else ""
        made[i] = _misc(None, entity, None if tags[i] == "O" else tags[i], gap)
    longest = -min(starmap(sub, sentences))  # the longest sentence's tokens
    positions = _numbers(longest + 2)
    heads = record.layers.heads
    head_cells: list[str] | None = None
    if heads is not None:
        head_cells = []
        for start, end in sentences:
            for index in range(start, end):
                head = heads[index]
                if head == index:
                    head_cells.append("0")
                elif start <= head < end:
                    head_cells.append(positions[head - start + 1])
                else:
                    return None
    if any(len(column) != len(forms) for column in cells.given if column is not None):
        return None  # layers that do not fit the tokens: the token loop's checks
    given = cells.given
    if head_cells is None and given.count(None) == len(given):  # entities only (most)
        pieces: list[list[str] | str] = [forms]
        tail = _NO_LAYERS
    else:
        pieces, tail = _merged(
            [forms, "\t", given.lemmas, "\t", given.upos, "\t", given.xpos, "\t",
             given.feats, "\t", head_cells, "\t", given.deprels, "\t_\t"]
        )  # fmt: skip
    spaced_ends, unspaced = _row_ends(tail, longest + 2)
    # each row's end as if a space followed its token: the row ends of the next IDs
    row_ends = list(
        chain.from_iterable(spaced_ends[2 : end - start + 2] for start, end in sentences)
    )
    skip = len(tail) + 2  # where the next ID starts in such a row end
    for i, misc in made.items():
        row_ends[i] = f"{tail}{misc}\n{row_ends[i][skip:]}"
    at = -1  # the tokens with no space after them (a few a document), found by C scans
    for _ in range(spaced.count(False)):
        at = spaced.index(False, at + 1)
        if at not in made:
            row_ends[at] = unspaced[row_ends[at]]
    later = headers()
    if sent_id is not None:  # made-up comments, spelt out as ``_made_up`` writes them
        text = cells.text  # no tab or newline: ``_cell`` would change nothing
        pairs = zip(sentences[:-1], sentences[1:], strict=True)  # a sentence and the next
        for number, ((_, end), (start, stop)) in enumerate(pairs, start=2):
            misc = made.get(end - 1) or _WS_MISC[spaced[end - 1]]
            row_ends[end - 1] = (  # one string: adjacent f-strings are built as one
                f"{tail}{misc}\n\n{sent_id}{number}\n"
                f"# text = {text[starts[start] : ends[stop - 1]]}\n1\t"
            )
    else:
        for (_, end), header in zip(sentences[:-1], later[1:], strict=True):
            misc = made.get(end - 1) or _WS_MISC[spaced[end - 1]]
            row_ends[end - 1] = f"{tail}{misc}\n\n{header}1\t"
    last = sentences[-1][1] - 1  # the document's last row: its blank line ends it
    row_ends[last] = f"{tail}{made.get(last) or _WS_MISC[spaced[last]]}\n\n"
    pieces.append(row_ends)
    return f"{later[0]}1\t" + "".join(_interleaved(pieces, len(forms)))


def _single_spaced(text: str, columns: TokenColumns, words: str) -> bool:
    """Whether every gap between tokens is one space or nothing (most text), so a token's
    gap is ``" "`` or ``""`` by its ``ws``: a few sums and counts instead of a slice a token.
    Tokens are sorted and never overlap, so the gaps are as long as the offsets leave between
    the first token's start and the last one's end, and hold the spaces there that the tokens
    do not. ``words``: the tokens' cells joined (as long as the tokens: a tab in a cell is
    a space)."""
    first, last, ws = columns.starts[0], columns.ends[-1], columns.ws
    spaced = ws.count(True) - ws[-1]  # gaps of at least one character
    if last - first - len(words) != spaced:
        return False
    return text.count(" ", first, last) - words.count(" ") == spaced


def _merged(cells: list[list[str] | str | None]) -> tuple[list[list[str] | str], str]:
    """A row's pieces before its row end, from columns (lists), constants (str) and absent
    columns (None, all ``_``): neighbouring constants joined into one; and the constant
    cells after the last column (they go into the row end)."""
    out: list[list[str] | str] = []
    constant = ""
    for cell in cells:
        if cell is None or isinstance(cell, str):
            constant += "_" if cell is None else cell
            continue
        if constant:
            out.append(constant)
            constant = ""
        out.append(cell)
    return out, constant


def _interleaved(pieces: list[list[str] | str], count: int) -> list[str]:
    """Each row's pieces one after the other (columns of ``count`` cells and constants), put
    in place by slice assignment: a third of the time of ``chain(*zip(...))``, which makes
    a tuple a row."""
    width = len(pieces)
    out = [""] * (width * count)
    for at, piece in enumerate(pieces):
        out[at::width] = [piece] * count if isinstance(piece, str) else piece
    return out


# by the constant cells before MISC: row ends with a space after the token, by the next ID,
# and the same with none, by the former
_row_ends_of: dict[str, tuple[tuple[str, ...], dict[str, str]]] = {}


def _row_ends(tail: str, count: int) -> tuple[tuple[str, ...], dict[str, str]]:
    """Row ends without an entity tag for next IDs below ``count``: those of a token with a
    space after it, by the next ID, and those of a token with none, by the former. Kept per
    ``tail`` (the few shapes of records) up to ``_ROW_ENDS_KEPT``; a longer pair replaces
    the shorter one whole, so threads never see one half-made."""
    kept = _row_ends_of.get(tail)
    if kept is not None and len(kept[0]) >= count:
        return kept
    size = max(count, min(2 * len(kept[0]) if kept else 0, _ROW_ENDS_KEPT))
    numbers = _numbers(size)
    spaced = tuple(f"{tail}_\n{numbers[n]}\t" for n in range(size))
    unspaced = {row: f"{tail}SpaceAfter=No\n{numbers[n]}\t" for n, row in enumerate(spaced)}
    if size <= _ROW_ENDS_KEPT:
        _row_ends_of[tail] = (spaced, unspaced)
    return spaced, unspaced


def _numbers(count: int) -> tuple[str, ...]:
    """At least ``count`` of ``"0"``, ``"1"``, ...; a longer tuple replaces the shorter one
    whole, so threads never see one half-made."""
    global _positions
    numbers = _positions
    if len(numbers) < count:
        numbers = tuple(map(str, range(max(count, 2 * len(numbers)))))
        _positions = numbers
    return numbers


def _misc(raw: str | None, entity: str | None, tag: str | None, gap: str | None) -> str:
    """The MISC cell: ``raw`` with Entity, NE and the spacing keys set (``gap`` None leaves
    spacing alone, inside a multiword token)."""
    if raw is None and gap is not None:
        # the common case, spelt out: keys in alphabetical order
        parts = []
        if entity:
            parts.append(f"Entity={entity}")
        if tag:
            parts.append(f"NE={tag}")
        if gap == "":
            parts.append("SpaceAfter=No")
        elif gap != " ":
            parts.append(f"SpacesAfter={escape_spaces(gap)}")
        return "|".join(parts) or "_"
    updates: dict[str, str | None] = {"Entity": entity, "NE": tag, "NER": None}
    if gap is not None:
        updates.update(space_items(gap))
    return merge_misc(raw, updates)


class _Cells:
    """A document's LEMMA, UPOS, XPOS, FEATS and DEPREL cells, made once per document."""

    def __init__(self, record: DocumentRecord, chosen: set[str], count: int) -> None:
        layers = record.layers
        with_pos = "pos" in chosen
        # the mapping is one character to one, so offsets into the text still hold
        self.text = _cell(record.text)
        absent = ["_"] * count  # shared by the layers a record lacks (never changed)
        if (
            layers.lemmas is None
            and layers.morphs is None
            and layers.deps is None
            and (not with_pos or (layers.pos is None and layers.tags is None))
        ):  # entities only (most records): what the lines below give, spelt out
            self.lemmas = self.upos = self.xpos = self.feats = self.deprels = absent
            self.given = _NONE_GIVEN
            return
        self.lemmas = _cells(layers.lemmas, absent)
        self.upos = _cells(layers.pos if with_pos else None, absent)
        self.xpos = _cells(layers.tags if with_pos else None, absent)
        self.feats = _cells(layers.morphs, absent)
        self.deprels = _cells(ud_deprels(layers.deps), absent)
        self.given = _Given(
            None if layers.lemmas is None else self.lemmas,
            None if not with_pos or layers.pos is None else self.upos,
            None if not with_pos or layers.tags is None else self.xpos,
            None if layers.morphs is None else self.feats,
            None if layers.deps is None else self.deprels,
        )


class _Given(NamedTuple):
    """The cell columns a record has (None: the layer is absent, every cell ``_``)."""

    lemmas: list[str] | None
    upos: list[str] | None
    xpos: list[str] | None
    feats: list[str] | None
    deprels: list[str] | None


_NONE_GIVEN = _Given(None, None, None, None, None)


def _cells(values: list[str | None] | None, absent: list[str]) -> list[str]:
    if values is None:
        return absent
    cells = [value or "_" for value in values]
    joined = "".join(cells)
    if "\t" in joined or "\n" in joined or "\r" in joined:
        return [_cell(cell) for cell in cells]
    return cells


def _made_up(doc_id: str, number: int, fresh: bool, annotator: str | None, text: str) -> str:
    """``_Header.comments`` of a sentence with nothing kept, spelt out."""
    if number > 1:
        return f"# sent_id = {doc_id}-{number}\n# text = {_cell(text)}\n"
    lines = f"# newdoc id = {doc_id}\n"
    if fresh:
        lines += "# global.Entity = eid-etype-head-other\n"
    lines += f"# sent_id = {doc_id}-1\n"
    if annotator:
        lines += f"# annotator = {_cell(annotator)}\n"
    return lines + f"# text = {_cell(text)}\n"


class _Header:
    """The comment lines before a sentence: kept ones verbatim, missing ones made up."""

    def __init__(
        self, doc_id: str, number: int, fresh_entities: bool, annotator: str | None
    ) -> None:
        self.doc_id = doc_id
        self.number = number
        self.fresh_entities = fresh_entities
        self.annotator = annotator

    def comments(self, meta: dict[str, Any], text: str) -> list[str]:
        if not meta:  # a sentence with nothing kept (most)
            return [_made_up(self.doc_id, self.number, self.fresh_entities, self.annotator, text)]
        kept = [str(line) + "\n" for line in meta.get("comments", ())]
        keys = {line.lstrip("#").partition("=")[0].strip() for line in kept}
        head: list[str] = []
        # A sentence read from CoNLL-U keeps its comments as they were: a file without
        # "# newdoc" (one document per sentence) gets none, so the round trip is exact.
        from_conllu = "comments" in meta
        if self.number == 1 and not from_conllu and not keys & {"newdoc id", "newdoc"}:
            head.append(f"# newdoc id = {self.doc_id}\n")
        if self.number == 1 and self.fresh_entities and "global.Entity" not in keys:
            line = "# global.Entity = eid-etype-head-other\n"
            at = next((i + 1 for i, k in enumerate(kept) if k.startswith("# newdoc")), None)
            if at is None:
                head.append(line)
            else:
                kept.insert(at, line)
        if "sent_id" not in keys:
            head.append(f"# sent_id = {meta.get('sent_id') or f'{self.doc_id}-{self.number}'}\n")
        tail: list[str] = []
        if self.number == 1 and self.annotator and "annotator" not in keys:
            # per-annotator exports repeat a document once per annotator: say whose this is
            tail.append(f"# annotator = {_cell(self.annotator)}\n")
        if meta.get("speaker") and "speaker" not in keys:  # CoNLL-2012's speaker column
            tail.append(f"# speaker = {_cell(str(meta['speaker']))}\n")
        if "text" not in keys:
            tail.append(f"# text = {_cell(text)}\n")
        return head + kept + tail


def _gaps(record: DocumentRecord, tokens: list[TokenRecord], kept: list[int]) -> dict[int, str]:
    """The whitespace after each written token (blank tokens fold into it)."""
    gaps: dict[int, str] = {}
    for index, after in zip(kept, [*kept[1:], None], strict=True):
        token = tokens[index]
        if after is None:
            gaps[index] = " " if token.ws else ""
        else:
            gaps[index] = record.text[token.end : tokens[after].start]
    return gaps


def _mwt_line(
    record: DocumentRecord,
    mwt: dict[str, Any],
    words: list[int],
    position: int,
    gaps: dict[int, str],
) -> str:
    tokens = record.tokens or []
    columns = [str(column) for column in mwt["columns"]]
    columns[-1] = merge_misc(columns[-1], space_items(gaps[words[-1]]))
    surface = record.text[tokens[words[0]].start : tokens[words[-1]].end]
    ident = f"{position}-{position + len(words) - 1}"
    return "\t".join([ident, _cell(surface), *columns]) + "\n"


def _entity_values(
    record: DocumentRecord, tokens: Sequence[Any], extra: list[dict[str, Any]], number: int
) -> list[str | None] | None:
    """Each token's Entity= value: the original brackets while they still fit, else fresh."""
    clusters = token_mentions(record, tokens, number)
    if record.layers.extra is None:
        return format_values(mentions_from_clusters(clusters), len(tokens)) if clusters else None
    wanted = {frozenset(cluster) for cluster in clusters}
    original = [_misc_entity(item.get("misc")) for item in extra]
    if any(original):
        try:
            mentions = mentions_from_values(original)
        except EntityError:
            mentions = []
        if {frozenset(cluster) for cluster in clusters_from_mentions(mentions)} == wanted:
            return original
    return format_values(mentions_from_clusters(clusters), len(tokens))


def _misc_entity(misc: str | None) -> str | None:
    for key, value in parse_misc(misc or "_"):
        if key == "Entity":
            return value
    return None


def _head(
    record: DocumentRecord, index: int, local: dict[int, int], gaps: dict[int, str], number: int
) -> str:
    heads = record.layers.heads
    if heads is None:
        return "_"
    head = heads[index]
    climbed = {index}
    # a whitespace-only token is not written: its dependents hang from its own head
    while head not in gaps and head not in climbed and 0 <= head < len(heads):
        climbed.add(head)
        head = heads[head]
    if head in climbed:
        return "0"
    if head not in local:
        raise InvalidInput(
            f"{describe(record, number)}: token {index} has its head {head} outside its sentence"
        )
    return str(local[head])


def _cell(value: str) -> str:
    if "\t" in value or "\n" in value or "\r" in value:  # C-level scans: rarely any
        return value.translate(_BAD_IN_CELL)
    return value
