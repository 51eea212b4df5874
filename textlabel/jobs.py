"""Background jobs (pre-annotation, large imports and exports) with progress in the database.

Job functions are plain callables ``fn(session, job, progress)`` registered by name in
``KINDS``; a runner only decides where they run. The embedded runner is a small thread pool
inside the web process (nothing to install); with ``TEXTLABEL_REDIS_URL`` set, jobs go to RQ
on Redis and ``textlabel worker`` processes on any machine run the same functions
(``textlabel.workers``). Progress, errors, cancellation, the owner and a heartbeat live on
the ``Job`` row, so any process can report on any job, a runner takes a job with one
conditional UPDATE (two processes never run one job), and recovery marks only jobs whose
runner stopped beating.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Engine, func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from textlabel.config import from_env
from textlabel.db import reading
from textlabel.errors import NotFound, TextlabelError
from textlabel.models import Job, User
from textlabel.models.base import utcnow

log = logging.getLogger(__name__)


def heartbeat_s() -> float:
    """How often a running job beats (``TEXTLABEL_JOB_HEARTBEAT_S``, 5 s, read by the runner;
    ``bench/heartbeat.py`` measures how late beats get)."""
    return float(from_env("JOB_HEARTBEAT_S"))


def stale_timeout() -> timedelta:
    """How long without a beat before a job's runner counts as gone
    (``TEXTLABEL_JOB_STALE_S``, 60 s: twelve beats; read by the sweeper): never under three."""
    return timedelta(seconds=max(float(from_env("JOB_STALE_S")), 3 * heartbeat_s()))


FANNED_OUT = "chunks"  # the owner of a parent whose chunk jobs do the work


@dataclass(frozen=True, slots=True)
class Kind:
    target: str  # "module:function", imported when a job of this kind runs
    resumable: bool  # what an interrupted job's message may promise
    reads_only: bool = False  # runs on read snapshots: never holds SQLite's write lock


KINDS: dict[str, Kind] = {
    "preannotate": Kind("textlabel.nlp.preannotate:run_job", resumable=True),
    "preannotate_chunk": Kind("textlabel.nlp.chunks:run_chunk", resumable=True),
    "export": Kind("textlabel.export.service:run_job", resumable=False, reads_only=True),
    "train": Kind("textlabel.training.service:run_job", resumable=False),
}


class Cancelled(Exception):
    """Raised inside a job when someone asked to cancel it."""


Progress = Callable[[int, int], None]


class Runner(Protocol):
    def submit(self, job_id: int) -> None: ...


def this_host() -> str:
    """The host part of a runner's name, which ``recover_dead_owners`` trusts to mean "pids
    I can check": the host name, the machine's id when it has one (two machines may share a
    host name, such as a cloned image's), and the process-id namespace when it is not the
    host's own (two containers may share a host name, never their pids)."""
    host = socket.gethostname().replace(":", "_")
    machine = _machine_id()
    if machine:
        host = f"{host}~{machine}"
    try:
        namespace = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        return host
    return host if namespace == _INIT_PID_NAMESPACE else f"{host}~{namespace}"


_INIT_PID_NAMESPACE = 0xEFFFFFFC  # the kernel's fixed inode of the initial pid namespace


@functools.cache
def _machine_id() -> str:
    """The first 12 characters of systemd's /etc/machine-id (unique per installed machine),
    or "" where there is none (most containers: their host name is already unique)."""
    try:
        return Path("/etc/machine-id").read_text().strip()[:12].replace(":", "_")
    except OSError:
        return ""


def runner_name() -> str:
    """Who runs a job: host, process and thread, unique among live runners."""
    return f"{this_host()}:{os.getpid()}:{threading.get_ident()}"


def job_function(kind: str) -> Callable[[Session, Job, Progress], dict[str, Any]]:
    if kind not in KINDS:
        raise NotFound(f"unknown job kind {kind!r}; known: {', '.join(sorted(KINDS))}")
    module, _, name = KINDS[kind].target.partition(":")
    fn: Callable[[Session, Job, Progress], dict[str, Any]] = getattr(
        importlib.import_module(module), name
    )
    return fn


