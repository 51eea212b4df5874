"""A throwaway Redis for a benchmark: ``--redis scratch`` in bench/memory.py and
bench/workers.py.

redis-server writes ``dump.rdb`` into its working directory (on shutdown, and every few
minutes with its default save points); one started from the checkout got its dump committed.
This one saves nothing (``--save ""``, no append-only file), runs in a temporary folder, and
is stopped when the block ends.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from server import free_port  # bench/server.py: BENCH_PORTS keeps it to this user's range


@contextmanager
def scratch_redis() -> Iterator[str]:
    """A fresh ``redis://127.0.0.1:PORT/0``, gone with its folder afterwards."""
    from redis import Redis

    if shutil.which("redis-server") is None:
        raise RuntimeError("--redis scratch needs redis-server on PATH")
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as folder:
        command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", folder]  # fmt: skip
        process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL)
        url = f"redis://127.0.0.1:{port}/0"
        try:
            for _ in range(100):
                try:
                    Redis.from_url(url).ping()
                    break
                except Exception:
                    time.sleep(0.1)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)
