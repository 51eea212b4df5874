"""The only package that touches ``flask.request``: pages, partials and the REST API."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from textlabel.web import api, errors, guard, inputs, pages

    guard.init_app(app)  # who is asking comes first
    inputs.init_app(app)
    errors.init_app(app)
    pages.init_app(app)
    api.init_app(app)
