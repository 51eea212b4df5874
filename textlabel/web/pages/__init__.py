"""Browser pages: server-rendered Jinja with HTMX partials."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__)


def init_app(app: Flask) -> None:
    from textlabel.web.pages import account, annotate, imports, jobs, projects, users  # noqa: F401

    app.register_blueprint(bp)
