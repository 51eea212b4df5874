"""gunicorn as README runs it (``gunicorn.conf.py``: the app loaded once in the master,
workers forked from it, one job process started by the master): the workers share the
master's pages, an import through a forked worker gives the tokens ``tokenize_text`` gives,
and the pre-annotation it starts runs in the job process."""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from tests.factories import make_user
from tests.helpers import PASSWORD
from tests.served import ROOT, free_port, server_children, server_env, wait_answering
from textlabel.models import Job
from textlabel.nlp import pipeline
from textlabel.serving import warm_up

DEADLINE_S = 180
TEXT = "Dr. Ada Lovelace met Charles Babbage in London, didn't she?  She wrote (in 1843) of it!"


def _kib(pid: int) -> dict[str, int]:
    rows = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    return {k: int(v.split()[0]) for k, v in (row.split(":", 1) for row in rows)}


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _children(pid: int, *, jobs: bool = False) -> list[int]:
    """The master's web workers (or, with ``jobs``, its job process: the niced one)."""
    return [c for c in server_children(pid) if (_nice(c) > _nice(pid)) == jobs]


@pytest.fixture
def gunicorn(database_url: str, tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    # cwd: gunicorn reads ./gunicorn.conf.py, as in README's production section
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(command, env=server_env(database_url, tmp_path), cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:  # a failed start must not leave the master and its workers running
        wait_answering(process, url + "/login", "gunicorn", time.monotonic() + DEADLINE_S)
        yield url, process
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_workers_share_the_preloaded_app_tokenize_and_preannotate(
    session, gunicorn: tuple[str, subprocess.Popen[bytes]]
) -> None:
    url, master = gunicorn
    deadline = time.monotonic() + DEADLINE_S
    while len(workers := _children(master.pid)) < 2:  # the first may answer before the second
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1)  # both past their start
    for pid in workers:  # forked from a loaded app: mostly shared
        kib = _kib(pid)
        assert kib["Shared_Clean"] + kib["Shared_Dirty"] > 2 * kib["Private_Dirty"], kib
    make_user(session, "admin", admin=True)
    credentials = {"username": "admin", "password": PASSWORD}
    token = requests.post(f"{url}/api/v1/auth/token", json=credentials, timeout=30).json()["token"]
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {token}"
    api = f"{url}/api/v1"
    project = http.post(f"{api}/projects", json={"name": "p", "labels": [{"name": "PER"}]})
    pid = project.json()["id"]
    csv = io.BytesIO(f'text\n"{TEXT}"\n'.encode())
    imported = http.post(f"{api}/projects/{pid}/documents", data={"preannotate": "true"},
                         files={"file": ("d.csv", csv)}, timeout=60).json()  # fmt: skip
    deadline = time.monotonic() + DEADLINE_S
    while (job := http.get(f"{api}/jobs/{imported['job']}").json())["status"] in (
        "queued", "running",
    ):  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done", job
    ran = session.scalar(select(Job.owner).where(Job.id == imported["job"]))
    assert ran and ran.split(":")[1] in map(str, _children(master.pid, jobs=True)), ran
    did = http.get(f"{api}/projects/{pid}/documents").json()["items"][0]["id"]
    document = http.get(f"{api}/documents/{did}").json()
    expected = pipeline.tokenize_text(TEXT)
    assert [(t["start"], t["end"]) for t in document["tokens"]] == list(
        zip(expected.starts, expected.ends, strict=True)
    )
    assert document["sent_starts"] == expected.sent_starts
    spans = document["prediction"]["spans"]  # PERSON, from the job process's model
    assert any(TEXT[s["start"] : s["end"]] == "Ada Lovelace" for s in spans), spans


def test_warm_up_loads_the_model_only_where_jobs_run(app: Flask) -> None:
    pipeline._load.cache_clear()
    try:
        app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # jobs run in `textlabel worker`
        warm_up(app)
        assert pipeline._load.cache_info().currsize == 0
        assert gc.get_freeze_count() > 0
        app.config["REDIS_URL"] = None  # jobs run in the web processes: loaded before the fork
        warm_up(app)
        assert pipeline._load.cache_info().currsize == 1
    finally:
        gc.unfreeze()


def test_warm_up_builds_what_a_workers_first_requests_would(tmp_path: Path) -> None:
    """In a fresh interpreter, as gunicorn's master: the MIME types table (a static file's
    first request reads /etc/mime.types) and the pre-annotation module (resolved by the web
    process that starts one) are built before the fork, once, not by each worker."""
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "TEXTLABEL_SECRET_KEY": "k",
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance")}  # fmt: skip
    probe = (
        "import sys, mimetypes\n"
        "from textlabel import create_app\n"
        "from textlabel.serving import start_jobs, warm_up\n"
        "app = create_app(); start_jobs(app, start=False)\n"
        "before = (mimetypes.inited, 'textlabel.nlp.preannotate' in sys.modules)\n"
        "warm_up(app)\n"
        "print(before, (mimetypes.inited, 'textlabel.nlp.preannotate' in sys.modules))\n"
    )
    subprocess.run([sys.executable, "-m", "textlabel.cli", "init"], env=env, cwd=ROOT,
                   capture_output=True, timeout=120, check=True)  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(False, False) (True, True)"


def test_a_web_process_starts_without_scipy(tmp_path: Path) -> None:
    """scipy (about 35 MiB resident) is for coreference agreement only: a web process that
    never scores it must not carry it."""
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": f"sqlite:///{tmp_path / 'w.db'}",
           "TEXTLABEL_SECRET_KEY": "k",
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance")}  # fmt: skip
    probe = "import sys, wsgi; print(sorted(m for m in sys.modules if m.split('.')[0] == 'scipy'))"
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_serve_settles_its_web_process_before_the_first_request(app: Flask, monkeypatch) -> None:
    """``textlabel serve`` (one waitress process) freezes its start-up heap as gunicorn's
    master does: unfrozen, a full collection of it stalls every request thread now and then."""
    import signal

    import waitress

    from textlabel.cli.server import serve

    seen: dict[str, object] = {}

    def served(wsgi_app: Flask, **_options: object) -> None:  # waitress, at the first request
        seen["app"], seen["frozen"] = wsgi_app, gc.get_freeze_count()

    monkeypatch.setattr(waitress, "serve", served)
    app.config["JOB_PROCESS"] = False  # the job process has its own test (test_job_process)
    sigterm = signal.getsignal(signal.SIGTERM)
    gc.unfreeze()
    try:
        serve(app, host="127.0.0.1", port=0, threads=1)
    finally:
        gc.unfreeze()
        signal.signal(signal.SIGTERM, sigterm)
    assert seen["app"] is app
    assert isinstance(seen["frozen"], int) and seen["frozen"] > 0
