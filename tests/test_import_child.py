"""Imports in a child process (``textlabel.ingest.in_child``): the same documents, tokens,
annotations and answer as in-process; the same located 4xx; a killed child stores nothing.
The killing and dying cases run with a fresh child and with one forked by the launcher
(``forked_imports``)."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.errors import Busy, ReportLost
from textlabel.ingest import forked_imports, in_child, staging
from textlabel.ingest.service import ImportOptions
from textlabel.models import Annotation, Document, Project, Span

PRODIGY = DATA / "peer_formats" / "prodigy"


@pytest.fixture
def child_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Counts the imports that really went to a child process."""
    calls: list[str] = []
    real = in_child.import_in_child

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[3])
        return real(*args, **kwargs)

    monkeypatch.setattr(in_child, "import_in_child", counted)
    return calls


@pytest.fixture(params=["fresh", "forked"])
def launcher(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """None (a fresh Python per import), or a running launcher this process's imports use.
    Either child holds while publishing if the test creates ``tmp_path / "hold"``."""
    monkeypatch.setenv(staging.HOLD_ENV, str(tmp_path / "hold"))  # before the launcher starts
    if request.param == "fresh":
        yield None
        return
    path = tmp_path / "socket"
    process = subprocess.Popen([sys.executable, "-m", "textlabel.ingest.forked_imports", path])
    for _ in range(10_000):  # bounded: until it listens (connecting before would fail)
        if path.exists() or process.poll() is not None:
            break
        time.sleep(0.01)
    assert path.exists(), "the launcher did not start"
    launcher = forked_imports.Launcher(str(path), process.pid)
    forked_imports.use(launcher)
    yield launcher
    forked_imports.use(None)
    process.kill()
    process.wait()


def _upload(api, project_id: int, path: Path, **form):  # type: ignore[no-untyped-def]
    upload = FileStorage(io.BytesIO(path.read_bytes()), filename=path.name)
    fields = MultiDict({"preannotate": "false", **form, "file": upload})
    boundary, body = encode_multipart(fields)
    return api.post(
        f"/projects/{project_id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _stored(session, project_id: int) -> list[tuple]:  # type: ignore[no-untyped-def]
    """Every document of the project with its annotations and spans, in import order."""
    documents = session.execute(
        select(
            Document.id, Document.text, Document.tokens, Document.meta, Document.source_file,
            Document.source_unit, Document.source_number, Document.content_hash, Document.pages,
        ).where(Document.project_id == project_id).order_by(Document.id)
    ).all()  # fmt: skip
    out = []
    for document_id, *fields in documents:
        annotations = session.execute(
            select(Annotation.kind, Annotation.status, Annotation.pos, Annotation.token_layers)
            .where(Annotation.document_id == document_id)
            .order_by(Annotation.id)
        ).all()
        spans = session.execute(
            select(Span.start_char, Span.end_char, Span.start_token, Span.end_token, Span.label)
            .join(Annotation)
            .where(Annotation.document_id == document_id)
            .order_by(Span.start_char, Span.end_char, Span.label)
        ).all()
        out.append((*fields, [tuple(a) for a in annotations], [tuple(s) for s in spans]))
    return out


def test_a_child_imports_what_the_web_process_would(
    app: Flask, session, monkeypatch: pytest.MonkeyPatch, child_calls: list[str]
) -> None:
    owner = make_user(session, "mgr")
    api = api_as(app, "mgr")
    headlines = PRODIGY / "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl"
    # our tokenizer with spans and new labels; then given tokens with UD layers
    files = [(headlines, {"add_labels": "true"}), (DATA / "ud" / "en_ewt-ud-test.conllu", {})]
    answers, stored = {}, {}
    for mode in ("off", "0"):
        monkeypatch.setenv(in_child.ENV_BYTES, mode)
        project = make_project(session, owner, f"p{mode}", labels=("ORG",))
        for path, form in files:
            response = _upload(api, project.id, path, **form)
            assert response.status_code == 201, response.json
            answers[mode, path.name] = response.json
        stored[mode] = _stored(session, project.id)
    assert child_calls == [path.name for path, _ in files]  # only the second round used a child
    for path, _ in files:
        assert answers["0", path.name] == answers["off", path.name]
    assert answers["0", files[0][0].name]["labels_added"]
    assert stored["0"] == stored["off"]
    assert sum(len(spans) for *_, spans in stored["0"]) > 50  # the headlines' entities


def test_a_bad_file_in_a_child_is_the_same_located_4xx(
    app: Flask, session, monkeypatch: pytest.MonkeyPatch, child_calls: list[str]
) -> None:
    project = make_project(session, make_user(session, "mgr"))
    monkeypatch.setenv(in_child.ENV_BYTES, "0")
    path = DATA / "csv" / "fivethirtyeight_twitter-ratio_BarackObama.csv"
    response = _upload(api_as(app, "mgr"), project.id, path)
    assert child_calls == [path.name]
    assert response.status_code == 422, response.json
    message = response.json["error"]["message"]
    assert "byte 0xe4 at row 4 (line 5) is not valid UTF-8" in message and path.name in message
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Project.id))) == 1  # no staging project left


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _child_pid(launcher: forked_imports.Launcher | None) -> int:
    """The running import child: this process's fresh child, or the launcher's grandchild."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = _parent(int(entry.name))
            command = (entry / "cmdline").read_bytes()
            name = (entry / "comm").read_text().strip()
            if launcher is None:
                if parent == os.getpid() and b"textlabel.ingest.import_child" in command:
                    return int(entry.name)
            elif name == "tl-import" and _parent(parent) == launcher.pid:
                return int(entry.name)
        except OSError:
            continue
    raise AssertionError("no import child is running")


def test_a_killed_child_leaves_nothing_half_written(app: Flask, session, launcher) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    path = PRODIGY / "raw_news-headlines-nyt.jsonl"
    staged_when_killed: list[int] = []

    def kill_after_the_first_batch(_done: int) -> None:
        if staged_when_killed:
            return
        pid = _child_pid(launcher)
        os.kill(pid, signal.SIGSTOP)  # hold it still: its first batches are committed
        staged_when_killed.append(
            session.scalar(
                select(func.count(Document.id))
                .join(Project, Project.id == Document.project_id)
                .where(Project.staged_for_id == project.id)
            )
        )
        os.kill(pid, signal.SIGKILL)

    with path.open("rb") as stream, pytest.raises(Busy, match="nothing of the file was stored"):
        in_child.import_in_child(
            session, project, stream, path.name, user=owner,
            options=ImportOptions(batch_size=5), progress=kill_after_the_first_batch,
        )  # fmt: skip
    assert staged_when_killed and staged_when_killed[0] >= 5
    assert session.scalar(select(func.count(Document.id))) == 0
    assert session.scalar(select(func.count(Project.id))) == 1


def _stopped(pid: int) -> None:
    """SIGSTOP ``pid`` and wait until it is stopped (the signal is delivered asynchronously)."""
    os.kill(pid, signal.SIGSTOP)
    for _ in range(10_000):  # bounded
        if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "Tt":
            return
        time.sleep(0.001)
    raise AssertionError(f"process {pid} did not stop")


def test_a_child_killed_while_publishing_answers_that_the_file_is_in_whole(
    app: Flask, session, launcher, tmp_path: Path
) -> None:
    """Killed after the file was all read and checked and publishing began (on SQLite between
    its first two publish batches, on PostgreSQL before its one UPDATE): this side finishes
    the move and says so, a 500 ``ReportLost`` and not a 503 Busy whose retry would import
    the file twice. The child holds there (``staging._hold_for_tests``) until it is killed."""
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    rows = 2 * staging.PUBLISH_BATCH + 1  # three publish batches on SQLite
    csv = "id,text\n" + "".join(f"{n},Row {n} is short.\n" for n in range(rows))
    sqlite = session.get_bind().dialect.name == "sqlite"
    hold = tmp_path / "hold"
    hold.touch()
    seen: dict[str, int] = {}

    def moved() -> int:
        return int(session.scalar(
            select(func.count(Document.id)).where(Document.project_id == project.id)
        ))  # fmt: skip

    def kill_while_publishing(done: int) -> None:
        if done < rows or seen:  # until the last import batch is in: publishing is next
            return
        held = Path(f"{hold}.held")
        for _ in range(60_000):  # bounded: until the child holds
            if held.exists() and held.read_text():
                break
            time.sleep(0.001)
        pid = int(held.read_text())
        seen["moved"] = moved()
        os.kill(pid, signal.SIGKILL)
        _gone(pid)
        hold.unlink()  # this side's own publish must not hold

    with pytest.raises(ReportLost, match="stored whole") as lost:
        in_child.import_in_child(
            session, project, io.BytesIO(csv.encode()), "rows.csv", user=owner,
            options=ImportOptions(), progress=kill_while_publishing,
        )  # fmt: skip
    assert (lost.value.status, lost.value.code, lost.value.retry_after) == (
        500,
        "report_lost",
        None,
    )
    assert lost.value.details == {"exit": -signal.SIGKILL, "stored": True}
    # SQLite: exactly its first publish batch was in; PostgreSQL: nothing before its UPDATE
    assert seen["moved"] == (staging.PUBLISH_BATCH if sqlite else 0)
    assert moved() == rows
    texts = session.scalars(select(Document.text).where(Document.project_id == project.id))
    assert len(set(texts)) == rows
    assert session.scalar(select(func.count(Project.id))) == 1  # the staging project is gone


def _gone(pid: int) -> None:
    """Wait until ``pid`` has died (gone, or a zombie its parent has not reaped yet)."""
    for _ in range(10_000):  # bounded
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return
        if state in "ZX":
            return
        time.sleep(0.001)
    raise AssertionError(f"process {pid} did not die")


PARENT = """
import os, sys
from sqlalchemy.orm import Session
from textlabel.db import make_engine
from textlabel.ingest import forked_imports
from textlabel.ingest.in_child import import_in_child
from textlabel.ingest.service import ImportOptions
from textlabel.models import Project, User

url, project_id, user_id, path, launcher = sys.argv[1:]
if launcher:
    forked_imports.use(forked_imports.Launcher(launcher, 0))
with Session(make_engine(url), expire_on_commit=False) as session, open(path, "rb") as stream:
    import_in_child(
        session, session.get(Project, int(project_id)), stream, os.path.basename(path),
        user=session.get(User, int(user_id)), options=ImportOptions(batch_size=5),
        progress=lambda done: os._exit(9),  # the web process dies after the first batch
    )
"""


def test_a_child_whose_web_process_died_stops_and_removes_its_staging(
    app: Flask, session, launcher
) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    path = PRODIGY / "raw_news-headlines-nyt.jsonl"
    arguments = [app.config["DATABASE_URL"], str(project.id), str(owner.id), str(path)]
    arguments.append(launcher.path if launcher else "")
    parent = subprocess.run([sys.executable, "-c", PARENT, *arguments], check=False)
    assert parent.returncode == 9
    deadline = time.monotonic() + 120  # the orphaned child notices at its next batch
    while session.scalar(select(func.count(Project.id))) > 1 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert session.scalar(select(func.count(Project.id))) == 1
    assert session.scalar(select(func.count(Document.id))) == 0
