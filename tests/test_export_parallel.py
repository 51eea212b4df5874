"""An export in worker processes (``TEXTLABEL_EXPORT_PROCESSES``) writes the same bytes as
one in this process: ranges of document ids are exported by workers (spawned, or forked from
a single-threaded process on PostgreSQL) on the same database and joined in id order (real
processes, real databases)."""

from __future__ import annotations

import io
import json
import tempfile
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor, wait
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import fresh_python
from textlabel.export import parallel, records, rows, worker
from textlabel.export.base import encoded
from textlabel.export.records import project_records
from textlabel.export.registry import get_writer
from textlabel.export.request import ExportRequest, request_params
from textlabel.export.service import run_job, stream_export, write_options
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Document


def _texts() -> list[dict[str, Any]]:
    """23 documents, awkward text included; every third has no entity (a negative)."""
    lines = []
    for n in range(23):
        text = f'Doc {n}: Ada met "Bob" \\ in Paris, café 東京.\n\nThen Carol left #{n}.'
        start = text.index("Ada")
        spans = [] if n % 3 == 0 else [{"start": start, "end": start + 3, "label": "PER"}]
        lines.append({"text": text, "spans": spans})
    return lines


def _export(session: Any, project: Any, request: ExportRequest) -> bytes:
    return b"".join(stream_export(session, project, request))


