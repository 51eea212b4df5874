"""One helper for HTMX: render the page, or only its partial when htmx asks for it."""

from __future__ import annotations

from typing import Any

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def render(page: str, partial: str, **context: Any) -> Response:
    """``page`` includes ``partial``; an HX request gets the partial alone.

    ``Vary: HX-Request`` keeps caches from serving one in place of the other.
    """
    response = make_response(render_template(partial if is_htmx() else page, **context))
    response.headers["Vary"] = "HX-Request"
    return response
