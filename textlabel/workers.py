"""The distributed job runner: RQ on Redis, and the ``textlabel worker`` process.

A web process with ``TEXTLABEL_REDIS_URL`` set enqueues only a job's id; any ``textlabel
worker`` on any machine (same database URL, same Redis) takes it with ``jobs.take`` and runs
the registered job function, exactly as the embedded runner does. The worker loads the spaCy
pipeline once at start (``SimpleWorker``: jobs run in the worker process itself, so the
pipeline stays loaded), beats for the jobs it runs and, every ``SWEEP_S``, recovers jobs
whose runner stopped beating, from whichever worker notices first. The sweep also sends
again a job whose row still says "queued" but whose id left Redis without a runner taking
it (a worker killed between RQ's dequeue and ``jobs.take``, or Redis lost the entry): an
RQ job's id is the row's, so a look at the queue tells which rows are in it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from textlabel import jobs

log = logging.getLogger(__name__)

QUEUE = "textlabel"
SWEEP_S = 15.0
_engine: Engine | None = None


def rq_id(job_id: int) -> str:
    """The RQ job id of job row ``job_id``: one id per row, so the queue can be checked."""
    return f"textlabel-job-{job_id}"


def _queue(redis_url: str) -> Any:
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url))


class RQRunner:
    """Puts job ids on the Redis queue; ``textlabel worker`` processes run them."""

    def __init__(self, engine: Engine, redis_url: str) -> None:
        self.engine = engine
        self.queue = _queue(redis_url)

    def submit(self, job_id: int) -> None:
        # No RQ timeout: progress, cancellation and liveness are ours (the Job row).
        self.queue.enqueue(
            perform, job_id, job_id=rq_id(job_id), job_timeout=-1, result_ttl=0,
            failure_ttl=86400,
        )  # fmt: skip

    def resubmit_lost(self, older_than: timedelta) -> list[int]:
        """Send again the rows queued for longer than ``older_than`` that Redis no longer
        holds; returns their ids. A duplicate is harmless: ``jobs.take`` is conditional,
        so a row is run once however many times its id is queued."""
        candidates = jobs.queued_ids(self.engine, older_than=older_than)  # before the queue
        waiting = set(self.queue.get_job_ids())
        lost = [job_id for job_id in candidates if rq_id(job_id) not in waiting]
        for job_id in lost:
            self.submit(job_id)
        return lost

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job has ended, whichever worker runs it (tests, CLI)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        jobs.wait_ended(self.engine, job_id, deadline, interval=0.1)


def perform(job_id: int) -> None:
    """What an RQ worker runs: take job ``job_id`` (unless another runner did) and run it."""
    if _engine is None:
        raise RuntimeError("perform runs inside `textlabel worker`")
    jobs.run_queued(_engine, job_id)


def sweep(runner: RQRunner, stale_after: timedelta) -> None:
    """One recovery pass: running jobs of this host's gone processes, stale running jobs,
    then queued rows whose RQ entry is gone."""
    for job in [
        *jobs.recover_dead_owners(runner.engine),
        *jobs.recover_stale(runner.engine, stale_after=stale_after),
    ]:
        log.warning("job %s lost its runner: %s", job.id, job.status)
    for job_id in runner.resubmit_lost(stale_after):
        log.warning("job %s was queued but no longer in Redis: sent again", job_id)


def _sweep(runner: RQRunner, stop: threading.Event, stale_after: float | None) -> None:
    while not stop.wait(SWEEP_S):
        try:
            stale = jobs.stale_timeout() if stale_after is None else timedelta(seconds=stale_after)
            sweep(runner, stale)
        except Exception:  # the sweep must outlive a busy database or Redis
            log.warning("recovery sweep failed", exc_info=True)


def work(
    engine: Engine, redis_url: str, *, name: str | None = None, burst: bool = False,
    preload: str | None = "default", stale_after: float | None = None,
) -> None:  # fmt: skip
    """Run jobs from the queue until stopped (or, with ``burst``, until it is empty);
    ``stale_after`` None: ``TEXTLABEL_JOB_STALE_S``."""
    from redis import Redis
    from rq import SimpleWorker

    global _engine
    _engine = engine
    runner = RQRunner(engine, redis_url)
    jobs.use_runner(runner)  # chunk jobs a job creates go to Redis too
    if preload is not None:
        from textlabel.nlp import load_pipeline

        load_pipeline(None if preload == "default" else preload)
    stop = threading.Event()
    sweeper = threading.Thread(target=_sweep, args=(runner, stop, stale_after), daemon=True)
    sweeper.start()
    try:
        worker = SimpleWorker([QUEUE], name=name, connection=Redis.from_url(redis_url))
        worker.work(burst=burst, logging_level="WARNING")
    finally:
        stop.set()
