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


def test_reads_and_saves_answer_while_an_import_commits_batches(app, session, live_server) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (own,) = add_documents(session, project, ["Ada Lovelace wrote the first program."])
    headers = api_as(app, "ann").headers
    outcome: dict[str, Any] = {}
    rows = 600
    importer = _import_in_thread(app, project.id, SlowCSV(rows), outcome)
    totals, saves, during = [], [], 0
    with requests.Session() as http:
        while importer.is_alive():
            listed = http.get(f"{live_server}/api/v1/projects/{project.id}/documents",
                              headers=headers, timeout=30)  # fmt: skip
            assert listed.status_code == 200, listed.text
            if importer.is_alive():  # read while the file was still going in
                totals.append(listed.json()["total"])
            mine = http.get(f"{live_server}/api/v1/documents/{own.id}/annotations/me",
                            headers=headers, timeout=30)  # fmt: skip
            span = {"start": 0, "end": 12, "label": "PER"}
            saved = http.put(
                f"{live_server}/api/v1/documents/{own.id}/annotations/me",
                json={"version": mine.json()["version"], "spans": [span]},
                headers=headers, timeout=30,
            )  # fmt: skip
            saves.append(saved.status_code)
            during += importer.is_alive()
        importer.join(timeout=120)
        final = http.get(f"{live_server}/api/v1/projects/{project.id}/documents",
                         headers=headers, timeout=30).json()["total"]  # fmt: skip
    assert "error" not in outcome, outcome
    assert outcome["result"].imported == rows
    assert during >= 3, "reads and saves were answered while the import ran"
    assert set(saves) == {200}
    assert set(totals) == {1}, "staged documents stay invisible until the whole file is in"
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
