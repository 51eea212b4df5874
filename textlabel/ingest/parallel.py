"""Tokenizing an import's batches in other processes while this one stores the previous ones.

spaCy's tokenizer is most of an import's CPU and holds the GIL, so threads cannot share it;
worker processes can. ``tokenized_batches`` keeps up to ``processes`` batches in the hands
of ``processes - 1`` workers and hands back each batch with its tokens, in file order, so the
database work of one batch overlaps the tokenizing of the next ones. Workers send back each
text's tokens only as the JSON the row stores (``Tokens.to_stored_json``'s bytes): the storing
process, the one that bounds an import's rate, stores them as they are and reads ``Tokens``
back from them only for a text whose annotations need them (one str a text is also cheaper
to pass between processes than three lists of ints). Every worker runs the same
``tokenize_many`` (tokens memoised per chunk, identical to ``tokenize_text`` whatever the
memo holds), so the tokens are the same bytes as in one process. A file of one batch is
tokenized here: starting workers (they load spaCy) costs more than it saves. Workers are
spawned, never forked from a threaded web server. ``TEXTLABEL_IMPORT_PROCESSES`` counts
the processes an import uses, this one included (default 1: all in this process; 2, the one
configuration that fits two cores: one worker tokenizes while this process stores, as
``TEXTLABEL_EXPORT_PROCESSES`` counts the exporting process too).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import chain
from typing import Any

from textlabel.config import from_env
from textlabel.ingest.tokenize import chunk_tokenizer, tokenize_many
from textlabel.tokens import Tokens

ENV = "TEXTLABEL_IMPORT_PROCESSES"

TextsOf = Callable[[list[Any]], list[str]]
Tokenized = tuple[list[Any], dict[str, Tokens], dict[str, str]]
"""A batch, ``{text: tokens}`` for the texts tokenized in this process, and ``{text: tokens
JSON}`` for those a worker tokenized; one of the two is empty."""


def processes_from_env() -> int:
    """``TEXTLABEL_IMPORT_PROCESSES`` (at least 1)."""
    return max(1, int(from_env("IMPORT_PROCESSES")))


def tokenized_batches(
    batches: Iterable[list[Any]], texts_of: TextsOf, processes: int
) -> Iterator[Tokenized]:
    """Each batch with ``{text: tokens}`` for the texts ``texts_of(batch)`` names, tokenized
    by ``processes - 1`` workers (by this process when that is none)."""
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
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        pending: deque[tuple[list[Any], list[str], Future[list[str]]]] = deque()

        def submit(batch: list[Any]) -> None:
            texts = texts_of(batch)
            pending.append((batch, texts, pool.submit(_tokenize_stored, texts)))

        submit(first)
        submit(second)
        for batch in iterator:
            if len(pending) > workers:
                yield _done(pending.popleft())
            submit(batch)
        while pending:
            yield _done(pending.popleft())


def _done(entry: tuple[list[Any], list[str], Future[list[str]]]) -> Tokenized:
    batch, texts, future = entry
    return batch, {}, dict(zip(texts, future.result(), strict=True))


def _tokenize_stored(texts: list[str]) -> list[str]:
    """In a worker: each text's tokens as the JSON a row stores."""
    return chunk_tokenizer().many_stored(texts)
