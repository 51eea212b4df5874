"""gunicorn settings for textlabel, read by ``gunicorn wsgi:app`` run from this folder.

The app is loaded once in the master and shared copy-on-write by the workers, and the
master starts the one job process they all send jobs to (see textlabel/serving.py);
``--workers``/``-w`` and ``-b`` still override these.
"""

import os

import textlabel.serving

textlabel.serving.by_gunicorn_conf = True  # wsgi.py: the master below starts the job process
wsgi_app = "wsgi:app"
# Two processes of four threads each (gthread): eight requests at once, on two cores as busy
# as four single-threaded workers, with two private copies of the shared pages a worker
# touches instead of four (bench/memory.py); -w N / WEB_CONCURRENCY and --threads override.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
timeout = 300
preload_app = True
_job_process = None
_launcher = None


def when_ready(server):  # type: ignore[no-untyped-def]
    """In the master, after the app is loaded and before the first fork."""
    global _job_process, _launcher
    from textlabel.serving import start_imports, start_jobs, start_up, warm_up

    # Loaded here even if preload_app was turned off: the job process needs the app, and
    # the workers forked next inherit it (gunicorn keeps the loaded callable).
    app = server.app.wsgi()
    _job_process = start_jobs(app, start=False)  # jobs go there: the model is not loaded
    start_up(app, say=server.log.warning)  # once, here, for every worker
    warm_up(app)
    _launcher = start_imports(app)  # large uploads' import children fork from it
    if _job_process is not None:
        _job_process.start()  # forked from the warmed-up app: most pages shared


def pre_fork(server, worker):  # type: ignore[no-untyped-def]
    """In the master, before each worker: what it freed since is taken (textlabel/heapholes),
    and the connections it opened since are closed. The first workers fork from a master with
    none (``serving.settle``); a worker re-forked later (a crash, ``max_requests``) would
    otherwise inherit SQLite's lock record of the one the job-process watcher opened to
    recover jobs (textlabel/forking.fork_without_connections says what that breaks)."""
    from textlabel.extensions import db
    from textlabel.heapholes import fill

    if db.engine is not None:
        db.engine.dispose()
    fill()


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    from textlabel.freemem import limit_arenas
    from textlabel.serving import after_fork

    after_fork()
    limit_arenas(2)  # a worker's four threads share two malloc arenas, not one each


def on_exit(server):  # type: ignore[no-untyped-def]
    """In the master, as gunicorn stops: the job process stops with it."""
    if _job_process is not None:
        _job_process.stop()
    if _launcher is not None:
        _launcher.stop()
