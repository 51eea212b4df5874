"""Exporting a big project in several processes (``TEXTLABEL_EXPORT_PROCESSES``).

An export is CPU-bound Python (building records, formatting tokens) and holds the GIL, so
only processes can share it out. The line formats (JSONL, CoNLL-2003, CoNLL-U) write each
document on its own, so an export is the concatenation of the exports of consecutive ranges
of document ids: ``processes - 1`` workers (forked or spawned: ``export``) and the exporting
process itself each read and write ``CHUNK`` documents at a time (the workers on their own
driver connection to the same database, without SQLAlchemy: ``worker``, writing each range
to a file the exporting process reads and removes), and the exporting process hands the
bytes on in id order with at most ``2 * processes`` of its own ranges held in memory (a
worker's wait in its files), so memory stays flat whatever the size. The output is the same
bytes as in one process (tested).

A range travels as pieces of about ``base.CHUNK_CHARS`` characters, never as one
string or buffer: a range of JSONL is ~3.4 MB, and making it whole (the joined text, its
UTF-8, the worker's file read back) took fresh pages from the kernel for each buffer and
gave them back when it was freed (~2 page faults a document, ~3 us each here).

Each range is read in its own transaction, so an export running while people save may mix
states across ranges (one process reads page by page too). Exports of fewer than
``MIN_RANGES`` ranges, in-memory SQLite and the other formats stay in the exporting process.
"""

from __future__ import annotations

import multiprocessing
import tempfile
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from functools import partial
from pathlib import Path

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from textlabel.config import from_env
from textlabel.db import BUSY_TIMEOUT_S, in_memory
from textlabel.export import worker
from textlabel.export.request import ExportRequest
from textlabel.export.worker import collector_paused
from textlabel.forking import initializer, start_method
from textlabel.models import Document, Project
from textlabel.projects.archive import ACTIVE

ENV = "TEXTLABEL_EXPORT_PROCESSES"
FORMATS = frozenset({"jsonl", "conll", "conllu"})
CHUNK = 500  # documents per range: ~4 MB of JSONL at 100 tokens a document
HELD = 2  # this process's own ranges held in memory, per process
MIN_RANGES = 5  # fewer ranges stay in one process: a worker costs 0.1-0.3 s of CPU to start


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


def plan(session: Session, project: Project, request: ExportRequest) -> worker.Plan:
    """What a worker needs to export any range of ``request`` (``worker.Plan``): this
    session's database as the driver connects to it, the page queries as compiled here
    (``records.page_queries``), the project's settings and the user names."""
    from textlabel.export.records import PAGE, page_queries, user_names
    from textlabel.export.service import write_options

    engine = session.get_bind().engine
    args, kwargs = engine.dialect.create_connect_args(engine.url)
    if engine.dialect.name == "sqlite":
        kwargs = {**kwargs, "timeout": BUSY_TIMEOUT_S}  # as ``db.make_engine`` connects
    # SQLAlchemy's psycopg adapters (a "context") change only how JSON and inet values load;
    # the page queries select JSON as text and read no inet: the driver's defaults read the
    # same rows (and the map does not pickle)
    kwargs = {key: value for key, value in kwargs.items() if key != "context"}
    documents, annotations, spans, by_ids = page_queries(session, request)
    return worker.Plan(
        driver=engine.dialect.name, connect=(tuple(args), dict(kwargs)),
        documents=worker.Query(documents.sql, documents.names, documents.values),
        annotations=worker.Query(annotations.sql, annotations.names, annotations.values),
        spans=worker.Query(spans.sql, spans.names, spans.values),
        by_ids=by_ids, page=PAGE, project_id=project.id,
        project=worker.Settings(tuple(project.layers), project.overlap),
        request=request, options=write_options(project, request), names=user_names(session),
    )  # fmt: skip


