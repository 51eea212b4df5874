"""The job process's poll (``jobs.queued_ids``, every 0.25 s) and the sweep's look for running
jobs, on a job table of many ended jobs, without and with ``ix_job_status`` (migration 0024),
in one run: EXPLAIN's plan and the time per query, and the ratio.

    .venv/bin/python bench/job_poll.py [--database sqlite|URL] [--jobs 100000] [--n 200]

A PostgreSQL URL's database is emptied first.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from textlabel import jobs  # noqa: E402
from textlabel.models import Job  # noqa: E402
from textlabel.models.base import Base, utcnow  # noqa: E402


def plans(engine, url: str) -> list[str]:  # type: ignore[no-untyped-def]
    query = select(Job.id).where(Job.status == "queued", Job.created_at < utcnow())
    compiled = query.order_by(Job.id).compile(engine, compile_kwargs={"literal_binds": True})
    explain = "EXPLAIN QUERY PLAN " if url.startswith("sqlite") else "EXPLAIN "
    with engine.connect() as connection:
        rows = connection.execute(text(explain + str(compiled))).all()
    return [" ".join(str(c) for c in row[-1:]) for row in rows]


def timed(engine, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    queued, running = [], []
    for _ in range(n):
        start = time.perf_counter()
        jobs.queued_ids(engine, older_than=timedelta(0))
        queued.append(time.perf_counter() - start)
        start = time.perf_counter()
        jobs.recover_stale(engine)
        running.append(time.perf_counter() - start)
    return statistics.median(queued) * 1000, statistics.median(running) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--jobs", type=int, default=100_000, help="ended jobs in the table")
    parser.add_argument("--n", type=int, default=200, help="polls timed per side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database if args.database != "sqlite" else f"sqlite:///{tmp}/poll.db"
        engine = create_engine(url)
        Base.metadata.drop_all(engine)
        Base.metadata.create_all(engine)
        now = utcnow()
        with engine.begin() as connection:
            rows = [{"kind": "export", "status": "done", "params": {}, "result": {},
                     "created_at": now, "finished_at": now} for _ in range(args.jobs)]  # fmt: skip
            connection.execute(insert(Job), rows)
            connection.execute(insert(Job), [{"kind": "export", "status": "running",
                                              "params": {}, "result": {}, "owner": "h:1:1",
                                              "heartbeat_at": now, "created_at": now}])  # fmt: skip
        print(f"load average {os.getloadavg()[0]:.1f}; {args.jobs} ended jobs, {url.split(':')[0]}")
        figures = {}
        for side in ("without", "with"):
            with engine.begin() as connection:
                connection.execute(text("DROP INDEX IF EXISTS ix_job_status"))
                if side == "with":
                    connection.execute(text("CREATE INDEX ix_job_status ON job (status)"))
                if not url.startswith("sqlite"):
                    connection.execute(text("ANALYZE job"))
            figures[side] = timed(engine, args.n)
            print(f"  {side} ix_job_status: plan {plans(engine, url)}")
            print(f"    poll for queued p50 {figures[side][0]:.3f} ms, "
                  f"sweep for running p50 {figures[side][1]:.3f} ms")  # fmt: skip
        ratio = [w / wo for w, wo in zip(figures["with"], figures["without"], strict=True)]
        print(f"  with/without: poll {ratio[0]:.2f}x, sweep {ratio[1]:.2f}x")
        print(f"load average {os.getloadavg()[0]:.1f}")
        Base.metadata.drop_all(engine)


if __name__ == "__main__":
    main()
