"""Two web processes and two ``textlabel worker`` processes on one PostgreSQL and one Redis
run a fanned-out pre-annotation to the end, exactly once per document, though one worker is
killed in the middle (its chunk goes back to the queue when its heartbeat stops)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import PASSWORD, REDIS_URL
from tests.served import free_port
from textlabel.models import Annotation, Job

DEADLINE_S = 240


@pytest.fixture
def redis_url() -> str:
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must start redis-server and set TEXTLABEL_TEST_REDIS_URL")
        pytest.skip("TEXTLABEL_TEST_REDIS_URL is not set")
    from redis import Redis

    Redis.from_url(REDIS_URL).flushdb()
    return REDIS_URL


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.terminate()
    for process in started:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_up(url: str, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up")


def _running_a_chunk(session, pid: int) -> bool:
    """Whether worker process ``pid`` is inside a chunk (owner is host:pid:thread). Killing
    it between RQ's dequeue and ``jobs.take`` instead loses the chunk: a known gap, not
    what this test is about (see the issue 13 note)."""
    session.expire_all()
    owners = session.scalars(select(Job.owner).where(Job.status == "running")).all()
    return any(owner and owner.split(":")[1:2] == [str(pid)] for owner in owners)


def test_two_webs_two_workers_one_killed_preannotate_every_document_once(
    session, database_url, redis_url, processes, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the distributed set-up runs on PostgreSQL")
    deadline = time.monotonic() + DEADLINE_S
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin, layers=["entities", "pos"])
    words = "Ada Lovelace met Charles Babbage in London and wrote about his engine."
    texts = [f"{words} " * 12 + f"Note {n}." for n in range(120)]
    documents = add_documents(session, project, texts)
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": database_url, "TEXTLABEL_REDIS_URL": redis_url,
           "TEXTLABEL_SECRET_KEY": "k", "TEXTLABEL_INSTANCE": str(tmp_path / "instance"),
           "TEXTLABEL_PREANNOTATE_CHUNK_DOCS": "10"}  # fmt: skip
    command = [sys.executable, "-m", "textlabel.cli"]
    webs = []
    for _ in range(2):
        port = free_port()
        processes.append(subprocess.Popen([*command, "serve", "--port", str(port)], env=env))
        webs.append(f"http://127.0.0.1:{port}")
    workers = [
        subprocess.Popen([*command, "worker", "--stale-after", "10"], env=env) for _ in range(2)
    ]
    processes.extend(workers)
    for web in webs:
        _wait_up(web, deadline)
    credentials = {"username": "admin", "password": PASSWORD}
    token = requests.post(f"{webs[0]}/api/v1/auth/token", json=credentials, timeout=10).json()
    headers = {"Authorization": f"Bearer {token['token']}"}
    started = requests.post(f"{webs[0]}/api/v1/projects/{project.id}/preannotate",
                            headers=headers, timeout=30)  # fmt: skip
    assert started.status_code == 202, started.text
    jid = started.json()["id"]
    killed = False
    while time.monotonic() < deadline:
        status = requests.get(f"{webs[1]}/api/v1/jobs/{jid}", headers=headers, timeout=30).json()
        if not killed and status["done"] >= 10 and _running_a_chunk(session, workers[0].pid):
            workers[0].send_signal(signal.SIGKILL)  # mid-run: its chunk is left "running"
            killed = True
        if status["status"] not in ("queued", "running"):
            break
        time.sleep(0.3)
    assert killed
    assert status["status"] == "done", status
    chunks = session.scalars(select(Job).where(Job.parent_id == jid)).all()
    assert len(chunks) == 12 and {c.status for c in chunks} == {"done"}
    per_document = dict(
        session.execute(
            select(Annotation.document_id, func.count())
            .where(Annotation.kind == "prediction")
            .group_by(Annotation.document_id)
        ).all()
    )
    assert per_document == {d.id: 1 for d in documents}


def test_a_job_whose_worker_died_before_taking_it_is_sent_again(
    app, session, redis_url, tmp_path: Path
) -> None:
    """A worker that pops a job from Redis and dies before ``jobs.take`` leaves the row
    "queued" and its id nowhere in Redis; the sweep sends it again and a worker runs it."""
    import signal as signals
    from datetime import timedelta

    from redis import Redis

    from textlabel import jobs, workers
    from textlabel.export.request import ExportRequest, request_params

    engine = app.extensions["textlabel.db"]
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    add_documents(session, project, ["One short text.", "Another short text."])
    out = tmp_path / "out.jsonl"
    params = request_params(ExportRequest(format="jsonl")) | {"path": str(out)}
    job = jobs.create(session, "export", project_id=project.id, params=params, user=admin)
    runner = workers.RQRunner(engine, redis_url)
    runner.submit(job.id)
    popped = Redis.from_url(redis_url).lpop(runner.queue.key)  # ... and the worker dies
    assert popped is not None and popped.decode() == workers.rq_id(job.id)
    assert runner.queue.get_job_ids() == []

    workers.sweep(runner, timedelta(hours=1))
    assert runner.queue.get_job_ids() == [], "a job younger than the threshold is left alone"
    workers.sweep(runner, timedelta(0))
    assert runner.queue.get_job_ids() == [workers.rq_id(job.id)]
    workers.sweep(runner, timedelta(0))
    assert runner.queue.get_job_ids() == [workers.rq_id(job.id)], "a queued id is not doubled"

    handlers = {sig: signals.getsignal(sig) for sig in (signals.SIGINT, signals.SIGTERM)}
    try:
        workers.work(engine, redis_url, burst=True, preload=None)
    finally:
        jobs.use_runner(app.extensions["textlabel.jobs"])
        for sig, handler in handlers.items():
            signals.signal(sig, handler)
    session.expire_all()
    done = session.get(Job, job.id)
    assert done is not None and done.status == "done", done and done.error
    assert out.exists() and not out.with_suffix(".jsonl.part").exists(), "the export was written"