def export(
    plan: worker.Plan, bounds: Iterator[tuple[int, int | None]], processes: int,
    here: Callable[[int, int | None], list[bytes]],
) -> Iterator[list[bytes]]:  # fmt: skip
    """The export of each range (its pieces, ``range_chunks``), in order, from
    ``processes - 1`` workers and this process: a range goes to a worker while one is free
    (or has nothing queued), else ``here(after, until)`` exports it in this process, so
    both cores work and only one worker is started when ``processes`` is 2 (a spawned
    worker costs 0.1-0.3 s of CPU before its first range, ``worker``).
    At most ``HELD * processes`` of this process's own ranges are held, so memory stays
    flat; a worker's finished ranges wait in their files and do not count: counting them
    (session 13) left this process waiting for the worker's range at the head ~40-90 times
    an export of 100,000 documents (~1 s of ~5.5), its own two ranges behind it.

    The worker is started at once with a task of its own (``worker.warm``) and gets ranges only
    when that is done: ranges it got at once waited ~0.45 s of CPU for its start-up, and
    this process, its own ranges held, for them (~0.3 s of ~5 s at 100,000 documents).
    On PostgreSQL it is forked when this process runs one thread (``forking.start_method``:
    the CLI, a job, a bench; never a threaded web server): it starts with psycopg and the
    writers imported, 0.01-0.02 s of CPU and ready after 0.02-0.18 s, against 0.25-0.29 s
    and 0.66-1.23 s spawned (``psycopg``'s import and the interpreter's). On SQLite it is
    always spawned: a forked child would inherit SQLite's per-process record of the locks
    this process's open connection holds, and its own new connection would trust locks the
    child does not hold (SQLite forbids carrying a connection across a fork; a spawned
    worker's start-up is 0.10-0.12 s).

    A worker writes its range to a file in a folder of this export's and answers with the
    file's path: a range's ~4 MB sent back through the pool's pipe cost this process ~7 ms
    of CPU (unpickling, reading 64 KB at a time, a thread taking the GIL for each) and held
    the worker ~17 ms before its next range; a file costs ~1 and ~3 ms."""
    workers = processes - 1
    method = start_method() if plan.driver == "postgresql" else "spawn"
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context(method), initializer=initializer(method)
    )
    ready = pool.submit(worker.warm, plan)  # started now, given ranges once ready
    folder = tempfile.TemporaryDirectory(prefix="textlabel-export-")
    pending: deque[Future[list[bytes] | str]] = deque()
    try:
        for after, until in bounds:
            while pending and (pending[0].done() or _held(pending) >= HELD * processes):
                yield _taken(pending.popleft())
            free = sum(not future.done() for future in pending) <= workers
            if ready.done() and free:  # a worker has started and is free
                pending.append(pool.submit(worker.export_range, plan, after, until, folder.name))
            else:
                done: Future[list[bytes] | str] = Future()
                done.set_result(here(after, until))
                pending.append(done)
        while pending:
            yield _taken(pending.popleft())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        folder.cleanup()  # ranges written but not taken (the client left)


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


def range_chunks(session: Session, plan: worker.Plan, after: int, until: int | None) -> list[bytes]:
    """The export of the documents with ``after < id <= until``, made in this process as a
    worker makes it (``worker.records`` and the writer, with the collector paused), but read
    on this session's own connection, in its transaction; as UTF-8 pieces of about
    ``base.CHUNK_CHARS`` characters (``base.encoded``). Through the session's records
    (``records.project_records``: the user names read, the page queries looked up and the
    project's write options made again each range) a range cost this process 1-2 us a
    document more (8 ranges, alternating, load 8.6: JSONL from PostgreSQL 78.5 -> 77.3 us
    min, 83.7 -> 81.8 median; CoNLL-U from SQLite 69.6 -> 67.7 min)."""
    from textlabel.export.base import encoded
    from textlabel.export.registry import get_writer

    with collector_paused():
        db = session.connection().connection  # the driver's, as ``rows.DriverQuery`` reads
        writer = get_writer(plan.request.format)
        return list(encoded(writer(worker.records(plan, after, until, db), plan.options)))
