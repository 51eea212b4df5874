"""Sharing one loaded app between forked web processes (gunicorn ``--preload``).

Each gunicorn worker that builds its own app holds its own copy of Flask, SQLAlchemy, spaCy
and textlabel's modules (about 185 MiB resident apiece). ``gunicorn.conf.py`` builds the app
once in the master instead; ``start_jobs`` starts the job process there (one for all
workers), and ``warm_up`` builds there what requests would otherwise build in every worker
(the tokenizer, the spaCy model only when jobs run in the web processes, what the first
requests build) and freezes the collector's view of it, so the
workers keep those pages shared copy-on-write instead of dirtying them on their first
collection. ``after_fork`` gives each worker its own database connections.

Every way of serving (``textlabel serve`` and ``demo``, ``waitress-serve wsgi:app``,
gunicorn's master through ``gunicorn.conf.py``) does the same ``start_up`` work once before
its first request: what the runners and importers of a stopped server left is recovered.
"""

from __future__ import annotations

import atexit
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textlabel import heapholes, jobs
from textlabel.config import under_gunicorn
from textlabel.extensions import db

if TYPE_CHECKING:
    from textlabel.ingest.forked_imports import Launcher
    from textlabel.jobprocess import JobProcess


log = logging.getLogger(__name__)

by_gunicorn_conf = False  # gunicorn.conf.py sets it: its master starts the job process


class JobsOnWebThreads(RuntimeError):
    """gunicorn started without gunicorn.conf.py: nothing would start the one job process,
    and the jobs would run on the workers' threads (holding their interpreter lock)."""


def start_jobs_for_wsgi(app: Any) -> JobProcess | None:
    """What ``wsgi.py`` does for the server that imports it: ``waitress-serve wsgi:app`` (or
    any one-process WSGI server) gets a job process, stopped when the process exits (a killed
    server's job process exits by itself), and the ``start_up`` work; gunicorn with
    ``gunicorn.conf.py`` gets both from the conf (its master); gunicorn without it is refused,
    with what to run instead. Redis or ``TEXTLABEL_JOB_PROCESS=false`` keep jobs where they
    say (under gunicorn without the conf each worker then does ``start_up``: each step is
    safe from any number of processes)."""
    if by_gunicorn_conf:
        return None
    if app.config.get("REDIS_URL") or not app.config.get("JOB_PROCESS", True):
        start_up(app)
        _stop_at_exit(start_imports(app))
        return None
    if under_gunicorn():
        raise JobsOnWebThreads(
            "gunicorn was started without textlabel's gunicorn.conf.py, so no job process "
            "would run background jobs (pre-annotation, training, exports) and they would "
            "block the web workers. Start it with `gunicorn -c /path/to/textlabel/"
            "gunicorn.conf.py` (run from the checkout, gunicorn reads ./gunicorn.conf.py by "
            "itself), or set TEXTLABEL_REDIS_URL and run `textlabel worker`, or "
            "TEXTLABEL_JOB_PROCESS=false to run jobs on the workers' threads."
        )
    process = start_jobs(app, start=False)
    start_up(app)
    _stop_at_exit(start_imports(app))  # forked before the job process's watching thread
    if process is not None:
        process.start()
        atexit.register(process.stop)
    return process


def _stop_at_exit(launcher: Launcher | None) -> None:
    if launcher is not None:
        atexit.register(launcher.stop)


def start_imports(app: Any) -> Launcher | None:
    """Fork the import launcher (``textlabel.ingest.forked_imports``) from this process, which
    must not serve yet (one thread), so that large uploads are imported in children forked
    from a loaded process instead of fresh Pythons; None when imports never run in a child
    (``TEXTLABEL_IMPORT_CHILD_BYTES=off``, in-memory SQLite) or this process has threads.
    Its forked workers (gunicorn) use it too. The caller stops it."""
    from textlabel.db import in_memory
    from textlabel.ingest import forked_imports
    from textlabel.ingest.in_child import child_bytes

    engine = app.extensions["textlabel.db"]
    if child_bytes() is None or in_memory(engine.url):
        return None
    return forked_imports.start(engine)