def test_workers_write_the_same_bytes(
    app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    data = "".join(json.dumps(line) + "\n" for line in _texts()).encode()
    import_file(session, project, io.BytesIO(data), "docs.jsonl", user=owner,
                options=ImportOptions(dedupe=False))  # fmt: skip
    every = session.scalars(select(Document.id).where(Document.project_id == project.id))
    ids = tuple(sorted(every))[2:19]  # a selection across ranges
    # One export through the workers (each spawn costs seconds): CoNLL-2003 of a selection
    # without negatives, so ranges, ``ids`` and the filter all meet.
    request = ExportRequest(format="conll", source="predictions", ids=ids, negatives=False)
    alone = _export(session, project, request)

    calls: list[int] = []
    real = parallel.export

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    here: list[int] = []  # ranges this process exported (workers are fresh interpreters)
    real_range = parallel.range_chunks
    submitted: list[Future[Any]] = []  # the worker's tasks, its start-up (``_warm``) first

    class Recorded(ProcessPoolExecutor):
        def submit(self, *args: Any, **kwargs: Any) -> Future[Any]:
            submitted.append(super().submit(*args, **kwargs))
            return submitted[-1]

    def counted_range(*args: Any) -> list[bytes]:
        # this process's first range ends once the worker has started (it gets ranges only
        # then), so that both export some of the few ranges here however long a spawn takes
        wait(submitted[:1], timeout=120)
        here.append(args[2])  # after
        return real_range(*args)

    monkeypatch.setattr(parallel, "CHUNK", 5)  # 4 ranges of the selection's 17 documents
    monkeypatch.setattr(parallel, "MIN_RANGES", 2)
    monkeypatch.setattr(parallel, "export", counted)
    monkeypatch.setattr(parallel, "range_chunks", counted_range)
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", Recorded)
    monkeypatch.setenv(parallel.ENV, "2")
    scratch = tmp_path / "tmp"  # where the workers' range files go
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    together = _export(session, project, request)
    assert calls == [1]  # it went through the workers
    assert together == alone
    # Two processes: one worker and this one. The worker starts with ``_warm``; this process
    # exports the first range meanwhile, then the worker takes the next two (it runs one and
    # holds the next) and this process the fourth (or the worker, had it finished by then).
    assert submitted[0].done() and submitted[0].exception() is None
    assert here[0] == 0 and set(here) <= {0, ids[14]}  # ranges after 0 and the third's end
    assert len(here) + len(submitted) - 1 == 4 and len(submitted) >= 3
    # the background job's path writes the same file, with progress per range
    path = tmp_path / "out.conll"
    job = SimpleNamespace(
        project_id=project.id, params=request_params(request) | {"path": str(path)}
    )
    seen: list[int] = []
    run_job(session, job, lambda done, total: seen.append(done))
    assert calls == [1, 1]
    assert path.read_bytes() == alone
    assert seen == [0, 5, 10, 15, 20]
    assert list(scratch.iterdir()) == []  # every range file read and removed, the folder too
    assert alone.count(b"-DOCSTART-") == sum(1 for n in range(2, 19) if n % 3)


_FORKED_OR_SPAWNED = """
import gc, multiprocessing, os
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path
from sqlalchemy.orm import Session
from textlabel.db import make_engine
from textlabel.export import parallel
from textlabel.export.request import ExportRequest
from textlabel.export.service import stream_export
from textlabel.models import Project
freeze, (told, tell) = gc.freeze, os.pipe()
gc.freeze = lambda: os.write(tell, b"frozen") and freeze()  # in a forked worker
asked, get_context = [], multiprocessing.get_context
multiprocessing.get_context = lambda method=None: asked.append(method) or get_context(method)
submitted = []  # the worker's tasks, its start-up first
class Recorded(ProcessPoolExecutor):
    def submit(self, *args, **kwargs):
        submitted.append(super().submit(*args, **kwargs))
        return submitted[-1]
parallel.ProcessPoolExecutor = Recorded
real_range, real_taken, taken = parallel.range_chunks, parallel._taken, []
def waiting(*args):  # this process's ranges wait for the worker's start-up: it gets some
    wait(submitted[:1], timeout=120)
    return real_range(*args)
parallel.range_chunks = waiting
parallel._taken = lambda future: taken.append(isinstance(future.result(), str)) or real_taken(
    future
)  # a path: a worker's range
parallel.CHUNK, parallel.MIN_RANGES = 5, 2
os.environ[parallel.ENV] = "2"
engine = make_engine(URL, immediate=False)
with Session(engine) as session:
    project = session.get(Project, PID)
    request = ExportRequest(format="jsonl", source="predictions")
    together = b"".join(stream_export(session, project, request))
engine.dispose()
assert together == Path(ALONE).read_bytes()
assert asked == [METHOD], asked
assert any(taken), taken
os.set_blocking(told, False)
try:
    frozen = os.read(told, 100)
except BlockingIOError:
    frozen = b""
assert frozen == (b"frozen" if METHOD == "fork" else b""), frozen
"""


def test_a_postgresql_export_forks_its_worker_from_a_single_threaded_process(
    session: Any, database_url: str, tmp_path: Path
) -> None:
    """From a process with one thread (the CLI, a job, a bench) a PostgreSQL export forks its
    worker, which then starts with psycopg and the writers imported and freezes what it
    inherits before its first task (its collections never finalize this process's objects:
    an open connection); a SQLite export spawns it (a forked child would inherit SQLite's
    record of locks it does not hold). Either way the worker exports ranges and the output
    is one process's bytes. In a new interpreter: pytest's worker runs threads of its own
    (it would spawn)."""
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    data = "".join(json.dumps(line) + "\n" for line in _texts()).encode()
    import_file(session, project, io.BytesIO(data), "docs.jsonl", user=owner,
                options=ImportOptions(dedupe=False))  # fmt: skip
    alone = tmp_path / "alone.jsonl"
    alone.write_bytes(
        _export(session, project, ExportRequest(format="jsonl", source="predictions"))
    )
    method = "fork" if database_url.startswith("postgresql") else "spawn"
    values = f"URL, PID, ALONE, METHOD = {database_url!r}, {project.id}, {str(alone)!r}, {method!r}"
    fresh_python(values + _FORKED_OR_SPAWNED)


@pytest.mark.parametrize("fmt", ["jsonl", "conll", "conllu"])
def test_one_process_exports_range_by_range_with_the_collector_paused(
    session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    """In one process (the default) a line format is made range by range as the parallel
    path makes its own ranges, with the cyclic collector off while each is built, and
    writes the bytes the writer writes over ``records.project_records`` (the path before);
    the background job's file too, with progress per range."""
    import gc

    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    data = "".join(json.dumps(line) + "\n" for line in _texts()).encode()
    import_file(session, project, io.BytesIO(data), "docs.jsonl", user=owner,
                options=ImportOptions(dedupe=False))  # fmt: skip
    every = sorted(session.scalars(select(Document.id).where(Document.project_id == project.id)))
    requests = [
        ExportRequest(format=fmt, source="predictions"),
        ExportRequest(format=fmt, source="predictions", ids=tuple(every[2:19]), negatives=False),
    ]
    monkeypatch.setattr(parallel, "CHUNK", 5)
    monkeypatch.delenv(parallel.ENV, raising=False)
    collecting: list[bool] = []  # the collector's state at each record built
    real_records = worker.records

    def watched(*args: Any) -> Any:
        for record in real_records(*args):
            collecting.append(gc.isenabled())
            yield record

    monkeypatch.setattr(worker, "records", watched)
    for request in requests:
        collecting.clear()
        options = write_options(project, request)
        before = b"".join(encoded(get_writer(fmt)(project_records(session, project, request),
                                                  options)))  # fmt: skip
        assert _export(session, project, request) == before
        assert collecting and not any(collecting)
        assert gc.isenabled()
    path = tmp_path / "out"
    job = SimpleNamespace(
        project_id=project.id, params=request_params(requests[0]) | {"path": str(path)}
    )
    seen: list[int] = []
    run_job(session, job, lambda done, total: seen.append(done))
    assert path.read_bytes() == _export(session, project, requests[0])
    assert seen == [0, 5, 10, 15, 20, 23]


def test_the_collector_is_paused_while_ranges_are_built_and_restored_after() -> None:
    """Overlapping ranges (threads of a web server) switch the collector on again only when
    the last ends, and never when it was off before the first."""
    import gc

    assert gc.isenabled()
    try:
        with parallel.collector_paused():
            assert not gc.isenabled()
            with parallel.collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()  # the first is still building
        assert gc.isenabled()
        gc.disable()
        with parallel.collector_paused():
            pass
        assert not gc.isenabled()  # it was off: left off
    finally:
        gc.enable()


def test_only_this_process_s_own_ranges_count_as_held() -> None:
    """The exporting process stops to hand ranges on when its own ranges (bytes in memory)
    reach the bound; a worker's finished range (a file's path) and one still being built do
    not count, so a slow worker at the head does not stop this process at once."""
    pending: deque[Future[list[bytes] | str]] = deque(Future() for _ in range(4))
    pending[1].set_result("/tmp/range-file")
    pending[2].set_result([b"own ", b"bytes"])
    pending[3].set_result([])
    assert parallel._held(pending) == 2


def test_a_range_ends_without_asking_for_an_empty_page(
    session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A range's pages end at its last document (a full page ending at ``until``, or a
    short page) without one more query that would find nothing; the pages of the ranges
    hold every document once, as those of the whole export do."""
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    ids = [d.id for d in add_documents(session, project, [f"Doc {n} here." for n in range(7)])]
    monkeypatch.setattr(records, "PAGE", 3)
    asked: list[int] = []  # the documents query's ``after`` each time it runs
    real = rows.DriverQuery.rows

    def counted(self: rows.DriverQuery, **values: Any) -> list[tuple[Any, ...]]:
        if "after" in values:
            asked.append(values["after"])
        return real(self, **values)

    monkeypatch.setattr(rows.DriverQuery, "rows", counted)
    request = ExportRequest(format="jsonl", source="predictions")

    def read(after: int, until: int | None) -> list[int]:
        pages = records.stored_pages(session, project, request, after=after, until=until)
        return [row[0] for page in pages for row in page.documents]

    assert read(0, ids[5]) == ids[:6] and asked == [0, ids[2]]  # two full pages, no third
    asked.clear()
    assert read(ids[5], None) == ids[6:] and asked == [ids[5]]
    asked.clear()
    assert read(0, None) == ids and asked == [0, ids[2], ids[5]]  # the short page is the last


def test_a_worker_imports_no_sqlalchemy_and_no_models() -> None:
    """What a spawned worker imports to run its tasks (``worker.warm``, ``export_range``) and
    unpickle their ``Plan``, with every line writer, brings in neither SQLAlchemy nor the
    models (importing them was most of a worker's start-up). In a new interpreter, as a
    spawned worker is."""
    fresh_python(
        "import sys\n"
        "import textlabel.export.worker\n"
        "from textlabel.export.registry import get_writer\n"
        "for name in ('jsonl', 'conll', 'conllu'):\n"
        "    get_writer(name)\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'flask')\n"
        "          or m.startswith(('textlabel.models', 'textlabel.db'))]\n"
        "assert not loaded, loaded\n"
    )
