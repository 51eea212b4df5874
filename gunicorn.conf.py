"""gunicorn settings for textlabel, read by ``gunicorn wsgi:app`` run from this folder.

The app and the spaCy model are loaded once in the master and shared copy-on-write by the
workers (see textlabel/serving.py); ``--workers``/``-w`` and ``-b`` still override these.
"""

import os

wsgi_app = "wsgi:app"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
timeout = 300
preload_app = True


def when_ready(server):  # type: ignore[no-untyped-def]
    """In the master, after the app is loaded and before the first fork."""
    if server.cfg.preload_app:
        from textlabel.serving import warm_up

        warm_up(server.app.wsgi())


def post_fork(server, worker):  # type: ignore[no-untyped-def]
    from textlabel.serving import after_fork

    after_fork()
