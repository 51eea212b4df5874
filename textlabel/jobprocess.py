"""Background jobs in a local child process: the default runner without Redis.

Pre-annotation and training are CPU work in Python; run on a thread of the web process, they
hold its interpreter lock, and every request waits for it. ``textlabel serve``, the demo and
gunicorn (``gunicorn.conf.py``) therefore start one job process beside the web process(es)
and stop it with themselves (forked from the loaded app, or ``python -m
textlabel.jobprocess``; see ``JobProcess``), at a lower CPU priority so requests win the
cores. It loads the spaCy pipeline once, takes every queued job row from the database
(the web process only creates the row: ``ProcessRunner.submit`` has nothing to hand over)
and runs the registered job functions on ``JOB_WORKERS`` threads, exactly as the
thread runner and ``textlabel worker`` do: progress, cancelling, heartbeat and the
conditional take are the ``Job`` row's. Its parent restarts it when it dies, and marks the
jobs it held as interrupted at once (chunks go back to the queue); it exits on its own when
its parent is gone, marking its own jobs so. Starting, and every ``SWEEP_S``, it recovers at
once the running jobs of processes of this host that are gone (a server killed with -9).
``TEXTLABEL_JOB_PROCESS=0`` keeps jobs on threads of the web process.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from types import FrameType
from typing import Any

from sqlalchemy import Engine

from textlabel import freemem, heapholes, jobs
from textlabel.config import ENV_PREFIX, setting_names
from textlabel.forking import fork_without_connections

log = logging.getLogger(__name__)

POLL_S = 0.25  # how soon a queued job starts
SWEEP_S = 15.0
NICENESS = 10  # below the web process: requests win the cores
RESTART_S = 2.0  # the pause before a dead job process is replaced


class ProcessRunner:
    """The web process's runner when a job process runs its jobs: the queued row is the
    hand-over, so ``submit`` has nothing to do."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def submit(self, job_id: int) -> None:
        """The job process finds the row within ``POLL_S``."""

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        jobs.wait_ended(self.engine, job_id, deadline, interval=0.1)