def make_progress(session: Session, job: Job) -> Progress:
    """A callback that stores progress and raises ``Cancelled`` once cancelling was asked.

    Written in a short transaction of its own, so a job reading for minutes (an export)
    never holds a write transaction, and the job's own work is not committed by it."""
    engine = session.get_bind()
    job_id = job.id

    def progress(done: int, total: int) -> None:
        with reading(writes=True), Session(engine) as own:
            own.execute(
                update(Job)
                .where(Job.id == job_id)
                .values(done=done, total=total, heartbeat_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            cancelled = own.scalar(select(Job.cancel_requested).where(Job.id == job_id))
            own.commit()
        if cancelled:
            raise Cancelled

    return progress


def take(session: Session, job_id: int, owner: str) -> Job | None:
    """Mark a queued job running for ``owner`` in one conditional UPDATE; None when another
    runner took it first (or it was cancelled)."""
    now = utcnow()
    taken = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="running", owner=owner, heartbeat_at=now, started_at=now, error=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if not taken.rowcount:  # type: ignore[attr-defined]
        return None
    return session.get(Job, job_id, populate_existing=True)


class _Heartbeat:
    """Beats for one job from a thread of its own while the job runs (spaCy may hold the
    job's own thread for minutes between progress reports)."""

    def __init__(self, engine: Engine, job_id: int) -> None:
        self._stop = threading.Event()
        self._every = heartbeat_s()
        self._thread = threading.Thread(
            target=self._beat, args=(engine, job_id), daemon=True, name=f"heartbeat-{job_id}"
        )

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every * 2)

    def _beat(self, engine: Engine, job_id: int) -> None:
        while not self._stop.wait(self._every):
            try:
                with Session(engine) as session:
                    session.execute(
                        update(Job)
                        .where(Job.id == job_id, Job.status == "running")
                        .values(heartbeat_at=utcnow())
                        .execution_options(synchronize_session=False)
                    )
                    session.commit()
            except SQLAlchemyError:  # busy: the next beat will do
                log.warning("heartbeat of job %s missed", job_id, exc_info=True)


def run(session: Session, job: Job, progress: Progress | None = None) -> Job:
    """Run a job this runner has taken, recording its outcome on the row; never raises for
    job errors."""
    job_id = job.id
    result: dict[str, Any] = {}
    status, error = "done", None
    engine = session.get_bind()
    try:
        reads_only = job.kind in KINDS and KINDS[job.kind].reads_only
        with _Heartbeat(engine, job_id), reading(writes=not reads_only):  # type: ignore[arg-type]
            fn = job_function(job.kind)
            session.commit()  # begin the job's work in a transaction of the right kind
            result = fn(session, job, progress or make_progress(session, job))
    except Cancelled:
        status = "cancelled"
    except TextlabelError as e:
        status, error = "failed", e.message
    except Exception as e:  # a bug must end the job visibly, not kill the worker thread
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        # No SQL or parameters in what users read: the log has the details.
        status, error = "failed", f"internal error ({type(e).__name__}); see the server log"
    if status != "done":
        session.rollback()
    else:
        session.commit()  # ends a job's read snapshot before the outcome is written
    if result.get("_detached"):  # fanned out: the last chunk finishes the job
        return job
    # Re-read the row: whatever the job function did to its session, the outcome is stored.
    job = session.get(Job, job_id, populate_existing=True) or job
    job.status, job.error, job.result, job.finished_at = status, error, result, utcnow()
    session.commit()
    if job.parent_id is not None:
        finish_parent(session, job.parent_id)
    return job


def finish_parent(session: Session, parent_id: int) -> None:
    """End a fanned-out job once none of its chunks is queued or running (each chunk calls
    this as it ends; the last one to commit sees all the others ended). Its result sums the
    chunks' numeric results."""
    states = dict(
        session.execute(
            select(Job.status, func.count()).where(Job.parent_id == parent_id).group_by(Job.status)
        ).all()
    )
    if states.get("queued") or states.get("running"):
        return
    status = "done"
    if states.get("cancelled") or states.get("failed"):
        status = "cancelled" if states.get("cancelled") else "failed"
    results = session.scalars(select(Job.result).where(Job.parent_id == parent_id)).all()
    summary: dict[str, Any] = {"chunks": len(results)}
    for result in results:
        for key, value in (result or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                summary[key] = summary.get(key, 0) + value
    error = None
    if status == "failed":
        error = session.scalar(
            select(Job.error).where(Job.parent_id == parent_id, Job.status == "failed").limit(1)
        )
    children = select(func.coalesce(func.sum(Job.done), 0)).where(Job.parent_id == parent_id)
    session.execute(
        update(Job)
        .where(Job.id == parent_id, Job.status == "running")
        .values(status=status, error=error, result=summary, finished_at=utcnow(),
                done=children.scalar_subquery())
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.commit()


def run_queued(engine: Engine, job_id: int) -> None:
    """Take and run one queued job here (what every runner calls)."""
    with Session(engine, expire_on_commit=False) as session:
        job = take(session, job_id, runner_name())
        if job is not None:
            run(session, job)


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


def interrupted_message(kind: str) -> str:
    resumable = KINDS[kind].resumable if kind in KINDS else False
    if resumable:
        return "interrupted: its runner stopped; run it again to resume (finished work is kept)"
    return "interrupted: its runner stopped; run it again (it starts over)"


def recover_stale(engine: Engine, *, stale_after: timedelta | None = None) -> list[Job]:
    """Mark running jobs whose heartbeat stopped (``stale_after``, by default
    ``TEXTLABEL_JOB_STALE_S``) as failed, from any process; returns them.

    A job whose runner is alive beats every few seconds, so it is never touched, whichever
    process runs it. A chunk of a fanned-out job goes back to the queue (chunks are
    idempotent) instead; interrupted exports lose their partial file."""
    cutoff = utcnow() - (stale_after if stale_after is not None else stale_timeout())
    return _recover(engine, (Job.heartbeat_at < cutoff) | Job.heartbeat_at.is_(None))


def recover_process(engine: Engine, pid: int) -> list[Job]:
    """``recover_stale`` for the jobs of process ``pid`` on this host, which its parent saw
    end: at once, without waiting for their heartbeat to go stale."""
    return _recover(engine, Job.owner.startswith(f"{this_host()}:{pid}:"))


def recover_dead_owners(engine: Engine) -> list[Job]:
    """``recover_stale`` at once for running jobs whose runner was a process of this host
    that no longer exists (a ``textlabel serve`` killed with -9, its job process gone with
    it): a restarted server or job process need not wait a minute for the heartbeat. A live
    process's jobs, and other hosts' (their heartbeat tells), are left alone; a dead pid
    taken by a new process only looks alive, so its jobs wait for the heartbeat."""
    prefix = f"{this_host()}:"
    with reading(), Session(engine) as session:
        owners = session.scalars(
            select(Job.owner)
            .where(Job.status == "running", Job.owner.startswith(prefix))
            .distinct()
        ).all()
    pids = {int(p) for o in owners if o and (p := o[len(prefix) :].split(":")[0]).isdigit()}
    recovered: list[Job] = []
    for pid in sorted(pids):
        if not _alive(pid):
            recovered += recover_process(engine, pid)
    return recovered


def _alive(pid: int) -> bool:
    """Whether process ``pid`` of this host still runs (a zombie has ended: not alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc: kill's answer is all there is
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _recover(engine: Engine, gone: ColumnElement[bool]) -> list[Job]:
    with Session(engine, expire_on_commit=False) as session:
        stale = list(
            session.scalars(
                select(Job).where(
                    Job.status == "running", gone, Job.owner.is_distinct_from(FANNED_OUT)
                )
            )
        )
        recovered: list[Job] = []
        requeued: list[Job] = []
        for job in stale:
            retry = job.parent_id is not None
            values: dict[str, Any] = (
                {"status": "queued", "owner": None, "heartbeat_at": None}
                if retry
                else {"status": "failed", "error": interrupted_message(job.kind),
                      "finished_at": utcnow()}
            )  # fmt: skip
            marked = session.execute(  # unless it beat in the meantime
                update(Job)
                .where(Job.id == job.id, Job.status == "running", gone)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount:  # type: ignore[attr-defined]
                for name, value in values.items():  # what callers report: the new status
                    set_committed_value(job, name, value)
                (requeued if retry else recovered).append(job)
        session.commit()
    for job in recovered:
        _remove_partial(job)
    if _runner is not None:
        for job in requeued:
            _runner.submit(job.id)
    return recovered + requeued


def _remove_partial(job: Job) -> None:
    path = job.params.get("path") if job.kind == "export" else None
    if path:
        partial = f"{path}.part"
        if os.path.exists(partial):
            os.remove(partial)


def requeue_orphans(engine: Engine, runner: Runner) -> int:
    """Hand queued jobs to ``runner`` again (a restarted embedded runner lost its queue);
    harmless when another runner also has them: only one can take a job."""
    with Session(engine) as session:
        ids = list(session.scalars(select(Job.id).where(Job.status == "queued")))
    for job_id in ids:
        runner.submit(job_id)
    return len(ids)


def queued_ids(engine: Engine, *, older_than: timedelta) -> list[int]:
    """Jobs still queued ``older_than`` after they were created (candidates for a runner
    that lost them; the age spares a job its creator has not handed over yet)."""
    cutoff = utcnow() - older_than
    with reading(), Session(engine) as session:
        query = select(Job.id).where(Job.status == "queued", Job.created_at < cutoff)
        return list(session.scalars(query.order_by(Job.id)))


def _status(engine: Engine, job_id: int) -> str | None:
    with reading(), Session(engine) as session:
        return session.scalar(select(Job.status).where(Job.id == job_id))


def wait_ended(engine: Engine, job_id: int, deadline: float | None, interval: float) -> None:
    """Block until the job's row says it ended (``deadline``: a ``time.monotonic()``)."""
    while _status(engine, job_id) in ("queued", "running"):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"job {job_id} still running")
        time.sleep(interval)


_runner: Runner | None = None


def use_runner(runner: Runner) -> None:
    """Where jobs started from here on go (the app factory and ``textlabel worker`` set it)."""
    global _runner
    _runner = runner


def submit(job_id: int) -> None:
    """Hand a created job to this process's runner."""
    if _runner is None:
        raise RuntimeError("no job runner configured")
    _runner.submit(job_id)


class JobRunner:
    """Runs jobs on a few threads of this process, each with its own database session."""

    def __init__(self, engine: Engine, *, workers: int = 1) -> None:
        self.engine = engine
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        """Run ``job_id`` on a thread here, unless it is already waiting or running here."""
        with self._lock:
            held = self._futures.get(job_id)
            if held is not None and not held.done():
                return
            self._futures = {i: f for i, f in self._futures.items() if not f.done()}
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="job")
            self._futures[job_id] = self._executor.submit(run_queued, self.engine, job_id)

    def busy(self) -> bool:
        """Whether a job is waiting or running on this runner's threads."""
        with self._lock:
            return any(not future.done() for future in self._futures.values())

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until the job has finished (tests, CLI), fanned-out chunks included."""
        deadline = None if timeout is None else time.monotonic() + timeout
        future = self._futures.get(job_id)
        if future is not None:
            future.result(timeout)
        wait_ended(self.engine, job_id, deadline, interval=0.05)

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
