"""Benchmark: pre-annotation fanned out to 1, 2, 4 ``textlabel worker`` processes (issue 13).

In one run, on the same documents (UD paragraphs from ../shared/data, as
``bench/preannotate.py``):

1. the baseline: raw ``nlp.pipe`` of the bare model in this one process (nothing stored);
2. for each worker count N: a fresh PostgreSQL schema holding the documents, N ``textlabel
   worker`` processes on one Redis, started and warmed up (spaCy loaded) before the clock
   starts; then a pre-annotation job (entities + POS) submitted as the web process submits
   it, fanned out into chunk jobs, timed from submission until the parent job is done.

It prints docs/s per worker count, the ratio to raw ``nlp.pipe`` and the speed-up per worker
over one worker. Workers beyond the machine's cores cannot add speed; the figure says how
close N workers come to N cores. Needs PostgreSQL and Redis (``--redis scratch`` starts a
throwaway ``redis-server`` that writes no dump, see bench/scratch_redis.py):

    .venv/bin/python bench/workers.py --postgres URL [--redis scratch|redis://127.0.0.1:6379/15]
                                      [--docs 10000] [--workers 1,2,4] [--chunk 500]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from preannotate import document_rows, load_texts, raw_rate  # noqa: E402
from server import empty_schema  # noqa: E402

from textlabel import jobs, migrate  # noqa: E402
from textlabel.auth.service import create_user  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Document, Job  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project  # noqa: E402
from textlabel.workers import RQRunner  # noqa: E402


def fresh_project(url: str, texts: list[str], chunk: int) -> tuple[int, int]:
    """An empty schema holding one project with ``texts``; (project id, job id) not started."""
    empty_schema(url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session, "bench", "bench-password")
        project = create_project(
            session, name="bench", created_by=user, layers=["entities", "pos"],
            labels=[LabelSpec(n) for n in ("PERSON", "ORG", "GPE", "DATE")],
        )  # fmt: skip
        session.execute(insert(Document), document_rows(project.id, texts))
        session.commit()
        job = jobs.create(
            session, "preannotate", project_id=project.id, params={"chunk_docs": chunk}, user=user
        )
        ids = project.id, job.id
    engine.dispose()
    return ids


def wait_for_workers(redis_url: str, count: int, timeout: float = 300) -> None:
    """Until ``count`` RQ workers are registered: ``textlabel worker`` loads spaCy first."""
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while Worker.count(connection=connection) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"{count} workers did not come up in {timeout:.0f} s")
        time.sleep(0.2)


def timed_run(url: str, redis_url: str, texts: list[str], workers: int, chunk: int) -> float:
    """Seconds from submitting the job to its end, with ``workers`` warmed-up workers."""
    from redis import Redis

    Redis.from_url(redis_url).flushdb()
    _pid, job_id = fresh_project(url, texts, chunk)
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TEXTLABEL_DATABASE_URL": url, "TEXTLABEL_REDIS_URL": redis_url,
               "TEXTLABEL_SECRET_KEY": "bench", "TEXTLABEL_INSTANCE": tmp}  # fmt: skip
        command = [sys.executable, "-m", "textlabel.cli", "worker"]
        started = [subprocess.Popen(command, env=env) for _ in range(workers)]
        try:
            wait_for_workers(redis_url, workers)
            engine = make_engine(url)
            runner = RQRunner(engine, redis_url)
            start = time.perf_counter()
            runner.submit(job_id)
            runner.wait(job_id, timeout=3600)
            elapsed = time.perf_counter() - start
            with Session(engine) as session:
                job = session.get(Job, job_id)
                assert job is not None and job.status == "done", job and job.error
            engine.dispose()
        finally:
            for process in started:
                process.terminate()
            for process in started:
                process.wait(timeout=60)
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("TEXTLABEL_BENCH_POSTGRES_URL"))
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--chunk", type=int, default=500, help="documents per chunk job")
    args = parser.parse_args()
    if not args.postgres:
        parser.error("--postgres URL (or TEXTLABEL_BENCH_POSTGRES_URL) is required")
    if args.redis == "scratch":
        from contextlib import ExitStack

        from scratch_redis import scratch_redis

        stack = ExitStack()
        args.redis = stack.enter_context(scratch_redis())
    texts = load_texts(args.docs)
    print(f"{len(texts):,} documents, {os.cpu_count()} CPUs, chunks of {args.chunk}")
    raw = raw_rate(texts, coref=False)
    print(f"  {'raw nlp.pipe, this process':<30} {raw:9,.1f} docs/s")
    one = None
    for count in [int(n) for n in args.workers.split(",")]:
        rate = len(texts) / timed_run(args.postgres, args.redis, texts, count, args.chunk)
        one = one or rate
        print(
            f"  {f'{count} textlabel worker(s)':<30} {rate:9,.1f} docs/s  "
            f"{rate / raw:5.2f}x raw  speed-up {rate / one:4.2f}x  "
            f"per worker {rate / one / count:4.2f}"
        )


if __name__ == "__main__":
    main()
