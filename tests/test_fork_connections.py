"""A child forked from a process holding SQLite connections (the job process, the import
launcher) sees the other processes' writes after its parent closes its connections
(``forking.fork_without_connections``). Run in a fresh interpreter: forking needs one thread."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CHILD_SEES_PARENT = r"""
import os, sys
from sqlalchemy import text
from textlabel.db import make_engine
from textlabel.forking import fork_without_connections

path, how = sys.argv[1], sys.argv[2]
engine = make_engine(f"sqlite:///{path}")
with engine.begin() as connection:  # a pooled connection stays open in this process
    connection.execute(text("CREATE TABLE t (x INTEGER)"))
    connection.execute(text("INSERT INTO t VALUES (1)"))
ready, go = os.pipe(), os.pipe()
pid = fork_without_connections(engine) if how == "closing" else os.fork()
if pid == 0:
    engine.dispose(close=False)  # what the job process does with what it inherits
    with engine.connect() as connection:  # its own connection, open throughout
        connection.execute(text("SELECT count(*) FROM t")).scalar()
        connection.rollback()
        os.write(ready[1], b"1")
        os.read(go[0], 1)
        seen = connection.execute(text("SELECT count(*) FROM t")).scalar()
    os._exit(0 if seen == 2 else 3)
os.read(ready[0], 1)
engine.dispose()  # the parent closes its connections (serving.settle does before serving)
with engine.begin() as connection:
    connection.execute(text("INSERT INTO t VALUES (2)"))
os.write(go[1], b"1")
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run(tmp_path: Path, how: str) -> int:
    command = [sys.executable, "-c", CHILD_SEES_PARENT, str(tmp_path / "f.db"), how]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode in (0, 3), done.stderr
    return done.returncode


def test_a_child_forked_without_connections_sees_writes_after_its_parent_closes_its_own(
    tmp_path: Path,
) -> None:
    assert _run(tmp_path, "closing") == 0


def test_a_plain_fork_from_an_open_sqlite_connection_loses_sight_of_the_log(
    tmp_path: Path,
) -> None:
    """Why the helper exists: the same steps with ``os.fork()`` leave the child reading the
    deleted log's index (it counts 1 row, not 2)."""
    assert _run(tmp_path, "plain") == 3
