"""Benchmarks' throwaway Redis writes no dump anywhere (one started from the checkout once got
its dump.rdb committed), and nothing in the repository is a Redis dump."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_the_bench_redis_saves_nothing_in_the_folder_it_was_started_from(tmp_path: Path) -> None:
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from redis import Redis; from scratch_redis import scratch_redis\n"
        "with scratch_redis() as url:\n"
        "    r = Redis.from_url(url); r.set('k', 'v'); r.bgsave(); print(r.config_get('save'))"
    )
    subprocess.run([sys.executable, "-c", probe, str(ROOT / "bench")], cwd=tmp_path, check=True,
                   env={**os.environ}, timeout=120)  # fmt: skip
    assert not list(tmp_path.rglob("*.rdb")), "redis wrote a dump where it was started"


def test_no_redis_dump_is_tracked() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if tracked.returncode != 0:
        pytest.skip("not a git checkout")
    assert not [p for p in tracked.stdout.split() if p.endswith((".rdb", ".aof"))]