def start_up(app: Any, say: Callable[[str], object] = log.warning) -> None:
    """Once per app, before its first request and after its job runner is chosen
    (``start_jobs``): mark the jobs a stopped server's runners left running (at once those
    of this host's processes that are gone, others once their heartbeat is stale; live jobs
    are left alone), hand the queued jobs to this process's thread runner when jobs run on
    its threads (the embedded queue lived in a process now gone; the job process and Redis
    find them themselves), and remove (or finish publishing) imports whose importer stopped
    beating. A database that does not answer yet is said and skipped: the job process's
    sweep recovers jobs later, and the next start the imports."""
    if app.extensions.get("textlabel.started_up"):
        return
    app.extensions["textlabel.started_up"] = True
    from textlabel.ingest.staging import remove_abandoned

    engine = app.extensions["textlabel.db"]
    try:
        for job in [*jobs.recover_dead_owners(engine), *jobs.recover_stale(engine)]:
            say(f"job {job.id} ({job.kind}) lost its runner: {job.status}")
        runner = app.extensions["textlabel.jobs"]
        if isinstance(runner, jobs.JobRunner):
            jobs.requeue_orphans(engine, runner)
        removed = remove_abandoned(engine)
    except Exception as e:  # noqa: BLE001  (not migrated, or not up yet: serve regardless)
        say(f"recovering what a stopped server left failed ({type(e).__name__}); skipped")
        log.debug("start-up recovery failed", exc_info=True)
        return
    if removed:
        say(f"removed {removed} abandoned import(s)")


def start_jobs(app: Any, *, start: bool = True) -> JobProcess | None:
    """Start the job process for ``app`` (``start`` false: the caller starts it) and send its
    jobs there (before any fork, so forked workers inherit the runner); None when jobs run
    elsewhere (Redis) or, with ``JOB_PROCESS`` false, on threads of the web process. The
    caller stops it."""
    if app.config.get("REDIS_URL") or not app.config.get("JOB_PROCESS", True):
        return None
    from textlabel.jobprocess import JobProcess, ProcessRunner

    engine = app.extensions["textlabel.db"]
    runner = ProcessRunner(engine)
    app.extensions["textlabel.jobs"] = runner
    jobs.use_runner(runner)
    process = JobProcess(engine, app.config)
    return process.start() if start else process


def warm_up(app: Any) -> None:
    """Load in this (master) process what the forked workers would each load on first use.

    The spaCy model is loaded only when jobs run on threads of the web processes
    (``TEXTLABEL_JOB_PROCESS=0``, no ``TEXTLABEL_REDIS_URL``): otherwise pre-annotation runs
    in the job process or ``textlabel worker``, and a web process never loads it. Same
    pipeline, same tokens: only where it is loaded moves."""
    import textlabel.nlp.preannotate  # noqa: F401  (a web process resolves it to start one)
    from textlabel.nlp.pipeline import load_pipeline, tokenize_text

    tokenize_text("Warm up. The tokenizer and its sentence ends.")
    threads = isinstance(app.extensions.get("textlabel.jobs"), jobs.JobRunner)
    if threads and not app.config.get("REDIS_URL"):
        load_pipeline()
    settle(app)


def settle(app: Any) -> None:
    """Once, before a web process's first request: what its first requests build lazily is
    built now, then every object alive is frozen out of the cyclic collector, so that it is
    never scanned (nor written, which keeps a forked worker's pages shared). Unfrozen, a
    full collection of the start-up heap stalls every request thread for a few hundred ms
    about every thousand saves (bench/save_cpu.py's in-process probe: 6 % of a save's CPU)."""
    _first_requests(app)
    heapholes.before_fork()  # children share the most of this process's pages


def _first_requests(app: Any) -> None:
    """A page, a static file, API refusals, a token look-up and an annotator's hot requests
    (``web.warm_paths``), so what a process builds on its first requests (templates,
    statement caches, the MIME types table, lazily built objects) is built once, here, and
    shared (bench/memory.py). No request writes; the master's pooled connections are closed
    before the fork."""
    from textlabel.web.warm_paths import warm_paths

    client = app.test_client()
    pages = ("/login", "/static/app.css", "/api/v1/projects", "/api/v1/projects/1/documents")
    for path in pages:
        client.get(path).close()  # a static file's response holds the file open
    client.get("/api/v1/projects", headers={"Authorization": "Bearer warm-up"})
    warm_paths(app)  # an annotator's list, fetch and save, as far as they go without writing
    if db.engine is not None:
        db.engine.dispose()


def after_fork() -> None:
    """In a forked worker: drop any database connection inherited from the master (SQLAlchemy's
    advice for forking: the child must not use the parent's sockets)."""
    if db.engine is not None:
        db.engine.dispose(close=False)
