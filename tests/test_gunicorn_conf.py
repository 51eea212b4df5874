"""gunicorn.conf.py's defaults keep memory down: two worker processes of four threads (each
forked worker holds private copies of the shared pages it touches, 30-40 MiB after serving:
two of them instead of four), with at most two malloc arenas a worker; the job process gives
freed heap back after each job."""

from __future__ import annotations

import runpy
from pathlib import Path

import textlabel.serving
from tests.helpers import fresh_python
from textlabel import freemem

ROOT = Path(__file__).resolve().parent.parent


def test_the_conf_serves_eight_requests_at_once_from_two_processes(monkeypatch) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.setattr(textlabel.serving, "by_gunicorn_conf", False)  # the conf sets it
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert conf["workers"] == 2 and conf["threads"] == 4
    assert conf["preload_app"] is True
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["workers"] == 3


def test_glibc_takes_the_arena_limit_and_gives_freed_heap_back() -> None:
    blocks = [bytearray(64 * 1024) for _ in range(200)]  # ~12 MiB on glibc's heap, then freed
    del blocks
    assert freemem.release()  # glibc here (CI's Debian); a no-op elsewhere
    assert freemem.limit_arenas(8)  # this process's own default, as a worker would set 2


def test_the_master_fills_its_heap_holes_before_each_worker_fork() -> None:
    """pre_fork takes the free chunks of the master's main heap (textlabel/heapholes.py), so
    a worker's allocations do not copy the master's pages around them. In a new interpreter,
    single-threaded as the master is (``helpers.fresh_python``)."""
    import platform

    if platform.libc_ver()[0] != "glibc":
        return
    fresh_python(
        "import runpy\n"
        "import textlabel.serving\n"
        "from textlabel import heapholes\n"
        "textlabel.serving.by_gunicorn_conf = False\n"
        f"conf = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        "blocks = [bytes(700 + 37 * (i % 300)) for i in range(4000)]\n"
        "del blocks[::2]\n"
        "holes = heapholes.free_below_top()\n"
        "conf['pre_fork'](None, None)\n"
        "assert holes and (heapholes.free_below_top() or 0) < holes // 50\n"
    )


def test_the_master_closes_its_connections_before_each_worker_fork(tmp_path: Path) -> None:
    """A worker re-forked after the master opened a connection (its job-process watcher
    recovers a dead job process's jobs through one) must not inherit it: SQLite's lock
    record of an open connection misleads the child (textlabel/forking.py). Counted as the
    master's open descriptors of the database file, in a new single-threaded interpreter."""
    path = tmp_path / "master.db"
    fresh_python(
        "import os, runpy\n"
        "from sqlalchemy import text\n"
        "import textlabel.serving\n"
        "from textlabel.extensions import db\n"
        "textlabel.serving.by_gunicorn_conf = False\n"
        f"conf = runpy.run_path({str(ROOT / 'gunicorn.conf.py')!r})\n"
        f"path = {str(path)!r}\n"
        "def open_files():\n"
        "    fds = os.listdir('/proc/self/fd')\n"
        "    return sum(os.path.realpath(f'/proc/self/fd/{fd}') == path for fd in fds)\n"
        "engine = db.bind('sqlite:///' + path)\n"
        "with engine.connect() as connection:\n"
        "    connection.execute(text('SELECT 1'))\n"
        "assert open_files() == 1, open_files()  # pooled, as the watcher's recovery leaves it\n"
        "conf['pre_fork'](None, None)\n"
        "assert open_files() == 0, open_files()\n"
    )
