"""Exporting a big project in several processes (``TEXTLABEL_EXPORT_PROCESSES``).

An export is CPU-bound Python (building records, formatting tokens) and holds the GIL, so
only processes can share it out. The line formats (JSONL, CoNLL-2003, CoNLL-U) write each
document on its own, so an export is the concatenation of the exports of consecutive ranges
of document ids: spawned workers each read and write ``CHUNK`` documents with their own
engine on the same database, and the exporting process hands their bytes on in id order
with at most ``processes + 1`` ranges in flight, so memory stays flat whatever the size.
The output is the same bytes as in one process (tested).

Each range is read in its own transaction, so an export running while people save may mix
states across ranges (one process reads page by page too). Exports of fewer than
``MIN_RANGES`` ranges, in-memory SQLite and the other formats stay in the exporting process.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from sqlalchemy import select, true
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from textlabel.config import from_env
from textlabel.models import Document, Project
from textlabel.projects.archive import ACTIVE

ENV = "TEXTLABEL_EXPORT_PROCESSES"
FORMATS = frozenset({"jsonl", "conll", "conllu"})
CHUNK = 500  # documents per range: ~4 MB of JSONL at 100 tokens a document
MIN_RANGES = 5  # fewer ranges stay in one process: starting a worker costs ~0.8 s of CPU

_engines: dict[str, Engine] = {}  # a worker's engine per URL, made once


def processes_from_env() -> int:
    """``TEXTLABEL_EXPORT_PROCESSES`` (at least 1)."""
    return max(1, int(from_env("EXPORT_PROCESSES")))


def database_url(session: Session) -> str | None:
    """The URL workers can open, or None (in-memory SQLite is this process's alone)."""
    bind = session.get_bind()
    url = bind.engine.url
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
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
    processes: int,
) -> Iterator[bytes]:  # fmt: skip
    """The export of each range, in order, from ``processes`` workers."""
    context = multiprocessing.get_context("spawn")  # never fork a threaded web server
    pool = ProcessPoolExecutor(processes, mp_context=context)
    pending: deque[Future[bytes]] = deque()
    try:
        for after, until in bounds:
            if len(pending) > processes:
                yield pending.popleft().result()
            pending.append(pool.submit(export_range, url, project_id, request, after, until))
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def export_range(url: str, project_id: int, request: Any, after: int, until: int | None) -> bytes:
    """In a worker: the export of the documents with ``after < id <= until``."""
    from textlabel.db import make_engine
    from textlabel.export.records import project_records
    from textlabel.export.registry import get_writer
    from textlabel.export.service import write_options

    engine = _engines.get(url) or _engines.setdefault(url, make_engine(url, immediate=False))
    with Session(engine) as session:
        project = session.get(Project, project_id)
        if project is None:
            return b""
        records = project_records(session, project, request, after=after, until=until)
        text = "".join(get_writer(request.format)(records, write_options(project, request)))
    return text.encode("utf-8")
