"""Tokenizing imported text fast, with exactly the tokens ``nlp.pipeline.tokenize_text`` gives.

spaCy's tokenizer first cuts a text at whitespace, then splits each chunk (prefixes,
suffixes, infixes, special cases) on its own: the same chunk always gives the same tokens,
which is why spaCy caches them. It still builds a ``Doc`` per text and we still read it
token by token, about 4 us a token, most of an import's time. So this keeps its own cache,
chunk -> (token offsets in the chunk, what the sentencizer rule does with them), and
assembles a text's tokens with list operations; spaCy tokenizes each new chunk once.

One thing in spaCy looks across chunks: special cases that contain affixes are found by a
phrase matcher over the whole Doc, whose matches may span two chunks (``: )`` against the
emoticon ``:)``). A text where two neighbouring chunks could start such a match (their edge
tokens are a pair some special case's tokens hold) is handed to spaCy whole, so the result
is the same in every case. ``tests/test_ingest_tokenize.py`` checks equality on real text.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate, repeat
from operator import add, attrgetter
from typing import NamedTuple

from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, ORTH
from spacy.language import Language
from spacy.pipeline import Sentencizer
from spacy.tokenizer import Tokenizer

from textlabel.nlp.pipeline import blank_english, tokenize_text
from textlabel.tokens import Tokens

MAX_CACHE = 40_000
"""Chunks remembered. A chunk is remembered as young when first seen and kept when a later
batch holds it again; when the cache is full the young ones go, so the frequent chunks
(words) stay while one-off chunks (numbers, names, ids) come and go. Only if the kept ones
fill half of it does the cache start over."""

MAX_STRINGS = 150_000
"""spaCy's vocabulary keeps every string its tokenizer ever saw (a text's unique chunk, such
as a number, grew it by about 1.5 KB a document: unbounded over a large file): past this
many strings the tokenizer is replaced by a fresh pipeline's (about 0.3 s). Cached entries
hold offsets and hashes, not vocabulary entries, so they outlive it."""

_OTHER_SPACE = re.compile(r"[^\S ]")  # whitespace but the plain space
_RUNS = re.compile(r"\S+|\s+")  # str.isspace() runs, as spaCy cuts them
# Sentencizer states: (a new sentence is pending, a sentence-final character was seen).
_STATES = ((False, False), (True, False), (False, True), (True, True))
# What a chunk of words does (also "word," and most others): nothing in state 0, else a
# sentence starts at its first token; the common case, skipped over.
_PLAIN = ((0, ()), (0, (0,)), (0, (0,)), (0, (0,)))


class _Chunk(NamedTuple):
    offsets: tuple[int, ...]  # start, end, start, end... of its non-space tokens, in the chunk
    size: int  # its number of non-space tokens
    # per incoming state: (outgoing state, indices among the chunk's non-space tokens that
    # begin a sentence); None when they are _PLAIN
    moves: tuple[tuple[int, tuple[int, ...]], ...] | None
    first: str  # text of its first token, for the cross-chunk check
    last: str | None  # text of its last token if a special case's pair starts with it


_SIZE = attrgetter("size")


class ChunkTokenizer:
    """``tokenize_text`` for many texts, memoised per whitespace-delimited chunk."""

    def __init__(
        self, nlp: Language, *, max_cache: int = MAX_CACHE, max_strings: int = MAX_STRINGS,
        fresh: Callable[[], Language] | None = None,
    ) -> None:  # fmt: skip
        sentencizer = nlp.get_pipe("sentencizer")
        if not isinstance(sentencizer, Sentencizer):
            raise TypeError("the tokenizer pipeline needs a sentencizer")
        self.tokenizer = nlp.tokenizer
        self.ends = frozenset(nlp.vocab.strings.add(c) for c in sentencizer.punct_chars)
        self.max_cache = max_cache
        self.max_strings = max_strings
        self.cache: dict[str, _Chunk] = {}
        self.young: set[str] = set()  # cached chunks no batch has held since the one they came in
        self.pairs = _special_pairs(nlp)
        self.pair_firsts = frozenset(a for a, _ in self.pairs)
        self.lock = threading.Lock()  # spaCy's tokenizer is not meant for threads at once
        self.fresh = fresh  # a new pipeline (a new vocabulary) when the cache starts over

    def __call__(self, text: str) -> Tokens:
        return self.many([text])[0]

    def many(self, texts: list[str]) -> list[Tokens]:
        """The tokens of each text; the chunks none of them has seen go to spaCy together."""
        cut = [_chunks(text) for text in texts]
        seen = set().union(*[chunks for _, chunks in cut])  # C-level set operations: hot path
        self.young.difference_update(seen)  # seen again: kept
        new = seen.difference(self.cache)
        if new:
            if len(self.cache) + len(new) > self.max_cache:
                new = self._make_room(seen, new)
            self._learn(sorted(new))
            self.young.update(new)
            if self.fresh is not None and len(self.tokenizer.vocab.strings) > self.max_strings:
                with self.lock:
                    self.tokenizer = self.fresh().tokenizer
        return [self._assemble(text, *pieces) for text, pieces in zip(texts, cut, strict=True)]

    def _make_room(self, seen: set[str], new: set[str]) -> set[str]:
        """Drop the young chunks (none of them is in this batch); if the kept ones fill half
        the cache, start over. The batch's chunks still to learn."""
        cache, pop = self.cache, self.cache.pop
        for chunk in self.young:
            pop(chunk, None)
        self.young.clear()
        if len(cache) > self.max_cache // 2 or len(cache) + len(new) > self.max_cache:
            cache.clear()
            return seen
        return new

    def _assemble(self, text: str, bases: list[int], chunks: list[str]) -> Tokens:
        if not text:
            return Tokens([], [], [0], 0, sents_guessed=True)
        cache = self.cache
        entries = [cache.get(chunk) or self._learn([chunk])[0] for chunk in chunks]
        pairs = self.pairs
        for index, entry in enumerate(entries[:-1]):
            if entry.last is not None and (entry.last, entries[index + 1].first) in pairs:
                return tokenize_text(text)  # a special case may span these chunks
        offsets = [base + o for base, e in zip(bases, entries, strict=True) for o in e.offsets]
        return Tokens(
            offsets[0::2], offsets[1::2], _sentence_starts(entries), len(text), sents_guessed=True
        )

    def _learn(self, chunks: list[str]) -> list[_Chunk]:
        """Tokenize new chunks and remember them. Chunks of non-space characters go to spaCy
        as one text, joined by single spaces (where spaCy cuts anyway); whitespace chunks,
        which a joining space would change, and any group whose neighbours might form a
        special case across the join, one by one."""
        words = [chunk for chunk in chunks if not chunk[0].isspace()]
        alone = [chunk for chunk in chunks if chunk[0].isspace()]
        learnt: dict[str, _Chunk] = {}
        for first in range(0, len(words), 5000):
            group = words[first : first + 5000]
            found = self._split(" ".join(group), group)
            if found is None:
                alone += group
            else:
                learnt.update(zip(group, found, strict=True))
        for chunk in alone:  # one chunk has no neighbour: never None
            learnt[chunk] = (self._split(chunk, [chunk]) or [])[0]
        self.cache.update(learnt)
        return [learnt[chunk] for chunk in chunks]

    def _split(self, text: str, chunks: list[str]) -> list[_Chunk] | None:
        """The entries of ``chunks`` from one spaCy Doc of ``text`` (them joined by spaces),
        or None if two neighbours might have formed a special case across the join."""
        with self.lock:
            doc = self.tokenizer(text)
        rows = doc.to_array([IDX, LENGTH, ORTH, IS_PUNCT, IS_SPACE]).tolist()
        out: list[_Chunk] = []
        position, end = 0, 0
        previous_last: str | None = None
        for chunk in chunks:
            base, end = end, end + len(chunk)
            mine = []
            while position < len(rows) and rows[position][0] < end:
                mine.append(rows[position])
                position += 1
            first = text[mine[0][0] : mine[0][0] + mine[0][1]]
            last = text[mine[-1][0] : mine[-1][0] + mine[-1][1]]
            if previous_last is not None and (previous_last, first) in self.pairs:
                return None
            previous_last = last if last in self.pair_firsts else None
            out.append(self._entry(mine, base, first, previous_last))
            end += 1  # the joining space
        return out

    def _entry(self, rows: list[list[int]], base: int, first: str, last: str | None) -> _Chunk:
        offsets = [
            o for idx, n, _, _, space in rows if not space for o in (idx - base, idx - base + n)
        ]
        flags = [(orth in self.ends, bool(punct), bool(space)) for _, _, orth, punct, space in rows]
        if not any(any(flag) for flag in flags):  # words only
            return _Chunk(tuple(offsets), len(offsets) // 2, None, first, last)
        moves = tuple(_simulate(flags, state) for state in range(4))
        plain = moves == _PLAIN
        return _Chunk(tuple(offsets), len(offsets) // 2, None if plain else moves, first, last)


def _chunks(text: str) -> tuple[list[int], list[str]]:
    """Where each of spaCy's chunks of ``text`` starts, and the chunks."""
    if not text:
        return [], []
    if "  " in text or text[0] == " " or text[-1] == " " or _OTHER_SPACE.search(text):
        return _cut(text)
    chunks = text.split(" ")  # the common case: words between single spaces
    # each chunk starts one space after the previous one ends (C-level iterators: hot path)
    return list(accumulate(map(add, map(len, chunks[:-1]), repeat(1)), initial=0)), chunks


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


def _simulate(flags: list[tuple[bool, bool, bool]], state: int) -> tuple[int, tuple[int, ...]]:
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
    """Sentence starts of a text (token indices) from its chunks' moves; chunks of plain
    words in state 0 change nothing, so only the others and their next chunk are visited."""
    offsets = list(accumulate(map(_SIZE, entries), initial=0))
    eventful = [i for i, e in enumerate(entries) if e.moves is not None]
    sent_starts: list[int] = []
    state, index, pointer, count = 1, 0, 0, len(entries)
    while index < count:
        if state == 0:  # skip to the next chunk that can change anything
            while pointer < len(eventful) and eventful[pointer] < index:
                pointer += 1
            if pointer == len(eventful):
                break
            index = eventful[pointer]
        moves = entries[index].moves
        if moves is None:  # _PLAIN, after a pending sentence start
            sent_starts.append(offsets[index])
            state = 0
        else:
            state, local = moves[state]
            sent_starts.extend(offsets[index] + k for k in local)
        index += 1
    return sent_starts or [0]


def _special_pairs(nlp: Language) -> frozenset[tuple[str, str]]:
    """Neighbouring tokens in any special case's affix-split form: what spaCy's phrase
    matcher of special cases looks for in a Doc (a superset: spaCy adds only some rules)."""
    tokenizer = nlp.tokenizer
    if not isinstance(tokenizer, Tokenizer):
        raise TypeError("a spaCy Tokenizer is needed")
    bare = Tokenizer(
        nlp.vocab, rules={}, prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search, infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match, url_match=tokenizer.url_match,
    )  # fmt: skip
    pairs: set[tuple[str, str]] = set()
    for rule in tokenizer.rules or {}:
        words = [token.text for token in bare(rule)]
        pairs.update(zip(words, words[1:], strict=False))
    return frozenset(pairs)


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
