"""Conversion between spaCy ``Doc`` objects and plain ``DocumentRecord``s.

Pre-annotation turns every ``nlp.pipe`` result into a record (``doc_to_record``, a hot path:
per-token layers are read in bulk with ``Doc.to_array``), and the spaCy export turns records
back into ``Doc``s (``record_to_doc``).

Whitespace: spaCy keeps one trailing space per token and turns any other whitespace into
SPACE tokens ("York\\n is" -> "York", "\\n ", "is"). Records keep no whitespace tokens: a
token's gap to the next one is ``text[end:next.start]`` and ``ws`` says whether that gap is
non-empty. ``record_to_doc`` rebuilds the spaCy convention from the gaps: a gap starting with
one space becomes the previous token's trailing space, and whatever remains becomes a filler
token (a SPACE token for whitespace), so ``doc.text == record.text`` and every record token
keeps its character offsets.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Mapping, Sized
from typing import NamedTuple

import numpy as np
from spacy.attrs import DEP, HEAD, IDX, LEMMA, LENGTH, MORPH, POS, SENT_START, TAG
from spacy.parts_of_speech import IDS as POS_IDS
from spacy.parts_of_speech import NAMES as POS_NAMES
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from textlabel.errors import InvalidInput
from textlabel.layers import SPANS_KEY
from textlabel.records import DocumentRecord, MentionRecord, SpanRecord, TokenLayers, TokenRecord

ALL_LAYERS: tuple[str, ...] = (
    "entities", "pos", "tags", "lemmas", "morphs", "parse", "coref", "cats", "spans",
)  # fmt: skip
COREF_PREFIX = "coref_clusters_"
_COREF_KEY = re.compile(rf"{COREF_PREFIX}(\d+)$")
_FILLER_DEP = "dep"
_READ_ATTRS = [IDX, LENGTH, SENT_START, POS, TAG, LEMMA, MORPH, HEAD, DEP]
_SENT, _POS, _HEAD = 2, 3, 7


class ConvertedDoc(NamedTuple):
    """A record made from a Doc, with the spaCy entity labels ``label_map`` dropped."""

    record: DocumentRecord
    dropped: Counter[str]


def doc_to_record(
    doc: Doc,
    *,
    label_map: Mapping[str, str] | None = None,
    with_scores: bool = False,
) -> ConvertedDoc:
    """Read tokens, sentences, token layers, entities and coref clusters out of ``doc``.

    Whitespace tokens are left out (see the module docstring); a head that points at one is
    moved up the tree to the nearest real token. Entities are trimmed of edge whitespace
    (the small English model sometimes ends an entity on a newline). With ``label_map``,
    entity labels are renamed through it and unmapped labels are dropped and counted.
    ``with_scores`` is accepted for callers that want scores: spaCy's greedy NER (the only
    kind in en_core_web_sm) exposes no per-entity probability, so scores stay None.
    """
    del with_scores  # see docstring: nothing meaningful to read from a greedy NER
    text = doc.text
    arr = doc.to_array(_READ_ATTRS)
    # A bare Vocab leaves the lexemes' IS_SPACE flag unset, so ask the text itself.
    starts = arr[:, 0].tolist()
    space = [text[s : s + n].isspace() for s, n in zip(starts, arr[:, 1].tolist(), strict=True)]
    all_kept = not any(space)
    # Plain Python lists beat per-token numpy calls at ~100 tokens a document.
    kept = np.arange(len(arr)) if all_kept else np.flatnonzero(~np.array(space, dtype=bool))
    columns = (arr if all_kept else arr[kept]).T.tolist()
    starts = columns[0]
    ends = [start + length for start, length in zip(starts, columns[1], strict=True)]
    afters = [*starts[1:], len(text)] if starts else []
    ws = [end < after for end, after in zip(ends, afters, strict=True)]
    record = DocumentRecord(
        text=text,
        tokens=list(map(TokenRecord, starts, ends, ws)),
        sent_starts=_sent_starts(arr[:, _SENT].view(np.int64), columns[_SENT], kept, all_kept),
        layers=_token_layers(doc, arr, columns, kept, all_kept),
    )
    dropped: Counter[str] = Counter()
    for ent in doc.ents:
        label = ent.label_
        if label_map is not None:
            if label not in label_map:
                dropped[label] += 1
                continue
            label = label_map[label]
        bounds = _trimmed_chars(ent)
        if bounds is not None:
            record.spans.append(SpanRecord(bounds[0], bounds[1], label))
    record.coref = _coref_clusters(doc)
    return ConvertedDoc(record, dropped)


def _sent_starts(
    sent_start: np.ndarray, kept_sent_start: list[int], kept: np.ndarray, all_kept: bool
) -> list[int] | None:
    """Indices (among kept tokens) of the first real token of each sentence."""
    if not len(kept) or not (sent_start[1:] != 0).any():
        return None  # no sentence annotation (a tokenizer-only Doc)
    if all_kept:
        return [i for i, value in enumerate(kept_sent_start) if value == 1 or i == 0]
    sentence_of = np.cumsum(sent_start == 1)[kept]
    first = np.ones(len(kept), dtype=bool)
    first[1:] = sentence_of[1:] != sentence_of[:-1]
    return np.flatnonzero(first).tolist()


def _token_layers(
    doc: Doc, arr: np.ndarray, columns: list[list[int]], kept: np.ndarray, all_kept: bool
) -> TokenLayers:
    """Per-token layers of the kept tokens; a layer the Doc lacks stays None."""
    lookup = doc.vocab.strings.__getitem__

    def strings(col: int) -> list[str | None] | None:
        keys = columns[col]
        if not any(keys):
            return None
        values: list[str | None] = list(map(lookup, keys))
        return [v or None for v in values] if 0 in keys else values

    layers = TokenLayers()
    if not len(kept):
        return layers
    if any(columns[_POS]):
        layers.pos = [POS_NAMES[p] or None for p in columns[_POS]]
    layers.tags = strings(_POS + 1)
    layers.lemmas = strings(_POS + 2)
    layers.morphs = strings(_POS + 3)
    layers.deps = strings(_HEAD + 1)
    if layers.deps is not None:
        absolute = np.arange(len(arr)) + arr[:, _HEAD].view(np.int64)
        layers.heads = _kept_heads(absolute, kept, all_kept)
    return layers


def _kept_heads(absolute: np.ndarray, kept: np.ndarray, all_kept: bool) -> list[int]:
    """Absolute heads renumbered over kept tokens, skipping whitespace heads upwards."""
    if all_kept:
        heads: list[int] = absolute.tolist()
        return heads
    new_index = [-1] * len(absolute)
    for position, i in enumerate(kept.tolist()):
        new_index[i] = position
    heads = absolute.tolist()
    out = []
    for position, i in enumerate(kept.tolist()):
        head = heads[i]
        if new_index[head] < 0:  # rare: climb past whitespace, guarding against cycles
            seen = {i}
            while new_index[head] < 0 and head not in seen:
                seen.add(head)
                head = heads[head]
        out.append(new_index[head] if new_index[head] >= 0 else position)
    return out


def _trimmed_chars(span: Span) -> tuple[int, int] | None:
    """Character bounds of ``span`` without edge whitespace tokens (None if nothing is left)."""
    doc = span.doc
    start, end = span.start, span.end
    while start < end and doc[start].text.isspace():
        start += 1
    while end > start and doc[end - 1].text.isspace():
        end -= 1
    if start == end:
        return None
    last = doc[end - 1]
    return doc[start].idx, last.idx + len(last)


def _coref_clusters(doc: Doc) -> list[list[MentionRecord]]:
    """Clusters from ``coref_clusters_N`` span groups in numeric order, mentions in text order."""
    numbered = []
    for key in doc.spans:
        match = _COREF_KEY.match(key)
        if match:
            numbered.append((int(match.group(1)), key))
    clusters = []
    for _, key in sorted(numbered):
        group = doc.spans[key]
        score = group.attrs.get("confidence")
        score = float(score) if isinstance(score, int | float) else None
        bounds = {_trimmed_chars(span) for span in group}
        mentions = [
            MentionRecord(s, e, score) for s, e in sorted(b for b in bounds if b is not None)
        ]
        if mentions:
            clusters.append(mentions)
    return clusters


def record_to_doc(
    vocab: Vocab,
    record: DocumentRecord,
    *,
    layers: Collection[str] = ALL_LAYERS,
    tags_from_pos: bool = False,
) -> Doc:
    """Build a Doc whose text is exactly ``record.text``, with the record's annotation.

    ``layers`` picks what to carry over from ``ALL_LAYERS`` (a layer the record lacks is
    skipped). ``tags_from_pos`` puts the UPOS tags into ``token.tag_`` too, so that a spaCy
    tagger trained on the Doc learns the POS layer annotators correct. A span or mention
    that does not sit on token boundaries, or overlapping entities, raise ``InvalidInput``.
    """
    where = _where(record)
    if record.tokens is None:
        raise InvalidInput(f"{where}: the document has no tokens")
    text = record.text
    words: list[str] = []
    spaces: list[bool] = []
    index: list[int] = []  # doc position of each record token
    fillers: list[int] = []
    cursor = 0
    for token in record.tokens:
        if token.start < cursor or token.end <= token.start:
            raise InvalidInput(f"{where}: token [{token.start}, {token.end}) overlaps or is empty")
        if token.end > len(text):
            raise InvalidInput(
                f"{where}: token [{token.start}, {token.end}) is past the text's end"
            )
        if token.start > cursor:
            _add_gap(text[cursor : token.start], words, spaces, fillers)
        index.append(len(words))
        words.append(text[token.start : token.end])
        spaces.append(False)
        cursor = token.end
    if cursor < len(text):
        _add_gap(text[cursor:], words, spaces, fillers)
    doc = Doc(vocab, words=words, spaces=spaces)
    space_fillers = [i for i in fillers if words[i].isspace()]
    _set_token_layers(doc, record, index, fillers, space_fillers, layers, tags_from_pos, where)
    if "entities" in layers:
        _set_ents(doc, record, where)
    if "coref" in layers:
        for n, cluster in enumerate((c for c in record.coref if c), start=1):
            doc.spans[f"{COREF_PREFIX}{n}"] = [
                _char_span(doc, m.start, m.end, where, "coreference mention") for m in cluster
            ]
    if "cats" in layers and record.cats:
        doc.cats = dict(record.cats)
    if "spans" in layers and record.span_cats:
        doc.spans[SPANS_KEY] = [
            _char_span(doc, s.start, s.end, where, "span category", label=s.label)
            for s in record.span_cats
        ]
    return doc


def _add_gap(gap: str, words: list[str], spaces: list[bool], fillers: list[int]) -> None:
    """Uncovered text: one leading space trails the previous token, the rest is a filler."""
    if words and gap[0] == " ":
        spaces[-1] = True
        gap = gap[1:]
    if gap:
        fillers.append(len(words))
        words.append(gap)
        spaces.append(False)


def _set_token_layers(
    doc: Doc,
    record: DocumentRecord,
    index: list[int],
    fillers: list[int],
    space_fillers: list[int],
    layers: Collection[str],
    tags_from_pos: bool,
    where: str,
) -> None:
    """Write sentence starts and the chosen token layers with one ``Doc.from_array`` call."""
    n = len(doc)
    source = record.layers
    strings = doc.vocab.strings
    columns: list[int | str] = []
    values: list[np.ndarray] = []

    def add_strings(
        attr: int, tokens_values: list[str | None], filler_value: str, at: list[int]
    ) -> None:
        column = np.zeros(n, dtype=np.uint64)
        column[index] = [strings.add(v) if v else 0 for v in tokens_values]
        if filler_value:
            column[at] = strings.add(filler_value)
        columns.append(attr)
        values.append(column)

    pos = source.pos if "pos" in layers else None
    if pos is not None:
        _check_length(pos, index, where, "pos")
        unknown = {p for p in pos if p and p not in POS_IDS}
        if unknown:
            raise InvalidInput(f"{where}: not Universal POS tags: {', '.join(sorted(unknown))}")
        column = np.zeros(n, dtype=np.uint64)
        column[index] = [POS_IDS[p] if p else 0 for p in pos]
        column[space_fillers] = POS_IDS["SPACE"]
        columns.append(POS)
        values.append(column)
    tags = pos if tags_from_pos else (source.tags if "tags" in layers else None)
    if tags is not None:
        _check_length(tags, index, where, "tags")
        add_strings(TAG, tags, "SPACE" if tags_from_pos else "_SP", space_fillers)
    if "lemmas" in layers and source.lemmas is not None:
        _check_length(source.lemmas, index, where, "lemmas")
        add_strings(LEMMA, source.lemmas, "", [])
    if "morphs" in layers and source.morphs is not None:
        _check_length(source.morphs, index, where, "morphs")
        morphology = doc.vocab.morphology
        column = np.zeros(n, dtype=np.uint64)
        column[index] = [morphology.add(m) if m else 0 for m in source.morphs]
        columns.append(MORPH)
        values.append(column)
    if "parse" in layers and source.heads is not None and source.deps is not None:
        _check_length(source.heads, index, where, "heads")
        _check_length(source.deps, index, where, "deps")
        if any(not 0 <= h < len(index) for h in source.heads):
            raise InvalidInput(f"{where}: a head points outside the document")
        heads = np.arange(n, dtype=np.int64)
        heads[index] = np.asarray(index, dtype=np.int64)[np.asarray(source.heads, dtype=np.int64)]
        for f in fillers:  # whitespace hangs off its neighbour, as spaCy's parser attaches it
            heads[f] = f - 1 if f > 0 else (f + 1 if n > 1 else f)
        columns.append(HEAD)
        values.append((heads - np.arange(n, dtype=np.int64)).astype(np.uint64))
        add_strings(DEP, source.deps, _FILLER_DEP, fillers)
    elif record.sent_starts is not None:
        if any(not 0 <= i < len(index) for i in record.sent_starts):
            raise InvalidInput(f"{where}: a sentence starts outside the document")
        starts = np.full(n, -1, dtype=np.int64)
        starts[[index[i] for i in record.sent_starts]] = 1
        if fillers and fillers[0] == 0 and index and starts[index[0]] == 1:
            starts[0], starts[index[0]] = 1, -1  # leading whitespace opens the first sentence
        columns.append(SENT_START)
        values.append(starts.astype(np.uint64))
    if columns:
        doc.from_array(columns, np.stack(values, axis=1))  # type: ignore[arg-type]


def _check_length(layer: Sized, index: list[int], where: str, name: str) -> None:
    if len(layer) != len(index):
        raise InvalidInput(f"{where}: {name} has {len(layer)} values for {len(index)} tokens")


def _set_ents(doc: Doc, record: DocumentRecord, where: str) -> None:
    """Set ``doc.ents`` from the record's spans; every other token is a known "O"."""
    ents = sorted(
        (_char_span(doc, s.start, s.end, where, "entity", s.label) for s in record.spans),
        key=lambda span: (span.start, span.end),
    )
    for previous, current in zip(ents, ents[1:], strict=False):
        if current.start < previous.end:
            raise InvalidInput(
                f"{where}: entities overlap: [{previous.start_char}, {previous.end_char}) "
                f"{previous.label_} and [{current.start_char}, {current.end_char}) {current.label_}"
            )
    doc.set_ents(ents, default="outside")


def _char_span(doc: Doc, start: int, end: int, where: str, what: str, label: str = "") -> Span:
    if not label and what == "entity":
        raise InvalidInput(f"{where}: entity [{start}, {end}) has no label")
    span = doc.char_span(start, end, label=label, alignment_mode="strict")
    if span is None or not len(span):
        raise InvalidInput(
            f"{where}: {what} [{start}, {end}) {label} {doc.text[start:end]!r} "
            "does not sit on token boundaries"
        )
    return span


def _where(record: DocumentRecord) -> str:
    """Name a document in error messages: its id, else its source, else its first words."""
    doc_id = record.meta.get("id")
    if doc_id is not None:
        return f"document {doc_id}"
    if record.source is not None:
        return str(record.source)
    return f"document {record.text[:30]!r}"