class JobProcess:
    """Starts the job process, replaces it when it dies, and stops it (from the web process,
    or gunicorn's master).

    The first one is forked from the loaded web app before it serves (no other thread yet),
    so the two share the interpreter, libraries and app pages copy-on-write and only the model
    is the job process's own; a replacement, started while the web process serves on many
    threads (where forking is unsafe), is a fresh ``python -m textlabel.jobprocess``."""

    def __init__(self, engine: Engine, config: dict[str, Any]) -> None:
        self.engine = engine
        self.workers = int(config.get("JOB_WORKERS", 1))
        self.env = {**os.environ, **child_env(config)}
        self.owner = os.getpid()  # forked gunicorn workers inherit this object: not theirs
        self.pid: int | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._ended = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> JobProcess:
        self._spawn()
        threading.Thread(target=self._watch, daemon=True, name="job-process").start()
        return self

    def _spawn(self) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            self._ended.clear()
            if threading.active_count() == 1:
                self.pid = self._fork()
                return
            command = [sys.executable, "-m", "textlabel.jobprocess", "--parent", str(self.owner)]
            # its own session: a Ctrl+C in the terminal reaches the parent, which stops it
            self._popen = subprocess.Popen(command, env=self.env, start_new_session=True)
            self.pid = self._popen.pid
            lower = os.getpriority(os.PRIO_PROCESS, 0) + NICENESS  # from its first moment
            os.setpriority(os.PRIO_PROCESS, self.pid, min(lower, 19))

    def _fork(self) -> int:
        heapholes.before_fork()  # children share the most of this process's pages
        pid = fork_without_connections(self.engine)
        if pid:
            return pid
        try:  # the job process: never returns into the web server's code
            os.setsid()
            for sig in _INHERITED_HANDLERS:  # gunicorn's master handlers are not ours
                signal.signal(sig, signal.SIG_DFL)
            os.nice(NICENESS)
            self.engine.dispose(close=False)  # the parent's connections stay the parent's
            serve_jobs(self.engine, workers=self.workers, parent=self.owner)
        except BaseException:
            log.exception("the job process failed")
        os._exit(1)

    def _watch(self) -> None:
        while (pid := self.pid) is not None:
            code = _wait(pid)
            if self._stopping.is_set():
                self._ended.set()
                return
            log.warning("the job process %s ended (exit %s); starting another", pid, code)
            self._recover(pid)
            self._ended.set()
            if self._stopping.wait(RESTART_S):
                return
            self._spawn()

    def _recover(self, pid: int) -> None:
        try:
            for job in jobs.recover_process(self.engine, pid):
                log.warning("job %s lost its runner (process %s): %s", job.id, pid, job.status)
        except Exception:  # a busy database: the heartbeat sweep recovers them later
            log.warning("recovering the jobs of process %s failed", pid, exc_info=True)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the job process; the jobs it was running are marked interrupted (resumable
        ones say "run it again to resume")."""
        if os.getpid() != self.owner:
            return
        with self._lock:
            self._stopping.set()
            pid = self.pid
        if pid is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                break
            if self._ended.wait(timeout):
                break
        self._recover(pid)


_INHERITED_HANDLERS = [
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGCHLD", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2",
                 "SIGTTIN", "SIGTTOU", "SIGWINCH")
]  # fmt: skip


def _wait(pid: int) -> int | None:
    """Block until child ``pid`` ends; its exit code (None when someone else reaped it:
    gunicorn's master reaps every child)."""
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return None
    return os.waitstatus_to_exitcode(status)


def child_env(config: dict[str, Any]) -> dict[str, str]:
    """The app's settings as the TEXTLABEL_* variables the job process builds its app from
    (an app built from a dict, as in tests, has settings no variable holds)."""
    env: dict[str, str] = {}
    for name in setting_names():
        value = config.get(name)
        if value is not None:
            env[ENV_PREFIX + name] = str(value)
    return env


def serve_jobs(
    engine: Engine, *, workers: int = 1, parent: int | None = None,
    preload: str | None = "default", stale_after: float | None = None,
) -> None:  # fmt: skip
    """The job process's loop: hand every queued job to this process's threads, until the
    parent is gone or SIGTERM (then exit at once: the parent recovers the jobs held here)."""
    runner = jobs.JobRunner(engine, workers=workers)
    jobs.use_runner(runner)  # chunk jobs a job creates run here too
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if preload is not None:
        from textlabel.nlp import load_pipeline

        load_pipeline(None if preload == "default" else preload)
        freemem.release()  # loading leaves ~12 MiB of freed heap that glibc would keep
    poller = Poller(engine, runner, stale_after=stale_after)
    while not stop.is_set() and (parent is None or os.getppid() == parent):
        poller.poll()
        stop.wait(POLL_S)
    if not stop.is_set():  # the parent is gone (killed with -9?): nobody else recovers these
        try:
            jobs.recover_process(engine, os.getpid())
        except Exception:  # the next job process, or the heartbeat sweep, will
            log.warning("recovering this process's jobs failed", exc_info=True)
    os._exit(0)  # without waiting for running jobs' threads


class Poller:
    """One pass of the job process's loop: the recovery sweep when due, then every queued job
    to the runner. A failing database is said once per outage, not every 0.25 s (a database
    never migrated says what to run), and once more when it answers again."""

    def __init__(
        self, engine: Engine, runner: jobs.JobRunner, *, stale_after: float | None = None
    ) -> None:
        self.engine, self.runner, self.stale_after = engine, runner, stale_after
        self.swept = 0.0
        self.was_busy = False
        self.failing = False

    def poll(self) -> None:
        if self.was_busy and not self.runner.busy():  # a job ended: its freed heap back
            freemem.release()
        try:
            if time.monotonic() - self.swept > SWEEP_S:  # at once, then every SWEEP_S
                self.swept = time.monotonic()
                for job in jobs.recover_dead_owners(self.engine):
                    log.warning("job %s lost its runner (a process gone): %s", job.id, job.status)
                stale = None if self.stale_after is None else timedelta(seconds=self.stale_after)
                jobs.recover_stale(self.engine, stale_after=stale)  # None: TEXTLABEL_JOB_STALE_S
            for job_id in jobs.queued_ids(self.engine, older_than=timedelta(0)):
                self.runner.submit(job_id)
        except Exception as e:  # the loop must outlive a busy or missing database
            self._failed(e)
        else:
            if self.failing:
                log.warning("the job process reaches the database again; jobs run")
            self.failing = False
        self.was_busy = self.runner.busy()

    def _failed(self, error: Exception) -> None:
        if self.failing:
            log.debug("looking for jobs failed again", exc_info=True)
            return
        self.failing = True
        self.swept = 0.0  # sweep again as soon as it answers
        url = self.engine.url.render_as_string(hide_password=True)
        if not _has_job_table(self.engine):
            log.warning(
                "the database %s has no textlabel tables (never migrated): no job runs until "
                "`textlabel init` (same TEXTLABEL_DATABASE_URL) creates them; the job process "
                "keeps looking, quietly", url,
            )  # fmt: skip
            return
        log.warning(
            "looking for jobs in %s failed; trying again every %s s, quietly until it works",
            url, POLL_S, exc_info=True,
        )  # fmt: skip


def _has_job_table(engine: Engine) -> bool:
    from sqlalchemy import inspect

    from textlabel.models import Job

    try:
        return inspect(engine).has_table(Job.__tablename__)
    except Exception:  # the database does not answer at all: not a missing migration
        return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="textlabel's local job process")
    parser.add_argument("--parent", type=int, default=None, help="exit when it is gone")
    parser.add_argument("--model", default="default", help="'none': load on first use")
    args = parser.parse_args(argv)
    from textlabel.spacy_cli import defer

    defer()  # a fresh job process: spaCy without its command line (about 12 MiB)
    from textlabel.config import load_settings
    from textlabel.db import make_engine
    from textlabel.review.service import connect_events

    # Not the web app: job functions need the database and the review hook only, and Flask,
    # the blueprints and the templates would cost this process memory for nothing.
    settings = load_settings()
    engine = make_engine(
        settings["DATABASE_URL"], busy_timeout=settings["DB_BUSY_TIMEOUT_S"],
        synchronous_commit=settings["PG_SYNCHRONOUS_COMMIT"],
    )  # fmt: skip
    connect_events()
    serve_jobs(
        engine, workers=settings["JOB_WORKERS"], parent=args.parent,
        preload=None if args.model == "none" else args.model,
    )  # fmt: skip


if __name__ == "__main__":
    main()
