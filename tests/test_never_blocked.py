"""Readers never wait on writers: answers over real HTTP while a long import commits its
batches, staged documents invisible until the whole file is in, and a write that cannot get
SQLite's lock answered 503 with Retry-After, never 500 "database is locked"."""

from __future__ import annotations

import io
import sqlite3
import threading
import time
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as
from textlabel import create_app
from textlabel.errors import BadFormat
from textlabel.ingest import staging
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Document, Project


class SlowCSV(io.RawIOBase):
    """A CSV upload that arrives slowly: the import spans many committed batches."""

    def __init__(self, rows: int, *, bad_last: bool = False, pause: float = 0.02) -> None:
        lines = ["id,text"] + [
            f'{n},"Slow row {n} tells about Paris and Berlin."' for n in range(rows)
        ]
        if bad_last:
            lines.append('999999,""')
        self.data = io.BytesIO(("\n".join(lines) + "\n").encode())
        self.pause = pause

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        time.sleep(self.pause)
        chunk = self.data.read(min(len(buffer), 2048))
        buffer[: len(chunk)] = chunk
        return len(chunk)


class GatedCSV(SlowCSV):
    """A CSV upload whose second half waits (60 s at most) for ``gate``: the import has
    committed batches and is still running when the test's savers are let in, however fast
    the import is."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows, pause=0)
        self.gate = threading.Event()

    def readinto(self, buffer: Any) -> int:
        if self.data.tell() * 2 >= len(self.data.getbuffer()):
            self.gate.wait(timeout=60)
        return super().readinto(buffer)


class PacedCSV(SlowCSV):
    """A CSV upload whose every chunk waits for the test's permit (``allow``): the import
    cannot run ahead of the readers, however loaded the machine, and it cannot publish
    before the last chunk is allowed (``chunks`` of them); waiting is bounded."""

    def __init__(self, rows: int) -> None:
        super().__init__(rows, pause=0)
        self.chunks = -(-len(self.data.getbuffer()) // 2048)
        self.permits = threading.Semaphore(0)
        self.stopped = False

    def allow(self) -> None:
        self.permits.release()

    def give_up(self) -> None:
        """The test failed: the import stops at its next chunk instead of waiting."""
        self.stopped = True
        self.permits.release()

    def readinto(self, buffer: Any) -> int:
        more = self.data.tell() < len(self.data.getbuffer())  # EOF comes without a permit
        if more and (not self.permits.acquire(timeout=60) or self.stopped):
            raise TimeoutError("the test stopped allowing chunks")
        chunk = self.data.read(min(len(buffer), 2048))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def _import_in_thread(
    app: Flask, project_id: int, stream: io.RawIOBase, outcome: dict[str, Any]
) -> threading.Thread:
    from textlabel.extensions import db
    from textlabel.models import User

    def work() -> None:
        with app.app_context(), db.new_session() as session:
            project = session.get_one(Project, project_id)
            user = session.scalar(select(User).where(User.username == "admin"))
            try:
                outcome["result"] = import_file(
                    session, project, io.BufferedReader(stream), "slow.csv", user=user,
                    options=ImportOptions(batch_size=50),
                )  # fmt: skip
            except Exception as e:
                outcome["error"] = e

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_reads_and_saves_answer_while_an_import_commits_batches(
    app, session, live_server, monkeypatch
) -> None:
    """Each round (a list, a read and a save over HTTP) allows the import one more chunk of
    its file (about a batch), so the rounds and the committed batches interleave at any
    load: a read or save that waited on the import would stop both (and time out). Until the
    last chunk is allowed the file is not all in, so every list shows only the one document;
    after it a list shows that one or the whole file, never part of it."""
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (own,) = add_documents(session, project, ["Ada Lovelace wrote the first program."])
    headers = api_as(app, "ann").headers
    outcome: dict[str, Any] = {}
    rows = 600
    monkeypatch.setattr(staging, "PUBLISH_BATCH", rows)  # SQLite: one publishing transaction
    stream = PacedCSV(rows)
    importer = _import_in_thread(app, project.id, stream, outcome)
    before: list[int] = []
    after: list[int] = []
    during = allowed = 0
    with requests.Session() as http:
        try:
            while importer.is_alive():
                listed = http.get(f"{live_server}/api/v1/projects/{project.id}/documents",
                                  headers=headers, timeout=30)  # fmt: skip
                assert listed.status_code == 200, listed.text
                (before if allowed < stream.chunks else after).append(listed.json()["total"])
                mine = http.get(f"{live_server}/api/v1/documents/{own.id}/annotations/me",
                                headers=headers, timeout=30)  # fmt: skip
                span = {"start": 0, "end": 12, "label": "PER"}
                saved = http.put(
                    f"{live_server}/api/v1/documents/{own.id}/annotations/me",
                    json={"version": mine.json()["version"], "spans": [span]},
                    headers=headers, timeout=30,
                )  # fmt: skip
                assert saved.status_code == 200, saved.text
                during += importer.is_alive()
                stream.allow()
                allowed += 1
        finally:
            if importer.is_alive() and allowed < stream.chunks:  # failed: end the import
                stream.give_up()
            importer.join(timeout=120)
        final = http.get(f"{live_server}/api/v1/projects/{project.id}/documents",
                         headers=headers, timeout=30).json()["total"]  # fmt: skip
    assert "error" not in outcome, outcome
    assert outcome["result"].imported == rows
    assert stream.chunks >= 10 and during >= stream.chunks, "answered while the import ran"
    assert set(before) == {1}, "staged documents stay invisible until the whole file is in"
    assert set(after) <= {1, rows + 1}, "a published file shows whole"
    assert final == rows + 1
    assert session.scalar(select(func.count()).select_from(Project)) == 1  # staging gone


def test_a_failed_import_leaves_nothing_after_committed_batches(app, session) -> None:
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    outcome: dict[str, Any] = {}
    _import_in_thread(app, project.id, SlowCSV(180, bad_last=True, pause=0), outcome).join(60)
    assert isinstance(outcome.get("error"), BadFormat)
    assert "row" in outcome["error"].message
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Project)) == 1


def test_a_write_that_cannot_get_the_lock_is_a_503_with_retry_after(
    app, session, database_url, tmp_path
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (document,) = add_documents(session, project, ["Grace Hopper found a moth."])
    impatient = create_app(
        {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "s",
         "INSTANCE": str(tmp_path / "i2"), "DB_BUSY_TIMEOUT_S": 0.2}
    )  # fmt: skip
    api = api_as(impatient, "ann")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # a long writer holds the lock
    try:
        read = api.get(f"/documents/{document.id}/annotations/me")
        assert read.status_code == 200  # readers never wait
        body = {"version": 0, "spans": [{"start": 0, "end": 12, "label": "PER"}]}
        busy = api.put(f"/documents/{document.id}/annotations/me", json=body)
        assert busy.status_code == 503, busy.get_data(as_text=True)
        assert busy.headers["Retry-After"] == "2"
        assert busy.json["error"]["code"] == "busy"
        assert "locked" not in busy.get_data(as_text=True)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert api.put(f"/documents/{document.id}/annotations/me", json=body).status_code == 200
    from textlabel.extensions import db

    db.bind(app.config["DATABASE_URL"])  # the impatient app rebound the shared engine


def test_an_import_and_many_saves_take_turns_until_both_are_done(app, session, live_server) -> None:
    """Four annotators save over HTTP, without pause, while an import commits its batches:
    the import gets through and every save is answered 200, also while the import runs."""
    admin = make_user(session, "admin", admin=True)
    names = [f"ann{i}" for i in range(4)]
    for name in names:
        make_user(session, name)
    project = make_project(session, admin, members=dict.fromkeys(names, "annotator"))
    documents = add_documents(session, project, [f"Ada Lovelace met Babbage ({i})." for i in names])
    tokens = {name: api_as(app, name).headers for name in names}
    outcome: dict[str, Any] = {}
    rows = 400
    stream = GatedCSV(rows)
    importer = _import_in_thread(app, project.id, stream, outcome)
    statuses: dict[str, list[int]] = {name: [] for name in names}
    during: dict[str, int] = dict.fromkeys(names, 0)

    def annotate(i: int) -> None:
        name, url = names[i], f"{live_server}/api/v1/documents/{documents[i].id}/annotations/me"
        version = 0
        with requests.Session() as http:
            for n in range(300):  # bounded, whatever happens to the import
                span = {"start": 0, "end": 3 + 5 * (n % 2), "label": "PER"}
                saved = http.put(url, json={"version": version, "spans": [span]},
                                 headers=tokens[name], timeout=60)  # fmt: skip
                statuses[name].append(saved.status_code)
                if saved.status_code != 200 or not importer.is_alive():
                    return
                version = saved.json()["version"]
                during[name] += 1
                if all(during.values()):  # each has saved while it ran: let it finish
                    stream.gate.set()

    savers = [threading.Thread(target=annotate, args=(i,)) for i in range(len(names))]
    for saver in savers:
        saver.start()
    for saver in savers:
        saver.join(timeout=120)
    stream.gate.set()  # a failed saver must not keep the import waiting
    importer.join(timeout=120)
    assert not importer.is_alive()
    assert "error" not in outcome, outcome
    assert outcome["result"].imported == rows
    assert {s for codes in statuses.values() for s in codes} == {200}, statuses
    assert all(during.values()), f"every annotator saved while the import ran: {during}"


class _Connection:
    """What the write gate touches of a connection: its info and the statements it sends."""

    def __init__(self) -> None:
        self.info: dict[str, Any] = {}

    def exec_driver_sql(self, statement: str) -> None:
        pass


def test_the_sqlite_write_gate_serves_writers_in_the_order_they_came() -> None:
    """A batch that arrives between saves waits for the saves before it and goes before the
    saves after it (a plain lock let whichever thread ran first take it, again and again)."""
    from textlabel.db import _WriteGate

    gate = _WriteGate(timeout=60)
    holder = _Connection()
    gate.begin(holder)
    order: list[str] = []
    names = ["save 1", "batch", "save 2", "save 3"]

    def write(name: str) -> None:
        connection = _Connection()
        gate.begin(connection)
        order.append(name)
        gate.end(connection)

    writers = []
    for name in names:
        writers.append(threading.Thread(target=write, args=(name,)))
        writers[-1].start()
        for _ in range(2000):  # until it queues (bounded)
            if len(gate._waiting) == len(writers):
                break
            time.sleep(0.005)
    gate.end(holder)
    for writer in writers:
        writer.join(timeout=30)
    assert order == names
    idle = _Connection()
    gate.begin(idle)  # free again: taken at once
    assert idle.info["textlabel_gate"] is True
    gate.end(idle)


def test_a_writer_that_waited_out_the_gate_leaves_the_queue() -> None:
    from textlabel.db import _WriteGate

    gate = _WriteGate(timeout=0.05)
    holder, late = _Connection(), _Connection()
    gate.begin(holder)
    gate.begin(late)  # gives up on the gate; SQLite's busy timeout decides then
    assert late.info["textlabel_gate"] is False
    assert not gate._waiting
    gate.end(late)  # holds nothing, releases nothing
    gate.end(holder)
    after = _Connection()
    gate.begin(after)
    assert after.info["textlabel_gate"] is True


def test_two_concurrent_saves_of_one_annotation_end_consistent(app, session, live_server) -> None:
    """Two tabs save the same version at once, over real HTTP: one wins, the other gets 409
    with the winner's version, and what is stored is exactly the winner's save."""
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (document,) = add_documents(session, project, ["Ada Lovelace met Charles Babbage."])
    headers = api_as(app, "ann").headers
    url = f"{live_server}/api/v1/documents/{document.id}/annotations/me"
    version = requests.put(url, json={"version": 0}, headers=headers, timeout=30).json()["version"]
    # Each round both tabs change what is stored (so neither save is a no-op that needs no
    # version): Ada / Charles, then Lovelace / Babbage.
    for spans in [((0, 3), (17, 24)), ((4, 12), (25, 32))] * 3:
        gate = threading.Barrier(2)
        answers: dict[int, requests.Response] = {}

        def save(start: int, end: int, answers: Any = answers, gate: Any = gate,
                 version: int = version) -> None:  # fmt: skip
            span = {"start": start, "end": end, "label": "PER"}
            gate.wait()
            answers[start] = requests.put(
                url, json={"version": version, "spans": [span]}, headers=headers, timeout=30
            )

        tabs = [threading.Thread(target=save, args=span) for span in spans]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join()
        statuses = sorted(answer.status_code for answer in answers.values())
        assert statuses == [200, 409], {s: a.text for s, a in answers.items()}
        won = next(a.json() for a in answers.values() if a.status_code == 200)
        lost = next(a.json() for a in answers.values() if a.status_code == 409)
        assert won["version"] == version + 1 == lost["error"]["details"]["version"]
        stored = requests.get(url, headers=headers, timeout=30).json()
        assert (stored["version"], stored["spans"]) == (won["version"], won["spans"])
        version = won["version"]


def test_a_save_whose_reads_went_stale_runs_again(app, session, database_url) -> None:
    """On SQLite a save reads without the write lock (another process writes meanwhile
    without waiting); when SQLite then refuses its write to the stale snapshot, it runs
    again from the start and saves, never 503 or 500."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's snapshots")
    from sqlalchemy import event

    from textlabel.extensions import db

    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (document,) = add_documents(session, project, ["Grace Hopper found a moth."])
    api = api_as(app, "ann")
    path = f"/documents/{document.id}/annotations/me"
    version = api.put(path, json={"version": 0}).json["version"]
    other = sqlite3.connect(
        database_url.removeprefix("sqlite:///"), isolation_level=None, timeout=0
    )
    updates: list[str] = []

    def meanwhile(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE annotation"):
            updates.append(statement)
            if len(updates) == 1:  # another process commits between the save's reads and write
                other.execute("UPDATE project SET description = 'changed' WHERE id = ?",
                              (project.id,))  # fmt: skip

    event.listen(db.engine, "before_cursor_execute", meanwhile)
    try:
        body = {"version": version, "spans": [{"start": 0, "end": 12, "label": "PER"}]}
        saved = api.put(path, json=body)
    finally:
        event.remove(db.engine, "before_cursor_execute", meanwhile)
        other.close()
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert len(updates) == 2  # refused once, then run again
    assert saved.json["version"] == version + 1
    stored = api.get(path).json
    assert (stored["version"], stored["spans"]) == (version + 1, saved.json["spans"])


def test_the_gate_passes_on_only_after_sqlite_ended_the_transaction(tmp_path) -> None:
    """With SQLite's busy timeout at 0, writers of one process never meet its lock: the gate
    passes to the next writer after COMMIT or ROLLBACK has run, not when SQLAlchemy
    announces it (passed on then, the next BEGIN IMMEDIATE met the lock still held and, with
    any timeout, slept in SQLite's busy handler)."""
    from sqlalchemy import event, text

    from textlabel.db import make_engine, set_write_intent

    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}", busy_timeout=30)

    @event.listens_for(engine, "connect")
    def no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    errors: list[BaseException] = []

    def write(thread: int) -> None:
        set_write_intent(True)
        try:
            for n in range(60):
                with engine.connect() as connection:
                    connection.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                    if (thread + n) % 3:
                        connection.commit()
                    else:
                        connection.rollback()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM t")).scalar_one()
    assert stored == sum(1 for k in range(6) for n in range(60) if (k + n) % 3)
    engine.dispose()
