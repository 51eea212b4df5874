"""``textlabel serve`` runs jobs in a job process of its own, not in the web process: a
pre-annotation submitted through the web runs there (first in the process forked from the
server, then in a fresh one), exactly once per document, though the job process is killed in
the middle (its parent starts another at once and sends the killed chunk back to the queue),
and the job process stops with the server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import PASSWORD
from tests.served import server_children
from textlabel.models import Annotation, Job

DEADLINE_S = 240


def _children(pid: int) -> list[int]:
    return server_children(pid)


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _owner_pid(owner: str | None) -> int | None:
    return int(owner.split(":")[1]) if owner and owner.count(":") == 2 else None


def test_serve_runs_jobs_in_a_replaced_job_process(session, database_url, tmp_path) -> None:
    deadline = time.monotonic() + DEADLINE_S
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin, layers=["entities"])
    words = "Ada Lovelace met Charles Babbage in London and wrote about his engine."
    documents = add_documents(session, project, [f"{words} " * 8 + f"Note {n}." for n in range(60)])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": database_url, "TEXTLABEL_SECRET_KEY": "k",
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance"),
           "TEXTLABEL_PREANNOTATE_CHUNK_DOCS": "10"}  # fmt: skip
    env.pop("TEXTLABEL_REDIS_URL", None)
    command = [sys.executable, "-m", "textlabel.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(command, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                requests.get(f"{url}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        first = _children(server.pid)
        assert len(first) == 1, "one job process beside the web process"
        while _nice(first[0]) <= _nice(server.pid):  # forked: it lowers its priority first
            assert time.monotonic() < deadline, "jobs yield the cores to requests"
            time.sleep(0.1)
        credentials = {"username": "admin", "password": PASSWORD}
        token = requests.post(f"{url}/api/v1/auth/token", json=credentials, timeout=30).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        started = requests.post(f"{url}/api/v1/projects/{project.id}/preannotate",
                                headers=headers, timeout=30)  # fmt: skip
        assert started.status_code == 202, started.text
        jid = started.json()["id"]
        killed = None
        while time.monotonic() < deadline:
            status = requests.get(f"{url}/api/v1/jobs/{jid}", headers=headers, timeout=30).json()
            session.expire_all()
            owners = session.scalars(select(Job.owner).where(Job.status == "running")).all()
            if killed is None and status["done"] >= 10 and first[0] in map(_owner_pid, owners):
                os.kill(first[0], signal.SIGKILL)  # mid-chunk: it is left "running"
                killed = first[0]
            if status["status"] not in ("queued", "running"):
                break
            time.sleep(0.2)
        assert killed is not None
        assert status["status"] == "done", status
        second = _children(server.pid)
        assert len(second) == 1 and second != first, "the killed job process was replaced"
        chunks = session.scalars(select(Job).where(Job.parent_id == jid)).all()
        assert len(chunks) == 6 and {c.status for c in chunks} == {"done"}
        runners = {_owner_pid(c.owner) for c in chunks}
        assert server.pid not in runners and runners <= {first[0], second[0]}
        assert second[0] in runners, "the new job process ran the killed chunk again"
        predicted = dict(
            session.execute(
                select(Annotation.document_id, func.count())
                .where(Annotation.kind == "prediction")
                .group_by(Annotation.document_id)
            ).all()
        )
        assert predicted == {d.id: 1 for d in documents}
    finally:
        server.send_signal(signal.SIGINT)  # Ctrl+C
        server.wait(timeout=60)
    assert not Path(f"/proc/{second[0]}").exists(), "the job process stopped with the server"
