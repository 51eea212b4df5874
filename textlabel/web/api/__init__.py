"""The REST API under /api/v1: a blueprint, and a ``route`` decorator that parses input with
a marshmallow schema, dumps the result with another, and records both for the OpenAPI spec."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Flask, Response, jsonify, request
from marshmallow import Schema
from sqlalchemy.exc import OperationalError

from textlabel import safejson
from textlabel.auth.permissions import Action, require, require_document
from textlabel.db import optimistic as db_optimistic
from textlabel.db import set_write_intent
from textlabel.dberrors import is_sqlite_busy
from textlabel.errors import InvalidInput
from textlabel.extensions import db
from textlabel.web.guard import (
    DOCUMENT_VIEWS,
    OPTIMISTIC_VIEWS,
    OWN_ANNOTATION_VIEWS,
    current_user,
    document_read,
    recheck,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(slots=True)
class Operation:
    """What the spec needs to know about one endpoint."""

    rule: str
    method: str
    endpoint: str
    summary: str
    tag: str
    body: Schema | None = None
    query: Schema | None = None
    response: Schema | None = None
    status: int = 200
    form: dict[str, str] = field(default_factory=dict)  # multipart fields -> description
    media_type: str = "application/json"
    public: bool = False
    allow: Action | None = None
    errors: tuple[int, ...] = ()  # statuses beyond those every operation of its kind has


OPERATIONS: list[Operation] = []


def route(
    rule: str,
    method: str = "GET",
    *,
    tag: str,
    body: Schema | None = None,
    query: Schema | None = None,
    response: Schema | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
    media_type: str = "application/json",
    public: bool = False,
    allow: Action | None = None,
    errors: tuple[int, ...] = (),
    optimistic: bool = False,
    own_annotation: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API view. The view gets ``data`` (parsed body) and/or ``args`` (parsed
    query) as keyword arguments and returns an object for ``response`` to dump, or a
    ready ``Response`` (streams, files).

    With ``allow``, the permission is checked before anything else is read: a ``pid`` in the
    URL becomes ``project``, a ``did`` becomes ``document`` and ``project``. ``errors`` lists
    the statuses the view itself can answer (409 for a stale version, 415 for a format...)
    beyond those the OpenAPI document gives every operation (400, 401, 403, 404, 422).
    ``optimistic`` (a short write: on SQLite its reads do not hold the write lock) runs the
    view once more, writes declared up front, when SQLite refuses its first write because
    another writer committed since its reads (``db.set_write_intent``). ``own_annotation``
    (a write on a ``did``): the guard's read of the document also reads the caller's own
    annotation of it, which the view gets from ``guard.own_annotation_read``."""

    def decorator(fn: Callable[..., Any]) -> Callable[..., Any]:
        if allow is not None and "<int:did>" in rule:  # the guard reads its document
            DOCUMENT_VIEWS.add(f"{bp.name}.{fn.__name__}")
        if optimistic:
            OPTIMISTIC_VIEWS.add(f"{bp.name}.{fn.__name__}")
        if own_annotation:
            OWN_ANNOTATION_VIEWS.add(f"{bp.name}.{fn.__name__}")

        @wraps(fn)
        def view(**kwargs: Any) -> Any:
            if not optimistic:
                return run(kwargs)
            try:
                return run(dict(kwargs))
            except OperationalError as e:
                if not (is_sqlite_busy(e) and db_optimistic()):
                    raise
                db.session.rollback()  # nothing was written: the first write failed
                set_write_intent(True)
                recheck()
                return run(kwargs)

        def run(kwargs: dict[str, Any]) -> Any:
            if allow is not None:
                _authorize(kwargs, allow)
            if body is not None:
                kwargs["data"] = body.load(_json_body())
            if query is not None:
                kwargs["args"] = query.load(request.args.to_dict())
            result = fn(**kwargs)
            if isinstance(result, Response):
                return result
            dumped = response.dump(result) if response is not None else result
            return jsonify(dumped), status

        doc = (fn.__doc__ or "").strip().splitlines()
        OPERATIONS.append(
            Operation(
                rule=rule,
                method=method,
                endpoint=fn.__name__,
                summary=doc[0] if doc else fn.__name__,
                tag=tag,
                body=body,
                query=query,
                response=response,
                status=status,
                form=form or {},
                media_type=media_type,
                public=public,
                allow=allow,
                errors=errors,
            )
        )
        bp.add_url_rule(rule, endpoint=fn.__name__, view_func=view, methods=[method])
        return view

    return decorator


def _json_body() -> Any:
    """The request's JSON body, checked by ``safejson`` (depth, numbers, NUL, surrogates)."""
    if not request.is_json:
        raise InvalidInput("the request body must be JSON (Content-Type: application/json)")
    return safejson.loads(request.get_data(), what="the request body")


def _authorize(kwargs: dict[str, Any], action: Action) -> None:
    if "pid" in kwargs:
        kwargs["project"] = require(db.session, current_user(), kwargs.pop("pid"), action)
    elif "did" in kwargs:
        did = kwargs.pop("did")
        kwargs["document"], kwargs["project"] = require_document(
            db.session, current_user(), did, action, access=document_read(did)
        )
    else:
        raise TypeError("allow= needs a pid or did in the URL")


def init_app(app: Flask) -> None:
    # Imported by full name: ``from textlabel.web.api import annotations`` would return this
    # module's ``from __future__ import annotations`` feature instead of the submodule.
    import textlabel.web.api.annotations  # noqa: F401
    from textlabel.web.api import (  # noqa: F401
        agreement,
        auth,
        comments,
        documents,
        exports,
        imports,
        jobs,
        projects,
        review,
        spec,
        team,
        training,
        users,
    )

    app.register_blueprint(bp)
