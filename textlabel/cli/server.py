"""``textlabel init``, ``serve`` and ``demo``: set up an instance and serve it with waitress."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import TYPE_CHECKING

import click
from flask import Flask

from textlabel.cli._util import (
    create_app,
    instance_ready,
    migrate,
    progress_bar,
    session_of,
    shown_url,
)

if TYPE_CHECKING:
    from textlabel.ingest.forked_imports import Launcher
    from textlabel.jobprocess import JobProcess


@click.command("init")
def init_cli() -> None:
    """Create the instance folder and secret key, and migrate the database (idempotent)."""
    instance = instance_ready()
    app = create_app()
    migrate(app)
    click.echo(f"database ready: {shown_url(app.config['DATABASE_URL'])} (instance {instance})")


def serve(
    app: Flask, *, host: str, port: int, threads: int, job_process: JobProcess | None = None,
    launcher: Launcher | None = None,
) -> None:  # fmt: skip
    """Choose the job runner, recover what a stopped server left (``serving.start_up``),
    start the job process, then serve ``app`` until Ctrl+C. A ``job_process`` already
    started (the demo's) comes with the import ``launcher`` forked before it, or None."""
    from waitress import serve as waitress_serve

    from textlabel.serving import settle, start_imports, start_jobs, start_up

    started = job_process is not None
    if not started:
        job_process = start_jobs(app, start=False)  # jobs out of the web process's interpreter lock
    start_up(app, say=click.echo)  # after the runner is chosen: orphans never run on our threads
    settle(app)
    if not started:  # forked from the settled app, before any thread
        launcher = start_imports(app)
    if job_process is not None and not started:
        job_process.start()  # forked from the settled app: its frozen pages stay shared
    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    signal.signal(signal.SIGTERM, _exit)  # a service manager's stop also stops the job process
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="textlabel")
    finally:
        if job_process is not None:
            job_process.stop()
        if launcher is not None:
            launcher.stop()


def _exit(_signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(0)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve_cli(host: str, port: int, threads: int) -> None:
    """Serve the web app and API with waitress."""
    serve(create_app(), host=host, port=port, threads=threads)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo, print credentials, and exit.")
def demo_cli(host: str, port: int, no_serve: bool) -> None:
    """Create ./instance with SQLite, demo accounts and a project of real news text; serve it."""
    from textlabel.demo import seed_demo
    from textlabel.serving import start_imports, start_jobs

    instance_ready()
    app = create_app()
    migrate(app)
    with session_of(app) as session:
        info = seed_demo(session)
    # Served: the job process pre-annotates (and keeps the model), not this web process; the
    # import launcher is forked first, while this process has one thread (forking is safe).
    launcher = None if no_serve else start_imports(app)
    job_process = None if no_serve else start_jobs(app)
    try:
        preannotated = _preannotate_demo(app, info.project_id, job_process)
    except BaseException:
        if job_process is not None:
            job_process.stop()
        if launcher is not None:
            launcher.stop()
        raise
    click.echo(
        f"demo project {info.project_id} ready ({info.new_documents} new documents, "
        f"{preannotated} pre-annotated)"
    )
    click.echo(f"open http://{host}:{port}/ and sign in as:")
    for username, password in info.credentials.items():
        click.echo(f"  {username:<12} {password}")
    if not no_serve:
        serve(app, host=host, port=port, threads=8, job_process=job_process, launcher=launcher)


def _preannotate_demo(app: Flask, project_id: int, job_process: JobProcess | None) -> int:
    """Pre-annotate the demo project here, or as a job of the job process; the count done."""
    from textlabel import jobs
    from textlabel.db import reading
    from textlabel.models import Job
    from textlabel.nlp.preannotate import preannotate_project
    from textlabel.projects.service import find_project

    with session_of(app) as session, progress_bar("pre-annotating the demo") as progress:
        project = find_project(session, project_id)
        if job_process is None:
            return preannotate_project(session, project, progress=progress).done
        job = jobs.create(session, "preannotate", project_id=project.id)
        with reading():  # the job process writes the row: poll it without SQLite's write lock
            while True:
                row = session.get(Job, job.id, populate_existing=True)  # not the loaded row
                status, done, total, error = (
                    (row.status, row.done, row.total, row.error) if row else (None, 0, 0, None)
                )
                session.rollback()  # end the snapshot before waiting
                if status not in ("queued", "running"):
                    break
                if total:
                    progress(done, total)
                time.sleep(0.2)
        if status != "done":
            raise click.ClickException(f"pre-annotating the demo: {error or 'the job is gone'}")
        return done
