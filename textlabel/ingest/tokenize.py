"""Tokenizing imported text fast, with exactly the tokens ``nlp.pipeline.tokenize_text`` gives.

spaCy's tokenizer first cuts a text at whitespace, then splits each chunk (prefixes,
suffixes, infixes, special cases) on its own: the same chunk always gives the same tokens,
which is why spaCy caches them. It still builds a ``Doc`` per text and we still read it
token by token, about 4 us a token, most of an import's time. So this keeps its own cache,
chunk -> (token offsets in the chunk, what the sentencizer rule does with them), and
assembles a text's tokens with list operations; spaCy tokenizes each new chunk once, but
for a word of ASCII letters that no rule splits, which is one token (``_word``).

One thing in spaCy looks across chunks: special cases that contain affixes are found by a
phrase matcher over the whole Doc, whose matches may span two chunks (``: )`` against the
emoticon ``:)``). Where two neighbouring chunks could start such a match (their edge pieces
before matching are a pair some special case's tokens hold), spaCy cuts the run of such
chunks alone (a space between each, as in the text) and the text goes to spaCy whole if it
cut them otherwise than their cached tokens, so the result is the same in every case. A
chunk's edge token may itself be a special case the matcher put in (``:)`` in ``5@:) :)ok``,
whose pieces ``) :`` a rule ``):`` holds), so its edge pieces are the token and the edge
pieces of every rule whose edge token it is.
``tests/test_ingest_tokenize.py`` checks equality on real and made-up text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate, chain, compress, count, repeat
from operator import add, attrgetter, sub
from typing import Any, NamedTuple

import numpy as np
from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokenizer import Tokenizer
from spacy.vocab import Vocab

from textlabel.ingest.affix_search import (
    faster_infix_finditer,
    faster_prefix_search,
    faster_suffix_search,
    infix_search,
)
from textlabel.ingest.chunk_arrays import LONGEST, ChunkArrays, spelt, steps_of
from textlabel.nlp.pipeline import blank_english, tokenize_text
from textlabel.tokens import Tokens

MAX_CACHE = 40_000
"""Chunks remembered. A chunk is remembered as young when first seen and kept when a later
batch holds it again; when the cache is full the young ones go, so the frequent chunks
(words) stay while one-off chunks (numbers, names, ids) come and go. Only if the kept ones
fill half of it does the cache start over, from the chunks of the batch at hand."""

MAX_STRINGS = 150_000
"""spaCy's vocabulary keeps every string its tokenizer ever saw (a text's unique chunk, such
as a number, grew it by about 1.5 KB a document: unbounded over a large file): past this
many strings the tokenizer is replaced by a fresh pipeline's (about 0.3 s). Cached entries
hold offsets and hashes, not vocabulary entries, so they outlive it."""

MAX_SHAPES = 10_000
"""Entries remembered by how their chunk's tokens lie (``ChunkTokenizer._split``); past it
they start over."""

_NUMPY_ROWS = 32
"""Chunks learnt together from which ``_split`` reads the Doc with numpy: below it, numpy's
fixed cost a call was more than it saved (one text a call with new chunks: 122 against 182
us a text, /tmp/tok22/single_cold.py)."""

MAX_RUNS = 10_000
"""Runs of neighbouring chunks a special case might span whose answer is remembered
(``ChunkTokenizer._alike``; a few recur, most are one-off); past it they start over."""

_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace but the plain space
_RUNS = re.compile(r"\S+|\s+")  # str.isspace() runs, as spaCy cuts them
_SEPARATOR = "\n"  # between new chunks sent to spaCy together: a token no special case holds
# Sentencizer states: (a new sentence is pending, a sentence-final character was seen).
_STATES = ((False, False), (True, False), (False, True), (True, True))
# What a chunk of words does (also "word," and most others): nothing in state 0, else a
# sentence starts at its first token; the common case, skipped over.
_PLAIN = ((0, ()), (0, (0,)), (0, (0,)), (0, (0,)))


_Moves = tuple[tuple[int, tuple[int, ...]], ...]


class _Chunk(NamedTuple):
    offsets: tuple[int, ...]  # start, end, start, end... of its non-space tokens, in the chunk
    size: int  # its number of non-space tokens
    # per incoming state: (outgoing state, indices among the chunk's non-space tokens that
    # begin a sentence); None when they are _PLAIN
    moves: _Moves | None
    # the cross-chunk check: the pieces its first token may have been before spaCy's
    # matcher that end a special case's pair, and the last token's that begin one (or None)
    first: tuple[str, ...]
    last: tuple[str, ...] | None
    # its offsets as steps from the end of the chunk before it, one space before it: None
    # for a chunk of whitespace (or one whose last token ends short of the chunk's end)
    steps: tuple[int, ...] | None


_GUESSED = '"sents_guessed": true'
_SIZE = attrgetter("size")
_MOVES = attrgetter("moves")
_FIRST = attrgetter("first")
_LAST = attrgetter("last")
_STEPS = attrgetter("steps")


class _Arranged(NamedTuple):
    """Texts laid out together (``ChunkTokenizer._arranged``)."""

    offsets: np.ndarray  # the token offsets of the batch's texts of words, one after another
    # per text laid out: its index in the batch, where its offsets begin and end in
    # ``offsets``, its sentence starts
    spans: list[tuple[int, int, int, list[int]]]


_TOGETHER = 16
"""Texts a call needs for ``_arranged`` to lay them out together: its numpy calls cost some
40 us a call, more than laying out a few texts one by one (``tokenize(text)``: 6-word texts
11 against 50 us, 100-word texts 81 against 131; /tmp/tok21/single.py, load 14)."""


class ChunkTokenizer:
    """``tokenize_text`` for many texts, memoised per whitespace-delimited chunk."""

    def __init__(
        self, nlp: Language, *, max_cache: int = MAX_CACHE, max_strings: int = MAX_STRINGS,
        fresh: Callable[[], Language] | None = None,
    ) -> None:  # fmt: skip
        sentencizer = nlp.get_pipe("sentencizer")
        if not isinstance(sentencizer, Sentencizer):
            raise TypeError("the tokenizer pipeline needs a sentencizer")
        self.tokenizer = _light(nlp.tokenizer)
        self.strings = self.tokenizer.vocab.strings  # the tokenizer's vocabulary's, which grows
        self.specials = frozenset(self.tokenizer.rules or ())  # special cases' texts
        self.is_punct = self.tokenizer.vocab.lex_attr_getters[IS_PUNCT]
        self.ends = frozenset(nlp.vocab.strings.add(c) for c in sentencizer.punct_chars)
        self.end_hashes = np.array(sorted(self.ends), np.uint64).astype(np.int64)
        self.end_texts = frozenset(sentencizer.punct_chars)
        self.max_cache = max_cache
        self.max_strings = max_strings
        self.cache: dict[str, _Chunk] = {}
        self.young: set[str] = set()  # cached chunks no batch has held since the one they came in
        self.alike: dict[str, bool] = {}  # runs of chunks a special case might span: _alike
        self.shapes: dict[tuple[Any, ...], _Chunk] = {}  # entries by their tokens: _split
        self.pairs, self.first_pieces, self.last_pieces = _specials(nlp)
        if any(_SEPARATOR in pair for pair in self.pairs):
            raise ValueError("a special case holds a newline: chunks cannot be joined by one")
        self.pair_firsts = frozenset(a for a, _ in self.pairs)
        self.pair_seconds = frozenset(b for _, b in self.pairs)
        self.edge_texts = self.pair_firsts | self.pair_seconds | set(self.first_pieces)
        self.edge_texts |= set(self.last_pieces)  # a token whose _edges may not be empty
        self.infix_search = infix_search(self.tokenizer.infix_finditer)
        self.lock = threading.Lock()  # spaCy's tokenizer is not meant for threads at once
        self.keeping = threading.RLock()  # the cache and its arrays (threads of a web process)
        self.arrays = ChunkArrays()  # the cache's entries as arrays: _arranged
        self.fresh = fresh  # a new pipeline (a new vocabulary) when the cache starts over

    def __call__(self, text: str) -> Tokens:
        return self.many([text])[0]

    def many(self, texts: list[str]) -> list[Tokens]:
        """The tokens of each text; the chunks none of them has seen go to spaCy together."""
        cut, laid = self._prepared(texts)
        out: list[Tokens | None] = [None] * len(texts)
        if laid is not None:
            offsets = laid.offsets.tolist()
            for k, begin, end, starts in laid.spans:
                mine = offsets[begin:end]
                out[k] = Tokens(mine[0::2], mine[1::2], starts, len(texts[k]), sents_guessed=True)
        for k, tokens in enumerate(out):
            if tokens is None:
                one = self._lay_out(texts[k], *cut[k])
                if not isinstance(one, Tokens):
                    offsets, starts = one
                    one = Tokens(
                        offsets[0::2], offsets[1::2], starts, len(texts[k]), sents_guessed=True
                    )  # fmt: skip
                out[k] = one
        return out  # type: ignore[return-value]

    def many_stored(self, texts: list[str]) -> list[str]:
        """``many`` as a worker sends it: each text's tokens as the JSON stored
        (``Tokens.to_stored_json``'s bytes), spelt out from the offsets as laid out (those
        ``_arranged`` laid out together, at once: ``chunk_arrays.spelt``)."""
        cut, laid = self._prepared(texts)
        out: list[str | None] = [None] * len(texts)
        if laid is not None:
            numbers = spelt(
                laid.offsets, [s[1] for s in laid.spans], [s[2] for s in laid.spans]
            )  # fmt: skip
            for (k, _, _, starts), spelling in zip(laid.spans, numbers, strict=True):
                out[k] = f'{{"offsets": [{spelling}], "sent_starts": {starts!r}, {_GUESSED}}}'
        for k, stored in enumerate(out):
            if stored is None:
                one = self._lay_out(texts[k], *cut[k])
                out[k] = (
                    one.to_stored_json()
                    if isinstance(one, Tokens)
                    else f'{{"offsets": {one[0]!r}, "sent_starts": {one[1]!r}, {_GUESSED}}}'
                )
        return out  # type: ignore[return-value]

    def _prepared(
        self, texts: list[str]
    ) -> tuple[list[tuple[list[int] | None, list[str]]], _Arranged | None]:
        """Each text's chunks (``_chunks``) once every chunk among them is in the cache, and
        those laid out together (``_arranged``, in the same hold of the cache)."""
        cut = [_chunks(text) for text in texts]
        seen = set().union(*[chunks for _, chunks in cut])  # C-level set operations: hot path
        with self.keeping:
            self.young.difference_update(seen)  # seen again: kept
            new = seen.difference(self.cache)
            if new:
                if len(self.cache) + len(new) > self.max_cache:
                    new = self._make_room(seen, new)
                self._learn(sorted(new))
                self.young.update(new)
                if self.fresh is not None and len(self.strings) > self.max_strings:
                    fresh = _light(self.fresh().tokenizer)
                    with self.lock:
                        self.tokenizer, self.strings = fresh, fresh.vocab.strings
                        self.infix_search = infix_search(fresh.infix_finditer)
            return cut, self._arranged(texts, cut) if len(texts) >= _TOGETHER else None

    def _arranged(
        self, texts: list[str], cut: list[tuple[list[int] | None, list[str]]]
    ) -> _Arranged | None:
        """The batch's texts of words between single spaces laid out together from the
        chunks' arrays (``chunk_arrays``): every chunk's steps gathered and summed at once,
        where ``_lay_out`` makes a few C-level passes per text (most of a worker's time on
        known chunks). A text stays out (``_lay_out`` takes it) if it is too long for
        ``spelt``, holds a chunk without steps, or two neighbours a special case might join
        (their edge pieces are a pair: ``_apart``). Called holding ``keeping``, every chunk
        of ``cut`` cached."""
        picked = [
            k for k, (bases, _) in enumerate(cut) if bases is None and len(texts[k]) < LONGEST
        ]
        if not picked:
            return None
        arrays, cache = self.arrays, self.cache
        per_text = [cut[k][1] for k in picked]
        chunks = list(chain.from_iterable(per_text))
        numbers = np.fromiter(map(arrays.numbers.__getitem__, chunks), np.intp, len(chunks))
        counts = np.fromiter(map(len, per_text), np.intp, len(per_text))
        firsts = np.cumsum(counts) - counts  # each text's first chunk
        lens = arrays.lengths[numbers]
        out = lens == 0  # chunks that keep their text out
        linked = arrays.ends[numbers[:-1]] & arrays.begins[numbers[1:]]
        linked[firsts[1:] - 1] = False  # a text's last chunk and the next text's first
        for i in np.flatnonzero(linked).tolist():
            if self._pair(cache[chunks[i]].last, cache[chunks[i + 1]].first):  # type: ignore[arg-type]
                out[i] = True
        kept = (np.add.reduceat(out, firsts) == 0).tolist()
        # the offsets: every chunk's steps summed, less the steps before each text
        summed = np.cumsum(steps_of(arrays, numbers, lens))
        text_steps = np.add.reduceat(lens, firsts)
        step_ends = np.cumsum(text_steps)
        before = np.concatenate(([0], summed))[step_ends - text_steps]
        offsets = summed - np.repeat(before + 1, text_steps)
        # sentence starts: only chunks with moves are visited (``_starts``)
        token_sizes = arrays.sizes[numbers]
        token_firsts = (np.cumsum(token_sizes) - token_sizes).tolist()
        events = np.flatnonzero(arrays.eventful[numbers])
        bounds = np.append(firsts, len(chunks))
        event_bounds = np.searchsorted(events, bounds).tolist()
        event_list, bounds_list = events.tolist(), bounds.tolist()
        moves = [cache[chunks[i]].moves for i in event_list]
        spans: list[tuple[int, int, int, list[int]]] = []
        for n, (k, end, steps) in enumerate(
            zip(picked, step_ends.tolist(), text_steps.tolist(), strict=True)
        ):
            if kept[n]:
                a, b = event_bounds[n], event_bounds[n + 1]
                starts = _starts(
                    event_list[a:b], moves[a:b],  # type: ignore[arg-type]
                    token_firsts, bounds_list[n], bounds_list[n + 1],
                )  # fmt: skip
                spans.append((k, end - steps, end, starts))
        return _Arranged(offsets, spans)

    def _make_room(self, seen: set[str], new: set[str]) -> set[str]:
        """Drop the young chunks (none of them is in this batch); if the kept ones fill half
        the cache, start over from this batch's chunks: the others go and these are young
        again (learning them again, as a restart did, was most of a worker's time on real
        text whose batches hold thousands of distinct chunks). The batch's chunks to learn."""
        cache, pop = self.cache, self.cache.pop
        for chunk in self.young:
            pop(chunk, None)
        self.arrays.drop(list(self.young))
        self.young.clear()
        if len(cache) > self.max_cache // 2 or len(cache) + len(new) > self.max_cache:
            gone = [chunk for chunk in cache if chunk not in seen]
            for chunk in gone:
                pop(chunk)
            self.arrays.drop(gone)
            self.young.update(cache)
        return new

    def _lay_out(
        self, text: str, bases: list[int] | None, chunks: list[str]
    ) -> tuple[list[int], list[int]] | Tokens:
        """A text's token offsets (start, end, start, ...) and sentence starts from its
        chunks' entries, with C-level iterators (the hot path: per text, not per chunk)."""
        if not text:
            return Tokens([], [], [0], 0, sents_guessed=True)
        try:
            entries = list(map(self.cache.__getitem__, chunks))  # all learnt by _laid_out
        except KeyError:  # another thread's batch made room since
            entries = [self.cache.get(chunk) or self._learn([chunk])[0] for chunk in chunks]
        if not self._apart(chunks, entries):
            return tokenize_text(text)  # a special case spans two chunks
        if bases is None:  # words between single spaces: each chunk's steps in turn
            steps = list(map(_STEPS, entries))
            if None not in steps:
                offsets = list(accumulate(chain.from_iterable(steps), initial=-1))
                del offsets[0]
                return offsets, _sentence_starts(entries)
            bases = _bases(chunks)
        offsets = [base + o for base, e in zip(bases, entries, strict=True) for o in e.offsets]
        return offsets, _sentence_starts(entries)

    def _apart(self, chunks: list[str], entries: list[_Chunk]) -> bool:
        """Whether the chunks' own tokens are the text's: no special case spans two of them.
        Only where two neighbours' edge pieces are a pair some special case holds (chunks
        with a ``last``, found in C) can one, and then the run of such neighbours is asked
        of spaCy alone (``_alike``): such runs recur (``Telephone: (713)``), and sending
        their texts to spaCy whole was 7-10 % of a worker's time."""
        ends = list(compress(count(), map(_LAST, entries[:-1])))
        if not ends:
            return True
        runs: list[list[int]] = []  # [first, last] chunk of each run of linked neighbours
        for i in ends:
            if entries[i + 1].first and self._pair(entries[i].last, entries[i + 1].first):  # type: ignore[arg-type]
                if runs and runs[-1][1] == i:
                    runs[-1][1] = i + 1
                else:
                    runs.append([i, i + 1])
        return all(self._alike(chunks[a : b + 1], entries[a : b + 1]) for a, b in runs)

    def _alike(self, chunks: list[str], entries: list[_Chunk]) -> bool:
        """Whether spaCy cuts ``chunks`` joined by spaces (as they stand in a text: a space
        between two neighbouring chunks belongs to the first) as their entries say. Its
        matcher's matches there cannot reach past the run (no pair links it to the chunks
        around), so the answer holds in any text; remembered per run."""
        run = " ".join(chunks)
        alike = self.alike.get(run)
        if alike is None:
            with self.lock:
                doc = self.tokenizer(run)
            rows = doc.to_array([IDX, LENGTH, IS_SPACE]).tolist()
            cut = [o for idx, n, space in rows if not space for o in (idx, idx + n)]
            bases = _bases(chunks)
            alike = cut == [b + o for b, e in zip(bases, entries, strict=True) for o in e.offsets]
            if len(self.alike) >= MAX_RUNS:
                self.alike.clear()
            self.alike[run] = alike
        return alike

    def _pair(self, lasts: tuple[str, ...], firsts: tuple[str, ...]) -> bool:
        pairs = self.pairs
        return any((last, first) in pairs for last in lasts for first in firsts)

    def _edges(self, first: str, last: str) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
        """A chunk's ``first`` and ``last`` (see ``_Chunk``) from its edge tokens."""
        heads = {first, *self.first_pieces.get(first, ())} & self.pair_seconds
        tails = {last, *self.last_pieces.get(last, ())} & self.pair_firsts
        return tuple(sorted(heads)), tuple(sorted(tails)) or None

    def _learn(self, chunks: list[str]) -> list[_Chunk]:
        """Tokenize new chunks and remember them. Chunks of non-space characters go to spaCy
        as one text, joined by newlines: spaCy cuts there anyway, and no special case holds
        a newline token, so its matcher cannot join neighbours (joined by spaces, any two
        that might, such as ``Telephone:`` and ``(713)``, sent the whole group to spaCy one
        chunk at a time). Whitespace chunks, which a newline would join, go one by one."""
        words = [chunk for chunk in chunks if not chunk[0].isspace()]
        alone = [chunk for chunk in chunks if chunk[0].isspace()]
        learnt: dict[str, _Chunk] = {}
        for word in [w for w in words if w.isascii() and w.isalpha()]:  # str tests, in C
            entry = self._word(word)
            if entry is not None:
                learnt[word] = entry
        if learnt:
            words = [w for w in words if w not in learnt]
        for first in range(0, len(words), 5000):
            group = words[first : first + 5000]
            learnt.update(zip(group, self._split(group), strict=True))
        for chunk in alone:
            learnt[chunk] = self._split([chunk])[0]
        entries = list(learnt.values())
        with self.keeping:
            self.cache.update(learnt)
            self.arrays.add(
                list(learnt), list(map(_STEPS, entries)), list(map(_SIZE, entries)),
                [e.moves is not None for e in entries], [e.last is not None for e in entries],
                [bool(e.first) for e in entries],
            )  # fmt: skip
        return [learnt[chunk] for chunk in chunks]

    def _word(self, word: str) -> _Chunk | None:
        """The entry of a chunk of ASCII letters that spaCy keeps whole, without spaCy (half
        the new chunks of real text: names, rare words), or None to ask spaCy. spaCy splits a
        chunk only at a special case (``cannot``, ``gonna``, ``xD``: no punctuation needed),
        a prefix, a suffix or an infix; with none of them it is one token, and its flags
        are the sentencizer's and the vocabulary's own tests of the text."""
        tokenizer = self.tokenizer
        prefix, suffix, infix = (
            tokenizer.prefix_search, tokenizer.suffix_search, self.infix_search
        )  # fmt: skip
        if (
            word in self.specials
            or (prefix is not None and prefix(word) is not None)
            or (suffix is not None and suffix(word) is not None)
            or (infix is not None and infix(word) is not None)
        ):
            return None
        if word in self.edge_texts:
            first, last = self._edges(word, word)
        else:  # neither a piece of a special case nor a token one puts in: no edge pieces
            first, last = (), None
        flags = ((word in self.end_texts, bool(self.is_punct(word)), False),)
        return _Chunk((0, len(word)), 1, _moves(flags), first, last, (1, len(word)))

    def _split(self, chunks: list[str]) -> list[_Chunk]:
        """The entries of ``chunks`` from one spaCy Doc of them joined by newlines (a single
        chunk of whitespace alone: a newline would join its run). The Doc's tokens are
        placed in their chunks (with numpy for many: ``_rows_numpy``), and a chunk whose
        tokens lie as an earlier one's did (``(#12345)`` as ``(#67890)``: the same length,
        offsets and flags, and the same edge tokens where those have edge pieces) shares its
        entry (``shapes``): building entries was most of what learning a one-off chunk cost
        besides spaCy."""
        text = _SEPARATOR.join(chunks)
        with self.lock:
            doc = self.tokenizer(text)
        if len(chunks) < _NUMPY_ROWS:
            rows, bounds = self._rows(doc, chunks)
        else:
            rows, bounds = self._rows_numpy(doc, chunks)
        out: list[_Chunk] = []
        edge_texts, shapes = self.edge_texts, self.shapes
        for k, chunk in enumerate(chunks):
            mine = rows[bounds[k] : bounds[k + 1]]
            first = chunk[mine[0][0] : mine[0][1]]
            last = chunk[mine[-1][0] : mine[-1][1]]
            # the edge pieces follow from the edge tokens: those that have some are in the key
            edged = first in edge_texts or last in edge_texts
            shape = (first, last, len(chunk), *mine) if edged else (len(chunk), *mine)
            entry = shapes.get(shape)
            if entry is None:
                if len(shapes) >= MAX_SHAPES:
                    shapes.clear()
                edges = self._edges(first, last) if edged else ((), None)
                entry = shapes[shape] = _entry(mine, len(chunk), *edges)
            out.append(entry)
        return out

    def _rows_numpy(
        self, doc: Any, chunks: list[str]
    ) -> tuple[list[tuple[int, int, bool, bool, bool]], list[int]]:
        """Each token's (start and end in its chunk, sentence-final, punctuation, space), and
        where each chunk's tokens begin and end among them: numpy for many chunks (the
        64-bit ORTH hashes never become Python ints: one isin against the sentence-final)."""
        array = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT, IS_SPACE]).astype(np.int64)
        lengths = np.fromiter(map(len, chunks), np.int64, len(chunks))
        bases = np.cumsum(lengths + len(_SEPARATOR)) - lengths - len(_SEPARATOR)
        which = np.searchsorted(bases, array[:, 0], "right") - 1
        starts = array[:, 0] - bases[which]
        inside = starts < lengths[which]  # not a separator's token
        which, starts, array = which[inside], starts[inside], array[inside]
        bounds = np.searchsorted(which, np.arange(len(chunks) + 1)).tolist()
        rows = list(
            zip(
                starts.tolist(), (starts + array[:, 1]).tolist(),
                np.isin(array[:, 2], self.end_hashes).tolist(),
                (array[:, 3] != 0).tolist(), (array[:, 4] != 0).tolist(), strict=True,
            )
        )  # fmt: skip
        return rows, bounds

    def _rows(
        self, doc: Any, chunks: list[str]
    ) -> tuple[list[tuple[int, int, bool, bool, bool]], list[int]]:
        """``_rows_numpy`` for a few chunks (numpy's calls cost more there), in Python."""
        raw = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT, IS_SPACE]).tolist()
        ends = self.ends
        rows: list[tuple[int, int, bool, bool, bool]] = []
        bounds = [0]
        position, end = 0, 0
        for chunk in chunks:
            base, end = end, end + len(chunk)
            while position < len(raw) and raw[position][0] < base:
                position += 1  # the separator's token
            while position < len(raw) and raw[position][0] < end:
                idx, n, orth, punct, space = raw[position]
                rows.append((idx - base, idx - base + n, orth in ends, bool(punct), bool(space)))
                position += 1
            bounds.append(len(rows))
            end += len(_SEPARATOR)
        return rows, bounds


