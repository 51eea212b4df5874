"""The import tokenizer's batch lay-out pieces (``textlabel.ingest.chunk_arrays``): offsets
spelt for a whole batch are the bytes ``repr`` gives each text's list, and the arrays by
chunk number keep each chunk's steps through drops, reuse of numbers and a rebuilt pool."""

from __future__ import annotations

import random

import numpy as np

from textlabel.ingest.chunk_arrays import LONGEST, ChunkArrays, spelt, steps_of


def test_offsets_spelt_for_a_batch_are_what_repr_spells_for_each_text() -> None:
    rng = random.Random(7)
    runs = [sorted(rng.randrange(LONGEST) for _ in range(rng.randrange(1, 60))) for _ in range(200)]
    runs += [[0], [9, 10], [99, 100, 999, 1000], [9999, 10000, LONGEST - 1], [5] * 4]
    runs += [sorted(rng.randrange(12) for _ in range(30))]  # one digit count only
    flat = np.array([n for run in runs for n in run], np.int64)
    ends = np.cumsum([len(run) for run in runs]).tolist()
    begins = [end - len(run) for end, run in zip(ends, runs, strict=True)]
    assert spelt(flat, begins, ends) == [repr(run)[1:-1] for run in runs]


def test_chunk_arrays_keep_each_chunks_steps_through_drops_and_a_rebuilt_pool() -> None:
    rng = random.Random(3)
    arrays = ChunkArrays(pool=16)  # rebuilt (and grown) many times below
    live: dict[str, tuple[int, ...]] = {}
    for round_ in range(40):
        chunks = [f"c{rng.randrange(80)}" for _ in range(rng.randrange(1, 12))]
        chunks = list(dict.fromkeys(chunks))
        steps = [tuple(rng.randrange(1, 9) for _ in range(rng.randrange(1, 6))) for _ in chunks]
        arrays.add(chunks, steps, [len(s) // 2 for s in steps], [False] * len(chunks),
                   [False] * len(chunks), [round_ % 2 == 0] * len(chunks))  # fmt: skip
        live.update(zip(chunks, steps, strict=True))
        gone = [chunk for chunk in live if rng.random() < 0.2]
        arrays.drop(gone)
        for chunk in gone:
            del live[chunk]
        names = list(live)
        numbers = np.array([arrays.numbers[name] for name in names], np.intp)
        got = steps_of(arrays, numbers, arrays.lengths[numbers]).tolist()
        assert got == [step for name in names for step in live[name]]
    assert len(set(arrays.numbers.values())) == len(live) and arrays.count <= 80
