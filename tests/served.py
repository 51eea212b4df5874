"""Real servers in tests: a free loopback port, the environment a server needs, and waiting
for its first answer (the entry points as README runs them, not the Flask test client)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent  # gunicorn reads ./gunicorn.conf.py, wsgi.py
DEADLINE_S = 240


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    """This test's database, secret and instance folder; no Redis, job-process or server
    setting inherited from the shell that runs the tests."""
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": database_url, "TEXTLABEL_SECRET_KEY": "k",
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance")}  # fmt: skip
    for name in ("TEXTLABEL_REDIS_URL", "TEXTLABEL_JOB_PROCESS", "SERVER_SOFTWARE"):
        env.pop(name, None)
    return env


def wait_answering(server: subprocess.Popen[bytes], url: str, name: str, deadline: float) -> None:
    """Until ``url`` answers at all; fails at once if the server exited, or at ``deadline``."""
    while True:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            assert server.poll() is None, f"{name} exited"
            assert time.monotonic() < deadline, f"{name} did not answer"
            time.sleep(0.3)


LAUNCHER = "tl-import-fork"  # /proc/PID/comm of the import launcher (forked_imports)


def server_children(pid: int) -> list[int]:
    """The processes ``pid`` started (job process, gunicorn workers), without its import
    launcher (``textlabel.ingest.forked_imports``)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = []
    for child in map(int, found.split()):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() == LAUNCHER:
                continue
        except OSError:
            continue  # gone
        children.append(child)
    return children
