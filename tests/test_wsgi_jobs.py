"""Every documented way of serving keeps background jobs out of the web processes:
``waitress-serve wsgi:app`` starts a job process beside the server (as ``textlabel serve``
does), and gunicorn without ``gunicorn.conf.py`` (nothing would start the one job process
for its workers) is refused with what to run instead."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.factories import add_documents, make_project, make_user
from tests.served import DEADLINE_S, ROOT, free_port, server_children, server_env, wait_answering
from textlabel import jobs
from textlabel.models import Job


def _children(pid: int) -> list[int]:
    return server_children(pid)


def test_waitress_serve_wsgi_runs_jobs_in_a_job_process(session, database_url, tmp_path) -> None:
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin, layers=["entities"])
    add_documents(session, project, ["Ada Lovelace met Charles Babbage in London."] * 3)
    port = free_port()
    command = [sys.executable, "-m", "waitress", f"--listen=127.0.0.1:{port}", "wsgi:app"]
    server = subprocess.Popen(command, env=server_env(database_url, tmp_path), cwd=ROOT)
    deadline = time.monotonic() + DEADLINE_S
    try:
        wait_answering(server, f"http://127.0.0.1:{port}/login", "waitress-serve", deadline)
        children = _children(server.pid)
        assert len(children) == 1, "one job process beside the server"
        job = jobs.create(session, "preannotate", project_id=project.id)  # a web request's part
        while True:
            row = session.get(Job, job.id, populate_existing=True)
            session.rollback()
            assert row is not None
            if row.status not in ("queued", "running"):
                break
            assert time.monotonic() < deadline, "the job never ended"
            time.sleep(0.2)
        assert row.status == "done", row.error
        assert row.owner is not None and int(row.owner.split(":")[1]) == children[0]
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C: the job process stops with it
        server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{child}").exists() for child in children):
        assert time.monotonic() < deadline, "the job process outlived waitress-serve"
        time.sleep(0.1)


def test_gunicorn_without_its_conf_is_refused(database_url, tmp_path) -> None:
    empty = tmp_path / "other.conf.py"
    empty.write_text("")
    command = [sys.executable, "-m", "gunicorn", "-c", str(empty), "-w", "1",
               "-b", f"127.0.0.1:{free_port()}", "wsgi:app"]  # fmt: skip
    done = subprocess.run(
        command, env=server_env(database_url, tmp_path), cwd=ROOT, capture_output=True, text=True,
        timeout=DEADLINE_S,
    )  # fmt: skip
    assert done.returncode != 0
    assert "without textlabel's gunicorn.conf.py" in done.stderr
    assert "TEXTLABEL_JOB_PROCESS=false" in done.stderr


@pytest.mark.parametrize("setting", ["TEXTLABEL_JOB_PROCESS=false"])
def test_gunicorn_without_its_conf_serves_when_jobs_on_threads_are_asked_for(
    database_url, tmp_path, setting: str
) -> None:
    """The documented way out still serves (jobs on the workers' threads, as asked)."""
    empty = tmp_path / "other.conf.py"
    empty.write_text("")
    port = free_port()
    env = {**server_env(database_url, tmp_path), **dict([setting.split("=")])}
    command = [sys.executable, "-m", "gunicorn", "-c", str(empty), "-w", "1",
               "-b", f"127.0.0.1:{port}", "wsgi:app"]  # fmt: skip
    server = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        url = f"http://127.0.0.1:{port}/login"
        wait_answering(server, url, "gunicorn", time.monotonic() + DEADLINE_S)
        assert requests.get(url, timeout=10).ok
    finally:
        server.terminate()
        server.wait(timeout=30)
