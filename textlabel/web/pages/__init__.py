"""Browser pages: server-rendered Jinja with HTMX partials."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("pages", __name__)


def init_app(app: Flask) -> None:
    from textlabel.web.pages import (  # noqa: F401
        account,
        agreement,
        annotate,
        comments,
        documents,
        exports,
        imports,
        jobs,
        projects,
        review,
        team,
        training,
        users,
    )

    app.register_blueprint(bp)
