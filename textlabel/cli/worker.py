"""``textlabel worker``: run background jobs from Redis (RQ), on this or any machine."""

from __future__ import annotations

import click

from textlabel.cli._util import create_app, shown_url


@click.command("worker")
@click.option("--name", default=None, help="Worker name (default: host and process id).")
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
@click.option("--model", default="default", show_default=True,
              help="spaCy pipeline to load at start ('none' to load on first use).")  # fmt: skip
@click.option("--stale-after", default=None, type=float,
              help="Seconds without a heartbeat before a job's runner counts as gone "
                   "(default: TEXTLABEL_JOB_STALE_S, 60).")  # fmt: skip
def worker_cli(name: str | None, burst: bool, model: str, stale_after: float | None) -> None:
    """Run pre-annotation, export and other jobs queued on TEXTLABEL_REDIS_URL.

    Start as many as you like, on any machines that reach the same database and Redis: each
    takes one job at a time; a killed worker's jobs are recovered by the others."""
    from textlabel.workers import work

    app = create_app()
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        raise click.UsageError("set TEXTLABEL_REDIS_URL (e.g. redis://localhost:6379/0)")
    database = app.config["DATABASE_URL"]
    click.echo(f"worker on {shown_url(redis_url)}, database {shown_url(database)}")
    work(
        app.extensions["textlabel.db"], redis_url, name=name, burst=burst,
        preload=None if model == "none" else model, stale_after=stale_after,
    )  # fmt: skip
