"""Exporting a big project in several processes (``TEXTLABEL_EXPORT_PROCESSES``).

An export is CPU-bound Python (building records, formatting tokens) and holds the GIL, so
only processes can share it out. The line formats (JSONL, CoNLL-2003, CoNLL-U) write each
document on its own, so an export is the concatenation of the exports of consecutive ranges
of document ids: ``processes - 1`` spawned workers and the exporting process itself each
read and write ``CHUNK`` documents at a time (the workers with their own engine on the same
database, writing each range to a file the exporting process reads and removes), and the
exporting process hands the bytes on in id order with at most ``2 * processes`` of its own
ranges held in memory (a worker's wait in its files), so memory stays flat whatever the
size. The output is the same bytes as in one process (tested).

A range travels as pieces of about ``service.CHUNK_CHARS`` characters, never as one
string or buffer: a range of JSONL is ~3.4 MB, and making it whole (the joined text, its
UTF-8, the worker's file read back) took fresh pages from the kernel for each buffer and
gave them back when it was freed (~2 page faults a document, ~3 us each here).

Each range is read in its own transaction, so an export running while people save may mix
states across ranges (one process reads page by page too). Exports of fewer than
``MIN_RANGES`` ranges, in-memory SQLite and the other formats stay in the exporting process.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from textlabel.config import from_env
from textlabel.db import in_memory
from textlabel.models import Document, Project
from textlabel.projects.archive import ACTIVE

ENV = "TEXTLABEL_EXPORT_PROCESSES"
FORMATS = frozenset({"jsonl", "conll", "conllu"})
CHUNK = 500  # documents per range: ~4 MB of JSONL at 100 tokens a document
HELD = 2  # this process's own ranges held in memory, per process
MIN_RANGES = 5  # fewer ranges stay in one process: starting a worker costs ~0.8 s of CPU

_engines: dict[str, Engine] = {}  # a worker's engine per URL, made once
# A worker's session and project per URL and project id, kept across its ranges (a worker
# lives for one export): loading the project again cost ~0.9 ms a range.
_sessions: dict[tuple[str, int], tuple[Session, Project | None]] = {}


def processes_from_env() -> int:
    """``TEXTLABEL_EXPORT_PROCESSES`` (at least 1)."""
    return max(1, int(from_env("EXPORT_PROCESSES")))


def database_url(session: Session) -> str | None:
    """The URL workers can open, or None (in-memory SQLite is this process's alone)."""
    bind = session.get_bind()
    url = bind.engine.url
    if in_memory(url):
        return None
    return url.render_as_string(hide_password=False)


def ranges(session: Session, project: Project, ids: tuple[int, ...], size: int) -> Iterator[
    tuple[int, int | None]
]:  # fmt: skip
    """``(after, until)`` id ranges of ``size`` documents each (``until`` None: the rest)."""
    after = 0
    while True:
        until = session.scalar(
            select(Document.id)
            .where(Document.project_id == project.id, Document.id > after, ACTIVE)
            .where(Document.id.in_(ids) if ids else true())
            .order_by(Document.id)
            .offset(size - 1)
            .limit(1)
        )
        yield after, until
        if until is None:
            return
        after = until


def export(
    url: str, project_id: int, request: Any, bounds: Iterator[tuple[int, int | None]],
    processes: int, here: Callable[[int, int | None], list[bytes]],
) -> Iterator[list[bytes]]:  # fmt: skip
    """The export of each range (its pieces, ``range_chunks``), in order, from
    ``processes - 1`` workers and this process: a range goes to a worker while one is free
    (or has nothing queued), else ``here(after, until)`` exports it in this process, so
    both cores work and only one worker is started when ``processes`` is 2 (a spawned
    worker costs ~0.4 s of CPU before its first range).
    At most ``HELD * processes`` of this process's own ranges are held, so memory stays
    flat; a worker's finished ranges wait in their files and do not count: counting them
    (session 13) left this process waiting for the worker's range at the head ~40-90 times
    an export of 100,000 documents (~1 s of ~5.5), its own two ranges behind it.

    The worker is started at once with a task of its own (``_warm``) and gets ranges only
    when that is done: ranges it got at once waited ~0.45 s of CPU for its start-up, and
    this process, its own ranges held, for them (~0.3 s of ~5 s at 100,000 documents).

    A worker writes its range to a file in a folder of this export's and answers with the
    file's path: a range's ~4 MB sent back through the pool's pipe cost this process ~7 ms
    of CPU (unpickling, reading 64 KB at a time, a thread taking the GIL for each) and held
    the worker ~17 ms before its next range; a file costs ~1 and ~3 ms."""
    workers = processes - 1
    context = multiprocessing.get_context("spawn")  # never fork a threaded web server
    pool = ProcessPoolExecutor(workers, mp_context=context)
    ready = pool.submit(_warm, request.format)  # started now, given ranges once ready
    folder = tempfile.TemporaryDirectory(prefix="textlabel-export-")
    pending: deque[Future[list[bytes] | str]] = deque()
    try:
        for after, until in bounds:
            while pending and (pending[0].done() or _held(pending) >= HELD * processes):
                yield _taken(pending.popleft())
            free = sum(not future.done() for future in pending) <= workers
            if ready.done() and free:  # a worker has started and is free
                pending.append(
                    pool.submit(export_range, url, project_id, request, after, until, folder.name)
                )
            else:
                done: Future[list[bytes] | str] = Future()
                done.set_result(here(after, until))
                pending.append(done)
        while pending:
            yield _taken(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        folder.cleanup()  # ranges written but not taken (the client left)


def _warm(fmt: str) -> None:
    """In a new worker: what its first range would set up (the records' and the writer's
    modules, SQLAlchemy's mappers; importing this module brought SQLAlchemy and the models),
    so that it takes ranges only once it is ready."""
    from sqlalchemy.orm import configure_mappers

    import textlabel.export.records
    import textlabel.export.service  # noqa: F401
    from textlabel.export.registry import get_writer

    get_writer(fmt)
    configure_mappers()


def _held(pending: deque[Future[list[bytes] | str]]) -> int:
    """This process's own ranges among ``pending``, their bytes in memory (a worker's wait
    in its files, and the worker's own future is not done before its file is written)."""
    return sum(1 for future in pending if future.done() and isinstance(future.result(), list))


READ = 1 << 16  # bytes a read of a worker's file: pieces like this process's own


def _taken(future: Future[list[bytes] | str]) -> list[bytes]:
    """A range's pieces: this process's own, or read from the worker's file (then removed)
    ``READ`` bytes at a time."""
    result = future.result()
    if isinstance(result, list):
        return result
    path = Path(result)
    with path.open("rb", buffering=0) as handle:
        data = list(iter(partial(handle.read, READ), b""))
    path.unlink()
    return data


def range_chunks(
    session: Session, project: Project, request: Any, after: int, until: int | None
) -> list[bytes]:
    """The export of ``project``'s documents with ``after < id <= until``, as UTF-8 pieces
    of about ``service.CHUNK_CHARS`` characters (``service.encoded``), built with the cyclic
    garbage collector paused (``collector_paused``)."""
    from textlabel.export.records import project_records
    from textlabel.export.registry import get_writer
    from textlabel.export.service import encoded, write_options

    with collector_paused():
        records = project_records(session, project, request, after=after, until=until)
        return list(encoded(get_writer(request.format)(records, write_options(project, request))))


_pause_lock = threading.Lock()
_pauses = 0  # ranges being built in this process now (threads of a web server)
_was_enabled = False  # the collector's state when the first of them began


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a range is built, in a worker and in the
    exporting process alike: a range allocates tens of containers a document (rows,
    records, lists) and makes no cycles of its own, and the collections they set off cost
    3-9 % of its CPU. A range is short (~50 ms of CPU for 500 documents), and the collector,
    switched on again after it, collects what other threads left meanwhile on its own
    schedule (a ``gc.collect()`` per range cost ~35 ms). Counted, so overlapping exports in
    threads switch it on only when the last ends, and only if it was on before the first."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def export_range(
    url: str, project_id: int, request: Any, after: int, until: int | None, folder: str
) -> str:
    """In a worker: the export of the documents with ``after < id <= until``, written to a
    new file in ``folder``; its path."""
    from textlabel.db import make_engine

    held = _sessions.get((url, project_id))
    if held is None:
        engine = _engines.get(url) or _engines.setdefault(url, make_engine(url, immediate=False))
        session = Session(engine, expire_on_commit=False)
        held = _sessions[url, project_id] = (session, session.get(Project, project_id))
    session, project = held
    try:
        data = [] if project is None else range_chunks(session, project, request, after, until)
    except BaseException:
        session.rollback()
        raise
    session.commit()  # the range's own transaction ends; the project stays loaded
    handle, path = tempfile.mkstemp(suffix=".range", dir=folder)
    with os.fdopen(handle, "wb") as out:
        out.writelines(data)
    return path
