"""How a process starts worker processes: forked when it runs one thread, else spawned.

A forked worker starts with what this process imported (spaCy for an import's tokenizer,
psycopg and the writers for an export) instead of importing it again; a fork is safe only
while no other thread can hold a lock the child would inherit held (a web server's threads),
and ``ProcessPoolExecutor`` forks its workers before starting threads of its own.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable

from sqlalchemy import Engine


def start_method() -> str:
    """``fork`` when this process has one thread (nothing can hold a lock a child would
    inherit held; the pool starts its own threads after forking its workers), else
    ``spawn``."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"


def initializer(method: str) -> Callable[[], None] | None:
    """What a pool's worker started by ``method`` runs first: a forked one freezes what it
    inherits (``gc.freeze``), so its collections never free nor finalize this process's
    objects (an open connection: its socket is shared) nor walk and copy their pages."""
    return gc.freeze if method == "fork" else None


def fork_without_connections(engine: Engine | None) -> int:
    """``os.fork()`` once ``engine``'s pooled connections in this process are closed, for a
    child that opens connections of its own (the job process, the import launcher).

    SQLite keeps one record per process of the locks its connections hold on a file, and a
    forked child inherits that record but not the locks (POSIX locks are not inherited). The
    child's own connection then trusts the record and never takes the shared lock that tells
    other processes the write-ahead log is in use; when this process later closed its last
    connection (``serving.settle`` does, before gunicorn forks), SQLite checkpointed and deleted
    the log and its index under the child, which went on reading the dead index: it never saw
    another process's writes again (in ``textlabel demo`` a second pre-annotation stayed
    queued for ever). With no connection open here at the fork, the child locks as any
    process does (``tests/test_fork_connections.py``)."""
    if engine is not None:
        engine.dispose()
    return os.fork()
