"""Background jobs (pre-annotation, large imports and exports) with progress in the database.

The embedded runner is a small thread pool inside the web process: nothing to install. Job
functions are plain callables ``fn(session, job, progress)`` registered by name in ``KINDS``,
so a real queue (RQ on Redis) can run the same functions on other machines. Progress, errors
and cancellation live on the ``Job`` row, so any web process can report on any job.
"""

from __future__ import annotations

import importlib
import logging
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from textlabel.errors import NotFound, TextlabelError
from textlabel.models import Job, User
from textlabel.models.base import utcnow

log = logging.getLogger(__name__)

# kind -> "module:function"; imported when a job of that kind runs.
KINDS: dict[str, str] = {
    "preannotate": "textlabel.nlp.preannotate:run_job",
    "export": "textlabel.export.service:run_job",
    "train": "textlabel.training.service:run_job",
}


class Cancelled(Exception):
    """Raised inside a job when someone asked to cancel it."""


Progress = Callable[[int, int], None]


def job_function(kind: str) -> Callable[[Session, Job, Progress], dict[str, Any]]:
    if kind not in KINDS:
        raise NotFound(f"unknown job kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    module, _, name = KINDS[kind].partition(":")
    fn: Callable[[Session, Job, Progress], dict[str, Any]] = getattr(
        importlib.import_module(module), name
    )
    return fn


def make_progress(session: Session, job: Job) -> Progress:
    """A callback that stores progress and raises ``Cancelled`` once cancelling was asked."""

    def progress(done: int, total: int) -> None:
        job.done, job.total = done, total
        session.commit()
        session.refresh(job, ["cancel_requested"])
        if job.cancel_requested:
            raise Cancelled

    return progress


def run(session: Session, job: Job, progress: Progress | None = None) -> Job:
    """Run ``job`` here and now, recording its outcome on the row; never raises for job errors."""
    job.status, job.started_at, job.error = "running", utcnow(), None
    session.commit()
    job_id = job.id
    result: dict[str, Any] = {}
    status, error = "done", None
    try:
        result = job_function(job.kind)(session, job, progress or make_progress(session, job))
    except Cancelled:
        status = "cancelled"
    except TextlabelError as e:
        status, error = "failed", e.message
    except Exception as e:  # a bug must end the job visibly, not kill the worker thread
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        status, error = "failed", f"internal error: {e}"
    if status != "done":
        session.rollback()
    # Re-read the row: whatever the job function did to its session, the outcome is stored.
    job = session.get(Job, job_id) or job
    job.status, job.error, job.result, job.finished_at = status, error, result, utcnow()
    session.commit()
    return job


def create(
    session: Session,
    kind: str,
    *,
    project_id: int | None,
    params: dict[str, Any] | None = None,
    user: User | None = None,
) -> Job:
    job_function(kind)  # unknown kinds fail before anything is stored
    job = Job(
        kind=kind,
        project_id=project_id,
        params=params or {},
        created_by_id=user.id if user else None,
    )
    session.add(job)
    session.commit()
    return job


def cancel(session: Session, job: Job) -> Job:
    """Ask a job to stop; it stops at its next progress report (queued jobs never start)."""
    if job.status in ("queued", "running"):
        job.cancel_requested = True
        if job.status == "queued":
            job.status, job.finished_at = "cancelled", utcnow()
        session.commit()
    return job


def recover_interrupted(engine: Engine) -> int:
    """Mark jobs left "running" by a dead process as failed; returns how many.

    Only safe where this process is the only runner (``textlabel serve`` / ``demo``). The work
    itself is resumable: pre-annotation skips finished documents, so re-running continues.
    """
    with Session(engine) as session:
        result = session.execute(
            update(Job)
            .where(Job.status.in_(("running", "queued")))
            .values(status="failed", error="interrupted by a restart; run it again to resume",
                    finished_at=utcnow())
        )  # fmt: skip
        session.commit()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class JobRunner:
    """Runs jobs on a few threads of this process, each with its own database session."""

    def __init__(self, engine: Engine, *, workers: int = 1) -> None:
        self.engine = engine
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="job")
            self._futures[job_id] = self._executor.submit(self._run, job_id)

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job has finished in this process (tests, CLI)."""
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def _run(self, job_id: int) -> None:
        with Session(self.engine, expire_on_commit=False) as session:
            job = session.get(Job, job_id)
            if job is None or job.status != "queued":
                return
            run(session, job)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
