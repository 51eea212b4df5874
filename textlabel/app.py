"""The application factory: wires config, database, blueprints, error handlers and CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from textlabel.config import load_settings, secret_key_for
from textlabel.db import set_write_intent
from textlabel.extensions import db
from textlabel.jobs import JobRunner, use_runner


def _asset_dir(name: str) -> str:
    """templates/ and static/ sit at the repository top, or inside the installed package."""
    package = Path(__file__).resolve().parent
    installed = package / name
    return str(installed if installed.is_dir() else package.parent / name)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build a textlabel app; ``config`` overrides defaults and TEXTLABEL_* variables."""
    app = Flask(
        "textlabel",
        template_folder=_asset_dir("templates"),
        static_folder=_asset_dir("static"),
    )
    settings = load_settings(config)
    app.config.update(settings)
    app.config["SECRET_KEY"] = secret_key_for(settings)
    engine = db.bind(
        app.config["DATABASE_URL"],
        busy_timeout=app.config["DB_BUSY_TIMEOUT_S"],
        synchronous_commit=app.config["PG_SYNCHRONOUS_COMMIT"],
    )
    app.extensions["textlabel.db"] = engine
    runner: Any
    if app.config.get("REDIS_URL"):
        from textlabel.workers import RQRunner

        runner = RQRunner(engine, app.config["REDIS_URL"])
    else:
        runner = JobRunner(engine, workers=app.config["JOB_WORKERS"])
    app.extensions["textlabel.jobs"] = runner
    use_runner(runner)

    # End every request's transaction promptly (on SQLite an open one holds the write lock),
    # even when the request ran inside an already pushed app context.
    @app.teardown_request
    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        db.remove_session()
        set_write_intent(True)  # the thread's default again (tests run requests inline)

    from textlabel import web
    from textlabel.review.service import connect_events

    connect_events()

    web.init_app(app)
    return app
