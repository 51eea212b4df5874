"""``textlabel init``, ``serve`` and ``demo``: set up an instance and serve it with waitress."""

from __future__ import annotations

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


@click.command("init")
def init_cli() -> None:
    """Create the instance folder and secret key, and migrate the database (idempotent)."""
    instance = instance_ready()
    app = create_app()
    migrate(app)
    click.echo(f"database ready: {shown_url(app.config['DATABASE_URL'])} (instance {instance})")


def serve(app: Flask, *, host: str, port: int, threads: int) -> None:
    """Recover what stopped runners left (only jobs that stopped beating: other processes'
    live jobs are left alone), then serve ``app`` until Ctrl+C."""
    from waitress import serve as waitress_serve

    from textlabel.ingest.staging import remove_abandoned
    from textlabel.jobs import recover_stale, requeue_orphans

    engine = app.extensions["textlabel.db"]
    for job in recover_stale(engine):
        click.echo(f"job {job.id} ({job.kind}) lost its runner: {job.status}")
    if not app.config.get("REDIS_URL"):  # the embedded queue lived in a process now gone
        requeue_orphans(engine, app.extensions["textlabel.jobs"])
    removed = remove_abandoned(engine)
    if removed:
        click.echo(f"removed {removed} abandoned import(s)")
    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    waitress_serve(app, host=host, port=port, threads=threads, ident="textlabel")


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
    from textlabel.nlp.preannotate import preannotate_project
    from textlabel.projects.service import find_project

    instance_ready()
    app = create_app()
    migrate(app)
    with session_of(app) as session, progress_bar("pre-annotating the demo") as progress:
        info = seed_demo(session)
        preannotated = preannotate_project(
            session, find_project(session, info.project_id), progress=progress
        )
    click.echo(
        f"demo project {info.project_id} ready ({info.new_documents} new documents, "
        f"{preannotated.done} pre-annotated)"
    )
    click.echo(f"open http://{host}:{port}/ and sign in as:")
    for username, password in info.credentials.items():
        click.echo(f"  {username:<12} {password}")
    if not no_serve:
        serve(app, host=host, port=port, threads=8)