def _entry(
    rows: list[tuple[int, int, bool, bool, bool]],
    length: int,
    first: tuple[str, ...],
    last: tuple[str, ...] | None,
) -> _Chunk:
    """A chunk's entry from its tokens' (start, end, sentence-final, punctuation, space) and
    its edge pieces."""
    offsets = [o for start, end, _, _, space in rows if not space for o in (start, end)]
    # steps: the first from one before the chunk (the space after the previous one)
    whole = bool(offsets) and offsets[-1] == length and not any(row[4] for row in rows)
    steps = tuple(map(sub, offsets, [-1, *offsets[:-1]])) if whole else None
    flags = tuple(row[2:] for row in rows)
    return _Chunk(tuple(offsets), len(offsets) // 2, _moves(flags), first, last, steps)


def _chunks(text: str) -> tuple[list[int] | None, list[str]]:
    """Where each of spaCy's chunks of ``text`` starts (None for words between single
    spaces: one space after the previous chunk, ``_bases``), and the chunks."""
    if not text:
        return [], []
    # whitespace but the plain space is Unicode's "Other" or "Separator", which a printable
    # text holds none of: isprintable() (in C, ~2.5x faster) answers most texts alone
    if (
        "  " in text or text[0] == " " or text[-1] == " "
        or (not text.isprintable() and _OTHER_SPACE.search(text))
    ):  # fmt: skip
        return _cut(text)
    return None, text.split(" ")  # the common case: words between single spaces


def _bases(chunks: list[str]) -> list[int]:
    """Where each chunk starts when single spaces join them (C-level iterators)."""
    return list(accumulate(map(add, map(len, chunks[:-1]), repeat(1)), initial=0))


def _cut(text: str) -> tuple[list[int], list[str]]:
    """spaCy's chunks: runs of non-space and of space characters, where the one space that
    follows a word belongs to the word (it is its ``whitespace_``), not to a chunk."""
    bases: list[int] = []
    chunks: list[str] = []
    for match in _RUNS.finditer(text):
        base, chunk = match.start(), match.group()
        if base and chunk[0] == " ":
            base, chunk = base + 1, chunk[1:]
            if not chunk:
                continue
        bases.append(base)
        chunks.append(chunk)
    return bases, chunks


@lru_cache(maxsize=4096)
def _moves(flags: tuple[tuple[bool, bool, bool], ...]) -> _Moves | None:
    """A chunk's ``moves`` from its tokens' (sentence-final, punctuation, space) flags; few
    patterns recur (a word, "(#12)", "end."), so each is simulated once."""
    if not any(any(flag) for flag in flags):  # words only
        return None
    moves = tuple(_simulate(flags, state) for state in range(4))
    return None if moves == _PLAIN else moves


def _simulate(
    flags: tuple[tuple[bool, bool, bool], ...], state: int
) -> tuple[int, tuple[int, ...]]:
    """The sentencizer's rule (as ``tokenize_text`` runs it) over one chunk's tokens: a
    sentence starts at the first token that is not punctuation after a sentence-final one;
    space tokens take no sentence start."""
    new_sentence, seen_end = _STATES[state]
    starts: list[int] = []
    position = 0
    for is_end, is_punct, is_space in flags:
        if seen_end and not is_punct and not is_end:
            new_sentence, seen_end = True, False
        elif is_end:
            seen_end = True
        if is_space:
            continue
        if new_sentence:
            starts.append(position)
            new_sentence = False
        position += 1
    return _STATES.index((new_sentence, seen_end)), tuple(starts)


def _sentence_starts(entries: list[_Chunk]) -> list[int]:
    """Sentence starts of a text (token indices) from its chunks' moves (``_starts``)."""
    moves = list(map(_MOVES, entries))
    eventful = list(compress(count(), moves))
    if not eventful:
        return [0]
    firsts = list(accumulate(map(_SIZE, entries), initial=0))  # each chunk's first token
    return _starts(eventful, [moves[i] for i in eventful], firsts, 0, len(entries))


def _starts(
    eventful: list[int], moves: list[_Moves], firsts: list[int], begin: int, end: int
) -> list[int]:
    """Sentence starts (token indices from the text's first) of the text made of chunks
    ``begin`` to ``end`` (excluded) of a sequence whose chunks ``eventful`` (with these
    ``moves``) are its chunks with moves and ``firsts`` their first tokens. Chunks of plain
    words change nothing in state 0 and start a sentence in any other, so only the others
    are visited, and the plain chunk after one that leaves a pending state."""
    if not eventful:
        return [0]
    origin = firsts[begin]
    sent_starts: list[int] = []
    state, position = 1, begin  # position: the first chunk not yet visited
    for index, move in zip(eventful, moves, strict=True):
        if state and position < index:  # a plain chunk after a pending state
            sent_starts.append(firsts[position] - origin)
            state = 0
        state, local = move[state]
        if local:
            first = firsts[index] - origin
            sent_starts.extend([first + k for k in local])
        position = index + 1
    if state and position < end:
        sent_starts.append(firsts[position] - origin)
    return sent_starts or [0]


def _specials(
    nlp: Language,
) -> tuple[frozenset[tuple[str, str]], dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Neighbouring tokens in any special case's affix-split form: what spaCy's phrase
    matcher of special cases looks for in a Doc (a superset: spaCy adds only some rules);
    and for each first (last) token a rule puts in, the first (last) pieces of the rules
    that put it: what was there before the matcher."""
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError("a spaCy Tokenizer is needed")
    bare = Tokenizer(
        nlp.vocab, rules={}, prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match, url_match=tokenizer.url_match,
    )  # fmt: skip
    pairs: set[tuple[str, str]] = set()
    firsts: dict[str, set[str]] = {}
    lasts: dict[str, set[str]] = {}
    for rule, made in (tokenizer.rules or {}).items():
        words = [token.text for token in bare(rule)]
        pairs.update(zip(words, words[1:], strict=False))
        if words and made:
            firsts.setdefault(made[0][ORTH], set()).add(words[0])
            lasts.setdefault(made[-1][ORTH], set()).add(words[-1])
    return (
        frozenset(pairs),
        {token: frozenset(pieces) for token, pieces in firsts.items()},
        {token: frozenset(pieces) for token, pieces in lasts.items()},
    )


def _light(tokenizer: Tokenizer) -> Tokenizer:
    """The same rules over a vocabulary that computes only the lexeme attributes read here.
    spaCy computes some twenty for each string it has not seen (shape, norm, prefix, suffix,
    like_num...: 40 % of learning a one-off chunk such as ``(#123)``), and none of them
    changes where it cuts: affixes, special cases and the URL match look at the text. Its
    affix searches are the same ones made faster (``affix_search``: the same matches)."""
    getters = tokenizer.vocab.lex_attr_getters
    vocab = Vocab(lex_attr_getters={IS_PUNCT: getters[IS_PUNCT], IS_SPACE: getters[IS_SPACE]})
    return Tokenizer(
        vocab,
        rules=tokenizer.rules,
        prefix_search=faster_prefix_search(tokenizer.prefix_search),
        suffix_search=faster_suffix_search(tokenizer.suffix_search),
        infix_finditer=faster_infix_finditer(tokenizer.infix_finditer),
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
        faster_heuristics=tokenizer.faster_heuristics,
    )


@lru_cache(maxsize=1)
def chunk_tokenizer() -> ChunkTokenizer:
    """The process's shared tokenizer (English rules, as ``tokenize_text``)."""
    return ChunkTokenizer(blank_english(), fresh=blank_english)


def tokenize(text: str) -> Tokens:
    """``tokenize_text(text)``, memoised per chunk (see the module docstring)."""
    return chunk_tokenizer()(text)


def tokenize_many(texts: list[str]) -> list[Tokens]:
    """``[tokenize_text(text) for text in texts]``, memoised per chunk."""
    return chunk_tokenizer().many(texts)
