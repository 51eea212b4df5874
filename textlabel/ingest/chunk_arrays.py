"""The import tokenizer's cached chunks as numpy arrays, for laying a batch out at once.

``ChunkTokenizer`` lays a text out from its chunks' cached steps and moves. Per text that is
a few C-level passes over some 100 chunks and 200 numbers, then ``repr`` of the offsets: most
of a tokenizing worker's time once its chunks are known. Here every cached chunk has a
number, and what the lay-out reads of it (its steps, token count, whether it has moves or
may join a special case with a neighbour) sits in arrays by that number, so a batch's 30,000
chunks are gathered, summed and spelt with a few numpy operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import numpy as np

LONGEST = 100_000
"""Offsets ``spelt`` spells: below this (five digits). Longer texts are laid out one by one."""


class ChunkArrays:
    """Per cached chunk, by its number (``numbers``): where its steps are in ``pool`` and
    how many, its token count and three flags. A chunk learnt again keeps its number; a
    dropped one's number is reused; ``pool`` keeps dropped chunks' steps until it is full,
    then is rebuilt from the live ones."""

    def __init__(self, pool: int = 1 << 16) -> None:
        self.numbers: dict[str, int] = {}
        self.free: list[int] = []
        self.count = 0  # numbers given out
        self.pool = np.zeros(pool, np.int64)
        self.used = 0  # of pool
        self.starts = np.zeros(1 << 12, np.intp)  # in pool
        self.lengths = np.zeros(1 << 12, np.intp)  # steps; 0: none (such a text is laid out alone)
        self.sizes = np.zeros(1 << 12, np.intp)  # tokens
        self.eventful = np.zeros(1 << 12, bool)  # it has moves
        self.ends = np.zeros(1 << 12, bool)  # it has a ``last``
        self.begins = np.zeros(1 << 12, bool)  # it has a ``first``

    def drop(self, chunks: Sequence[str]) -> None:
        pop = self.numbers.pop
        self.free.extend(
            number for number in map(pop, chunks, [None] * len(chunks)) if number is not None
        )

    def add(
        self,
        chunks: Sequence[str],
        steps: Sequence[tuple[int, ...] | None],
        sizes: Sequence[int],
        eventful: Sequence[bool],
        ends: Sequence[bool],
        begins: Sequence[bool],
    ) -> None:
        """Number ``chunks`` (those already numbered keep theirs) and store their values."""
        given = [s or () for s in steps]
        lengths = np.fromiter(map(len, given), np.intp, len(given))
        total = int(lengths.sum())
        if self.used + total > len(self.pool):
            self._repool(total)
        numbers = self.numbers
        taken: list[int] = []
        for chunk in chunks:
            number = numbers.get(chunk)
            if number is None:
                if self.free:
                    number = self.free.pop()
                else:
                    number = self.count
                    self.count += 1
                numbers[chunk] = number
            taken.append(number)
        if self.count > len(self.sizes):
            self._grow(self.count)
        at = np.array(taken, np.intp)
        self.pool[self.used : self.used + total] = np.fromiter(
            chain.from_iterable(given), np.int64, total
        )
        self.starts[at] = self.used + np.cumsum(lengths) - lengths
        self.used += total
        self.lengths[at] = lengths
        self.sizes[at] = sizes
        self.eventful[at] = eventful
        self.ends[at] = ends
        self.begins[at] = begins

    def _grow(self, count: int) -> None:
        size = max(count, 2 * len(self.sizes))
        for name in ("starts", "lengths", "sizes", "eventful", "ends", "begins"):
            old = getattr(self, name)
            new = np.zeros(size, old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _repool(self, room: int) -> None:
        """Make ``room`` in ``pool``: keep only live chunks' steps, and grow it if they fill
        more than half of it."""
        live = np.fromiter(self.numbers.values(), np.intp, len(self.numbers))
        lengths = self.lengths[live]
        total = int(lengths.sum())
        size = len(self.pool)
        while 2 * (total + room) > size:
            size *= 2
        at = np.repeat(self.starts[live] - (np.cumsum(lengths) - lengths), lengths)
        kept = self.pool[at + np.arange(total)]
        self.pool = np.zeros(size, np.int64)
        self.pool[:total] = kept
        self.starts[live] = np.cumsum(lengths) - lengths
        self.used = total


def steps_of(arrays: ChunkArrays, numbers: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The steps of the chunks ``numbers`` (of ``lengths`` steps each), one after another."""
    firsts = np.cumsum(lengths) - lengths
    at = np.repeat(arrays.starts[numbers] - firsts, lengths)
    return arrays.pool[at + np.arange(int(lengths.sum()))]


_EDGES = np.array([10, 100, 1_000, 10_000])  # where numbers get one more digit


@lru_cache(maxsize=5)
def _spellings(digits: int) -> np.ndarray:
    """Each number of ``digits`` digits (and 0) followed by ", ", as a fixed-width bytes array."""
    low = 0 if digits == 1 else 10 ** (digits - 1)
    return np.array([f"{n}, ".encode("ascii") for n in range(low, 10**digits)], f"S{digits + 2}")


def spelt(offsets: np.ndarray, begins: Sequence[int], ends: Sequence[int]) -> list[str]:
    """Each run ``offsets[begin:end]`` as ``repr`` spells a list of them, without the brackets.
    The offsets of a text never decrease, so a run is its one-digit numbers, then its
    two-digit ones...: each digit count's numbers are gathered from a table of fixed-width
    spellings for the whole batch at once, where ``repr`` converts them one by one."""
    classes = np.searchsorted(_EDGES, offsets, side="right")
    parts: list[tuple[str, list[int], list[int]]] = []
    for digits in range(1, int(classes.max()) + 2 if offsets.size else 1):
        mine = classes == digits - 1
        chosen = offsets[mine]
        if not chosen.size:
            continue
        low = 0 if digits == 1 else 10 ** (digits - 1)
        text = _spellings(digits)[chosen - low].tobytes().decode("ascii")
        before = np.concatenate(([0], np.cumsum(mine))) * (digits + 2)
        parts.append((text, before[begins].tolist(), before[ends].tolist()))
    out = []
    for n in range(len(begins)):
        out.append("".join([text[a[n] : b[n]] for text, a, b in parts])[:-2])
    return out
