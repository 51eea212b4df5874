"""Tokenizing an import's batches in other processes while this one stores the previous ones.

spaCy's tokenizer is most of an import's CPU and holds the GIL, so threads cannot share it;
worker processes can. ``tokenized_batches`` keeps ``AHEAD`` batches queued for each of
``processes - 1`` workers and hands back each batch with its tokens, in file order, so the
database work of one batch overlaps the tokenizing of the next ones. Workers send back each
text's tokens only as the JSON the row stores (``Tokens.to_stored_json``'s bytes): the storing
process, the one that bounds an import's rate, stores them as they are and reads ``Tokens``
back from them only for a text whose annotations need them (one str a text is also cheaper
to pass between processes than three lists of ints). Every worker runs the same
``tokenize_many`` (tokens memoised per chunk, identical to ``tokenize_text`` whatever the
memo holds), so the tokens are the same bytes as in one process. A file of one batch is
tokenized here: starting workers (they load spaCy) costs more than it saves. Workers are
forked when this process runs one thread only (an import child, the CLI, a bench), so they
start with spaCy already imported and the tokenizer built here (a spawned worker spent ~1.1 s
of CPU and ~1.9 s before its first batch importing it, ~11 us a document at 100,000, and
builds its own), and spawned otherwise: never forked
from a threaded web server. ``TEXTLABEL_IMPORT_PROCESSES`` counts
the processes an import uses, this one included (default 1: all in this process; 2, the one
configuration that fits two cores: one worker tokenizes while this process stores, as
``TEXTLABEL_EXPORT_PROCESSES`` counts the exporting process too).
"""

from __future__ import annotations

import multiprocessing
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain
from typing import Any

from textlabel.config import from_env
from textlabel.forking import initializer, start_method
from textlabel.ingest.tokenize import chunk_tokenizer, tokenize_many
from textlabel.tokens import Tokens

ENV = "TEXTLABEL_IMPORT_PROCESSES"

TextsOf = Callable[[list[Any]], list[str]]
Tokenized = tuple[list[Any], dict[str, Tokens], dict[str, str]]
"""A batch, ``{text: tokens}`` for the texts tokenized in this process, and ``{text: tokens
JSON}`` for those a worker tokenized; one of the two is empty."""


@dataclass(slots=True)
class Timeline:
    """When an import with a worker did what (``time.monotonic()``, one clock for every process
    on Linux), for ``bench/ingest.py`` to say what the wall time is made of."""

    began: float = 0.0  # the first batch asked of the reader
    pool: float = 0.0  # the worker asked for (its spawn, imports and spaCy follow)
    ended: float = 0.0  # the last batch stored (the pool's shutdown follows)
    # per batch, in the worker: task began, tokenizer ready (spaCy loaded), task ended
    worker: list[tuple[float, float, float]] = field(default_factory=list)
    waits: list[tuple[float, float]] = field(default_factory=list)  # storing process, per batch


_timeline: Timeline | None = None


@contextmanager
def timeline() -> Iterator[Timeline]:
    """Record the imports run inside (in this thread's process; benches only) on one Timeline."""
    global _timeline
    _timeline = recorded = Timeline()
    try:
        yield recorded
    finally:
        _timeline = None


def processes_from_env() -> int:
    """``TEXTLABEL_IMPORT_PROCESSES`` (at least 1)."""
    return max(1, int(from_env("IMPORT_PROCESSES")))


AHEAD = 4
"""Batches a worker has queued while this process stores one. With one, the worker idled
whenever a batch took this process longer to store than the worker took to tokenize the
next (commits and the write lock vary); a queue absorbs the variation on both sides. Same
run, 50,000 rows, load 4.4-5.2 (``bench/ingest.py``'s timeline): the worker waited 1.6-2.1 s
for batches, against 2.9-3.0 s (most of the rest is passing batches between the
processes). Memory: a few batches of texts and their JSON."""


def tokenized_batches(
    batches: Iterable[list[Any]], texts_of: TextsOf, processes: int
) -> Iterator[Tokenized]:
    """Each batch with ``{text: tokens}`` for the texts ``texts_of(batch)`` names, tokenized
    by ``processes - 1`` workers (by this process when that is none)."""
    recorded = _timeline
    if recorded is not None:
        recorded.began = time.monotonic()
    iterator = iter(batches)
    first = next(iterator, None)
    if first is None:
        return
    second = next(iterator, None)
    if processes <= 1 or second is None:
        # chain, not a tuple with *iterator: that would read the whole file before its first batch
        for batch in chain((first,), () if second is None else (second,), iterator):
            texts = texts_of(batch)
            yield batch, dict(zip(texts, tokenize_many(texts), strict=True)), {}
        return
    workers = processes - 1
    method = start_method()
    context = multiprocessing.get_context(method)
    if method == "fork":
        # built here, once a process: every pool's workers (one per file imported) start with
        # it, where each built its own (~0.3 s; an import child has it from its launcher)
        chunk_tokenizer()
    if recorded is not None:
        recorded.pool = time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=context, initializer=initializer(method)) as pool:
        pending: deque[tuple[list[Any], list[str], Future[_Stored]]] = deque()

        def submit(batch: list[Any]) -> None:
            texts = texts_of(batch)
            pending.append((batch, texts, pool.submit(_tokenize_stored, texts)))

        for batch in chain((first, second), iterator):
            submit(batch)  # before the wait: the batch read is the worker's at once
            if len(pending) > AHEAD * workers:
                yield _done(pending.popleft(), recorded)
        while pending:
            yield _done(pending.popleft(), recorded)
        if recorded is not None:
            recorded.ended = time.monotonic()  # before the pool shuts down


_Stored = tuple[list[str], tuple[float, float, float]]


def _done(
    entry: tuple[list[Any], list[str], Future[_Stored]], recorded: Timeline | None
) -> Tokenized:
    batch, texts, future = entry
    waited = time.monotonic() if recorded is not None else 0.0
    stored, times = future.result()
    if recorded is not None:
        recorded.waits.append((waited, time.monotonic()))
        recorded.worker.append(times)
    return batch, {}, dict(zip(texts, stored, strict=True))


def _tokenize_stored(texts: list[str]) -> _Stored:
    """In a worker: each text's tokens as the JSON a row stores, and when the task began, had
    its tokenizer (the first loads spaCy) and ended (``Timeline``: a few floats a batch)."""
    began = time.monotonic()
    tokenizer = chunk_tokenizer()
    ready = time.monotonic()
    return tokenizer.many_stored(texts), (began, ready, time.monotonic())
