"""How a process starts worker processes: forked when it runs one thread, else spawned.

A forked worker starts with what this process imported (spaCy for an import's tokenizer,
psycopg and the writers for an export) instead of importing it again; a fork is safe only
while no other thread can hold a lock the child would inherit held (a web server's threads),
and ``ProcessPoolExecutor`` forks its workers before starting threads of its own.
"""

from __future__ import annotations

import multiprocessing
import threading


def start_method() -> str:
    """``fork`` when this process has one thread (nothing can hold a lock a child would
    inherit held; the pool starts its own threads after forking its workers), else
    ``spawn``."""
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return "fork"
    return "spawn"
