"""Sharing one loaded app between forked web processes (gunicorn ``--preload``).

Each gunicorn worker that builds its own app holds its own copy of Flask, SQLAlchemy, spaCy
and textlabel's modules (about 185 MiB resident apiece). ``gunicorn.conf.py`` builds the app
once in the master instead; ``start_jobs`` starts the job process there (one for all
workers), and ``warm_up`` builds there what requests would otherwise build in every worker
(the tokenizer, the spaCy model only when jobs run in the web processes, what the first
requests build) and freezes the collector's view of it, so the
workers keep those pages shared copy-on-write instead of dirtying them on their first
collection. ``after_fork`` gives each worker its own database connections.
"""

from __future__ import annotations

import atexit
import gc
from typing import TYPE_CHECKING, Any

from textlabel import jobs
from textlabel.config import under_gunicorn
from textlabel.extensions import db

if TYPE_CHECKING:
    from textlabel.jobprocess import JobProcess


by_gunicorn_conf = False  # gunicorn.conf.py sets it: its master starts the job process


class JobsOnWebThreads(RuntimeError):
    """gunicorn started without gunicorn.conf.py: nothing would start the one job process,
    and the jobs would run on the workers' threads (holding their interpreter lock)."""


def start_jobs_for_wsgi(app: Any) -> JobProcess | None:
    """What ``wsgi.py`` does for the server that imports it: ``waitress-serve wsgi:app`` (or
    any one-process WSGI server) gets a job process, stopped when the process exits (a killed
    server's job process exits by itself); gunicorn with ``gunicorn.conf.py`` gets it from the
    conf (its master); gunicorn without it is refused, with what to run instead. Redis or
    ``TEXTLABEL_JOB_PROCESS=false`` keep jobs where they say."""
    if app.config.get("REDIS_URL") or not app.config.get("JOB_PROCESS", True):
        return None
    if by_gunicorn_conf:
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
    process = start_jobs(app)
    if process is not None:
        atexit.register(process.stop)
    return process


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
    from textlabel.nlp.pipeline import load_pipeline, tokenize_text

    tokenize_text("Warm up. The tokenizer and its sentence ends.")
    threads = isinstance(app.extensions.get("textlabel.jobs"), jobs.JobRunner)
    if threads and not app.config.get("REDIS_URL"):
        import textlabel.nlp.preannotate  # noqa: F401  (what a pre-annotation job imports)

        load_pipeline()
    settle(app)


def settle(app: Any) -> None:
    """Once, before a web process's first request: what its first requests build lazily is
    built now, then every object alive is frozen out of the cyclic collector, so that it is
    never scanned (nor written, which keeps a forked worker's pages shared). Unfrozen, a
    full collection of the start-up heap stalls every request thread for a few hundred ms
    about every thousand saves (bench/save_cpu.py's in-process probe: 6 % of a save's CPU)."""
    _first_requests(app)
    gc.collect()
    gc.freeze()


def _first_requests(app: Any) -> None:
    """A page, an API refusal and a token look-up, so what a process builds on its first
    requests (templates, statement caches, lazily built objects) is built once, here, and
    shared (bench/memory.py). No request writes; the master's pooled connections are closed
    before the fork."""
    client = app.test_client()
    for path in ("/login", "/api/v1/projects", "/api/v1/projects/1/documents?per_page=10"):
        client.get(path)
    client.get("/api/v1/projects", headers={"Authorization": "Bearer warm-up"})
    if db.engine is not None:
        db.engine.dispose()


def after_fork() -> None:
    """In a forked worker: drop any database connection inherited from the master (SQLAlchemy's
    advice for forking: the child must not use the parent's sockets)."""
    if db.engine is not None:
        db.engine.dispose(close=False)
