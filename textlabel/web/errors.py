"""Domain errors and HTTP errors mapped to responses, once: JSON for the API, a fragment for
HTMX requests, a page otherwise. Anonymous page requests are redirected to the login page."""

from __future__ import annotations

import logging

from flask import (
    Flask,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import ValidationError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from textlabel.dberrors import is_busy
from textlabel.errors import Busy, NotAuthenticated, TextlabelError

log = logging.getLogger(__name__)


def error_response(status: int, code: str, message: str, details: object = None) -> Response:
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "details": details}}
        response = jsonify(body)
    elif request.headers.get("HX-Request") == "true":
        response = Response(render_template("_error.html", message=message, status=status))
        # Let htmx swap the error into the page's error slot instead of the target.
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        response = Response(render_template("error.html", message=message, status=status))
    response.status_code = status
    return response


def _domain(error: TextlabelError) -> Response:
    if isinstance(error, NotAuthenticated) and not request.path.startswith("/api/"):
        if request.headers.get("HX-Request") == "true":
            response = Response(status=401)
            response.headers["HX-Redirect"] = url_for("pages.login")
            return response
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))  # type: ignore[return-value]
    response = error_response(error.status, error.code, error.message, error.details)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _operational(error: OperationalError) -> Response:
    """A lock the database gave up waiting for is a 503 with Retry-After, never a 500."""
    if not is_busy(error):
        raise error
    log.warning("database busy: %s", error.orig)
    return _domain(Busy("the server is busy with a large write; try again in a moment"))


def _validation(error: ValidationError) -> Response:
    return error_response(422, "invalid", "the request has invalid fields", error.messages)


def _http(error: HTTPException) -> Response:
    code = (error.name or "error").lower().replace(" ", "_")
    if error.code == 413:
        limit = current_app.config.get("MAX_UPLOAD_MB")
        return error_response(
            413, "too_large", f"the upload is larger than the server accepts ({limit} MB)"
        )
    response = error_response(error.code or 500, code, error.description or error.name or "error")
    allow = dict(error.get_headers()).get("Allow")
    if allow:  # a 405 says which methods the URL takes
        response.headers["Allow"] = allow
    return response


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error")
    return error_response(500, "internal", "something went wrong on the server")


def init_app(app: Flask) -> None:
    app.register_error_handler(TextlabelError, _domain)
    app.register_error_handler(ValidationError, _validation)
    app.register_error_handler(OperationalError, _operational)
    app.register_error_handler(HTTPException, _http)
    if not app.testing:  # in tests an unexpected error should fail loudly, not become a 500 page
        app.register_error_handler(Exception, _unexpected)
