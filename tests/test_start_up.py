"""Every way of serving does the same start-up work once, before its first request
(``serving.start_up``): jobs a stopped server's runners left running are marked (live ones
are left alone), queued jobs reach a thread runner, and abandoned imports are removed.
Driven in-process, then through each entry point as README runs it: ``textlabel serve``,
``waitress-serve wsgi:app`` and gunicorn with ``gunicorn.conf.py``."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.factories import add_documents, make_project, make_user
from tests.served import DEADLINE_S, ROOT, free_port, server_env, wait_answering
from textlabel import jobs, serving
from textlabel.export.request import ExportRequest, request_params
from textlabel.ingest import staging
from textlabel.models import Job, Project
from textlabel.models.base import utcnow


def _gone_pid() -> int:
    """The pid of a process of this host that has ended (and been reaped)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def _running(session, project, owner: str, beat_ago: timedelta) -> Job:  # type: ignore[no-untyped-def]
    job = Job(kind="preannotate", project_id=project.id, status="running", owner=owner,
              heartbeat_at=utcnow() - beat_ago)  # fmt: skip
    session.add(job)
    session.commit()
    return job


def _abandoned_import(session, project, user) -> int:  # type: ignore[no-untyped-def]
    """A staging project with two documents whose importer stopped beating an hour ago."""
    staged = staging.open_staging(session, project, user)
    add_documents(session, staged, ["Half of a file.", "Its other half."])
    staging.index_new(session, staged.id)  # as imports do
    session.execute(
        update(Project).where(Project.id == staged.id)
        .values(staged_seen_at=utcnow() - timedelta(hours=1))
    )  # fmt: skip
    session.commit()
    return staged.id


def _exists(session, project_id: int) -> bool:  # type: ignore[no-untyped-def]
    return session.scalar(select(Project.id).where(Project.id == project_id)) is not None


def _status(session, job: Job) -> str:  # type: ignore[no-untyped-def]
    return session.scalar(select(Job.status).where(Job.id == job.id))


def test_start_up_recovers_what_a_stopped_server_left_once(app, session, tmp_path) -> None:
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    add_documents(session, project, ["One short text.", "Another short text."])
    dead = _running(session, project, f"{jobs.this_host()}:{_gone_pid()}:1", timedelta(0))
    stale = _running(session, project, "elsewhere:1:1", timedelta(minutes=5))
    live = _running(session, project, "elsewhere:2:1", timedelta(seconds=2))
    params = request_params(ExportRequest(format="jsonl")) | {"path": str(tmp_path / "o.jsonl")}
    orphan = jobs.create(session, "export", project_id=project.id, params=params, user=admin)
    abandoned = _abandoned_import(session, project, admin)
    runner = app.extensions["textlabel.jobs"]
    assert isinstance(runner, jobs.JobRunner)  # TEXTLABEL_JOB_PROCESS=false: jobs on threads
    said: list[str] = []

    serving.start_up(app, say=said.append)
    runner.wait(orphan.id, timeout=120)  # handed to this process's threads, and run there

    assert (_status(session, dead), _status(session, stale)) == ("failed", "failed")
    assert _status(session, live) == "running"
    assert _status(session, orphan) == "done"
    assert not _exists(session, abandoned)
    assert f"job {dead.id} (preannotate) lost its runner: failed" in said
    assert said[-1] == "removed 1 abandoned import(s)"
    again = _abandoned_import(session, project, admin)
    serving.start_up(app, say=said.append)  # once per app: a second call does nothing
    assert _exists(session, again)


