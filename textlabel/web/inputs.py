"""Checks every request's text before a view sees it: path segments, query and form fields.

Werkzeug decodes them leniently (bad UTF-8 becomes U+FFFD), but a NUL character survives, and
PostgreSQL refuses it in any text column: the request would end in a 500 deep in a query.
Integer path segments beyond the database's integer type are a 404 like any other missing
id, rather than an overflow in the query.
"""

from __future__ import annotations

from flask import Flask, request

from textlabel.errors import InvalidInput, NotFound
from textlabel.safejson import text_problem

DB_INT_MAX = 2**31 - 1
"""The largest id an INTEGER primary key holds on every supported database."""


def _check_ids() -> None:
    # A bounded URL converter would make the route not match, and the router then answers
    # 405 for other methods of the same path: the route matches, the id is simply missing.
    for name, value in (request.view_args or {}).items():
        if isinstance(value, int) and not 0 <= value <= DB_INT_MAX:
            raise NotFound(f"{name} {value} not found")


def _check_text() -> None:
    places = [
        ("path segment", (request.view_args or {}).items()),
        ("query parameter", request.args.items(multi=True)),
    ]
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        places.append(("form field", request.form.items(multi=True)))
    for kind, items in places:
        for name, value in items:
            if not isinstance(value, str):
                continue
            reason = text_problem(value) or text_problem(name)
            if reason:
                shown = name if text_problem(name) is None else "(unreadable name)"
                raise InvalidInput(f"{kind} {shown!r}: {reason}", details={"field": shown})


def init_app(app: Flask) -> None:
    app.before_request(_check_ids)
    app.before_request(_check_text)
