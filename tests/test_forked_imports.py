"""The import launcher (``textlabel.ingest.forked_imports``) under every way of serving: a real
server forks it before it serves, a large upload's import child is forked from it, and when
it is gone the next upload still goes in (a fresh child, said in the server's log). Killed
and dying forked children are in ``test_import_child.py``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from tests.factories import make_project, make_user
from tests.helpers import DATA, PASSWORD
from tests.served import DEADLINE_S, ROOT, free_port, server_env, wait_answering
from tests.test_start_up import ENTRY_POINTS
from textlabel.models import Document

HEADLINES = DATA / "peer_formats" / "prodigy" / "raw_news-headlines-nyt.jsonl"
FALLBACK = "does not answer; a fresh child imports"


def _named(root: int, name: str) -> list[int]:
    """The processes under ``root`` (any depth) whose /proc/PID/comm is ``name``."""
    parents, names = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
                names[int(entry.name)] = (entry / "comm").read_text().strip()
            except OSError:
                continue
    found = []
    for pid, comm in names.items():
        ancestor = parents.get(pid)
        while ancestor not in (None, 0, 1, root):
            ancestor = parents.get(ancestor)
        if ancestor == root and comm == name:
            found.append(pid)
    return found


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_every_way_of_serving_forks_import_children_from_its_launcher(
    session, database_url, tmp_path, entry: str
) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    port = free_port()
    command = [part.format(port=port) for part in ENTRY_POINTS[entry]]
    # The launcher's socket directory goes in a short TMPDIR of the test's own (a socket path
    # is at most 107 bytes): killed below, the launcher cannot remove it itself.
    scratch = tempfile.mkdtemp(prefix="tl-test-")
    env = server_env(database_url, tmp_path) | {
        "TEXTLABEL_IMPORT_CHILD_BYTES": "0",
        "TMPDIR": scratch,
    }
    log = tmp_path / "server.log"
    with log.open("wb") as err:
        server = subprocess.Popen(command, env=env, cwd=ROOT, stderr=err)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_answering(server, f"{base}/login", entry, time.monotonic() + DEADLINE_S)
        launchers = _named(server.pid, "tl-import-fork")
        assert len(launchers) == 1, "one launcher, forked by the server (gunicorn: its master)"
        token = requests.post(
            f"{base}/api/v1/auth/token", json={"username": "mgr", "password": PASSWORD}, timeout=60
        ).json()["token"]

        def upload() -> int:
            with HEADLINES.open("rb") as stream:
                response = requests.post(
                    f"{base}/api/v1/projects/{project.id}/documents",
                    headers={"Authorization": f"Bearer {token}"},
                    data={"preannotate": "false", "dedupe": "false"},
                    files={"file": (HEADLINES.name, stream)},
                    timeout=DEADLINE_S,
                )
            assert response.status_code == 201, response.text
            return int(response.json()["imported"])

        imported = upload()
        assert imported > 100
        assert FALLBACK not in log.read_text(errors="replace")  # the launcher forked it
        os.kill(launchers[0], signal.SIGKILL)
        assert upload() == imported  # a fresh child, said in the log
        assert FALLBACK in log.read_text(errors="replace")
        count = session.scalar(
            select(func.count(Document.id)).where(Document.project_id == project.id)
        )
        assert count == 2 * imported
    finally:
        server.terminate()
        server.wait(timeout=60)
        shutil.rmtree(scratch, ignore_errors=True)