def test_start_up_leaves_queued_jobs_to_the_job_process(app, session) -> None:
    """With a job process the queued row is the hand-over: nothing runs on the web
    process's threads (``textlabel serve`` handed orphans to them before the job process
    was chosen)."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    threads = app.extensions["textlabel.jobs"]
    app.config["JOB_PROCESS"] = True
    try:
        process = serving.start_jobs(app, start=False)
        assert process is not None
        queued = jobs.create(session, "preannotate", project_id=project.id, user=admin)
        serving.start_up(app, say=lambda _line: None)
        assert not threads.busy()
        assert _status(session, queued) == "queued"  # for the job process to take
    finally:
        jobs.use_runner(threads)
        app.extensions["textlabel.jobs"] = threads


def test_start_up_serves_on_regardless_when_the_database_fails(app, tmp_path) -> None:
    """A database that does not answer yet (PostgreSQL starting beside the web process):
    said, skipped, and the server starts instead of failing at import."""
    from textlabel.db import make_engine

    engine = app.extensions["textlabel.db"]
    app.extensions["textlabel.db"] = make_engine(f"sqlite:///{tmp_path}/no/such/dir/t.db")
    said: list[str] = []
    try:
        serving.start_up(app, say=said.append)
    finally:
        app.extensions["textlabel.db"].dispose()
        app.extensions["textlabel.db"] = engine
    assert len(said) == 1 and "failed (OperationalError); skipped" in said[0], said


ENTRY_POINTS = {
    "textlabel serve": [sys.executable, "-m", "textlabel.cli", "serve", "--port", "{port}"],
    "waitress-serve wsgi:app": [sys.executable, "-m", "waitress", "--listen=127.0.0.1:{port}",
                                "wsgi:app"],
    "gunicorn -c gunicorn.conf.py": [sys.executable, "-m", "gunicorn", "-w", "1", "-b",
                                     "127.0.0.1:{port}"],
}  # fmt: skip


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_way_of_serving_recovers_before_its_first_request(
    session, database_url, tmp_path, entry: str
) -> None:
    """A real server of each kind: by the time it answers its first request the abandoned
    import is gone and the job of the killed server's process is marked (start-up work, not
    the job process's later sweep: that one never removes imports)."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    dead = _running(session, project, f"{jobs.this_host()}:{_gone_pid()}:1", timedelta(0))
    abandoned = _abandoned_import(session, project, admin)
    port = free_port()
    command = [part.format(port=port) for part in ENTRY_POINTS[entry]]
    server = subprocess.Popen(command, env=server_env(database_url, tmp_path), cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}/login"
        wait_answering(server, url, entry, time.monotonic() + DEADLINE_S)
        assert not _exists(session, abandoned), "the abandoned import is removed"
        assert _status(session, dead) == "failed"
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_gunicorn_without_its_conf_does_the_start_up_work_once_per_job(
    session, database_url, tmp_path
) -> None:
    """gunicorn without ``gunicorn.conf.py`` (and jobs on the workers' threads, which it then
    needs) runs ``start_up`` in each worker, both at once: each lost job is still marked by one
    of them only (a conditional UPDATE), the queued export runs once, the abandoned import is
    removed, and the server serves."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    add_documents(session, project, ["One short text.", "Another short text."])
    dead = _running(session, project, f"{jobs.this_host()}:{_gone_pid()}:1", timedelta(0))
    stale = _running(session, project, "elsewhere:1:1", timedelta(minutes=5))
    params = request_params(ExportRequest(format="jsonl")) | {"path": str(tmp_path / "o.jsonl")}
    orphan = jobs.create(session, "export", project_id=project.id, params=params, user=admin)
    abandoned = _abandoned_import(session, project, admin)
    port = free_port()
    empty = tmp_path / "no.conf.py"
    empty.write_text("")
    command = [sys.executable, "-m", "gunicorn", "-c", str(empty), "-w", "2", "-b",
               f"127.0.0.1:{port}", "wsgi:app"]  # fmt: skip
    env = server_env(database_url, tmp_path) | {"TEXTLABEL_JOB_PROCESS": "false"}
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as err:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=err)
    try:
        wait_answering(
            server, f"http://127.0.0.1:{port}/login", "gunicorn", time.monotonic() + DEADLINE_S
        )
        deadline = time.monotonic() + DEADLINE_S
        while _status(session, orphan) in ("queued", "running"):
            assert time.monotonic() < deadline, "the queued export never ran"
            time.sleep(0.2)
            session.rollback()
        text = log.read_text(errors="replace")
    finally:
        server.terminate()
        server.wait(timeout=60)
    assert _status(session, orphan) == "done"
    assert (_status(session, dead), _status(session, stale)) == ("failed", "failed")
    for job in (dead, stale):
        assert text.count(f"job {job.id} (preannotate) lost its runner") == 1, text
    assert not _exists(session, abandoned)
