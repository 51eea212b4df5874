"""Checks every request's text before a view sees it: path segments, query and form fields.

Werkzeug decodes them leniently (bad UTF-8 becomes U+FFFD), but a NUL character survives, and
PostgreSQL refuses it in any text column: the request would end in a 500 deep in a query.
Integer path segments are bounded by the database's integer type, so ``/documents/<huge>`` is
a 404 like any other missing id rather than an overflow.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter, Map

from textlabel.errors import InvalidInput
from textlabel.safejson import text_problem

DB_INT_MAX = 2**31 - 1
"""The largest id an INTEGER primary key holds on every supported database."""


class DatabaseInt(IntegerConverter):
    """``<int:...>`` limited to ids the database can hold: beyond them the URL matches nothing."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(map, *args, **kwargs)


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
    app.url_map.converters["int"] = DatabaseInt
    app.before_request(_check_text)
