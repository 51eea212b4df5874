"""An export's worker process (``parallel``): it reads its ranges of documents on the
driver's own connection with the statements the exporting process compiled (``Plan``),
builds their records (``building``) and writes them, importing no SQLAlchemy and no models.

A worker spawned by ``parallel.export`` (on SQLite, or from a process running threads)
starts a fresh interpreter; importing SQLAlchemy, the models and the session machinery took
~0.3 s of its CPU (~0.4-0.9 s in all with the spawn), ~3 us a document of an export of
100,000 on two cores. A forked one (PostgreSQL) has them all, and opens its own connection:
it never uses the exporting process's. The rows are the driver's
own tuples either way (``rows.DriverQuery`` runs the same SQL on the same kind of cursor),
so the output is the same bytes (tests/test_export_parallel.py).

Each range is read as the SQLAlchemy worker read it: on SQLite in autocommit (each query a
read of its own, as ``db.make_engine(immediate=False)`` leaves it), on PostgreSQL in one
transaction a range.
"""

from __future__ import annotations

import gc
import os
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from textlabel.export.base import WriteOptions, encoded
from textlabel.export.building import page_records, paged
from textlabel.export.registry import get_writer
from textlabel.export.request import ExportRequest
from textlabel.records import DocumentRecord


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled statement (``rows.DriverQuery``'s SQL, parameter order and values)."""

    sql: str
    names: list[str] | None  # the driver takes parameters in this order, or None: by name
    values: dict[str, Any]

    def rows(self, connection: Any, **values: Any) -> list[tuple[Any, ...]]:
        """The rows for these bind parameter values (the rest as compiled)."""
        params = {**self.values, **values}
        arguments: Any = params if self.names is None else [params[n] for n in self.names]
        cursor = connection.cursor()
        try:
            cursor.execute(self.sql, arguments)
            return list(cursor.fetchall())
        finally:
            cursor.close()


@dataclass(frozen=True, slots=True)
class Settings:
    """The project's settings records are built with (``building.ProjectSettings``)."""

    layers: tuple[str, ...]
    overlap: int


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a worker needs for any range of one export, made by the exporting
    process (``parallel.plan``): the database to connect to (``dialect.create_connect_args``
    of the export's engine), the three compiled queries, and what the records and the
    writer are made with."""

    driver: str  # the SQLAlchemy dialect's name: "sqlite" or "postgresql"
    connect: tuple[tuple[Any, ...], dict[str, Any]]  # the DBAPI's connect(*args, **kwargs)
    documents: Query
    annotations: Query
    spans: Query
    by_ids: bool  # spans by the page's annotation ids (``records.stored_pages``)
    page: int  # the documents query's limit
    project_id: int
    project: Settings
    request: ExportRequest
    options: WriteOptions
    names: dict[int, str]  # user names by id (per-annotator records)


_connections: dict[tuple[str, str], Any] = {}  # a worker's connection per database, kept


def connection(plan: Plan) -> Any:
    """This process's connection to ``plan``'s database, opened once."""
    key = (plan.driver, repr(plan.connect))
    held = _connections.get(key)
    if held is None:
        args, kwargs = plan.connect
        if plan.driver == "sqlite":
            import sqlite3

            held = sqlite3.connect(*args, **kwargs)
            held.isolation_level = None  # autocommit reads, as ``make_engine`` leaves them
        else:
            import psycopg

            held = psycopg.connect(*args, **kwargs)
        _connections[key] = held
    return held


def warm(plan: Plan) -> None:
    """In a new worker: the writer's module and the connection, so that it takes ranges
    only once it is ready (``parallel.export``)."""
    get_writer(plan.request.format)
    connection(plan)


def records(plan: Plan, after: int, until: int | None, db: Any = None) -> Iterator[DocumentRecord]:
    """The records of the documents with ``after < id <= until``, read on ``db`` (a DBAPI
    connection; by default this process's own, ``connection``)."""
    db = connection(plan) if db is None else db

    def run(query: Query) -> Any:
        return lambda **values: query.rows(db, **values)

    pages = paged(
        run(plan.documents), run(plan.annotations), run(plan.spans), by_ids=plan.by_ids,
        project_id=plan.project_id, after=after, until=until, page=plan.page,
    )  # fmt: skip
    for page in pages:
        for _, built in page_records(page, plan.project, plan.request, plan.names):
            yield from built


def export_range(plan: Plan, after: int, until: int | None, folder: str) -> str:
    """In a worker: the export of the documents with ``after < id <= until``, written to a
    new file in ``folder`` in pieces (``base.encoded``); its path."""
    db = connection(plan)
    handle, path = tempfile.mkstemp(suffix=".range", dir=folder)
    try:
        with collector_paused(), os.fdopen(handle, "wb") as out:
            writer = get_writer(plan.request.format)
            out.writelines(encoded(writer(records(plan, after, until), plan.options)))
    except BaseException:
        if plan.driver != "sqlite":
            db.rollback()
        raise
    if plan.driver != "sqlite":
        db.commit()  # the range's own transaction ends
    return path


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
