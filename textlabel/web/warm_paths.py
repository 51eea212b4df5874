"""An annotator's requests run once in a process about to fork, writing nothing.

A forked web worker copies each page of its master on which its first requests build
something lazily: SQLAlchemy's compiled statements (about 70 KiB each with their result
metadata), memoized attributes of columns and statements, the ORM's loaders, marshmallow's
and Flask's first-use state. Built in the master before the fork, they stay shared
(bench/worker_pages.py: a worker copies ~2 MiB less). ``serving.settle`` runs here:

- the view bodies of the document list, ``/next``, a document and one's own annotation
  on a project and a document that exist only here (id -1): their statements run and
  match nothing, so they work on a first start, when there are no rows yet;
- the statements a save and a sign-in write with, each compiled after the reads before it
  and refused before it runs (``_writes_compiled``);
- when there are rows, the requests themselves on the lowest-numbered project and document
  (the permission checks included), and the author of the first annotation saving it back
  unchanged (the whole save runs and finds nothing to write).

The callers exist only in this process (``User`` objects never added to a session; id -1
matches no row) and the guard's checks run for them (``guard.check_as``, which no request
reaches): no credentials are made or checked, no sign-in (a failed one writes an audit
row), token, cookie or rate-limit count. Reads run in read-only transactions (SQLite's
``query_only``), and while this runs every INSERT, UPDATE, DELETE and BEGIN IMMEDIATE on
the engine fails before it reaches the database (``Wrote``): nothing is written and
SQLite's write lock is never taken. Nothing is kept but what the statements and modules
cache; the session ends with each step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, NamedTuple, TypeVar

from flask import Flask, Response, jsonify
from sqlalchemy import Engine, event, func, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from textlabel import audit
from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.annotate.reading import annotation_out
from textlabel.annotate.service import AnnotationInput, save_annotation
from textlabel.auth import service as auth_service
from textlabel.auth import throttle
from textlabel.db import set_write_intent
from textlabel.extensions import db
from textlabel.models import Annotation, Document, Project, User
from textlabel.records import SpanRecord
from textlabel.web.api import OPERATIONS
from textlabel.web.guard import check_as

log = logging.getLogger(__name__)

_Row = TypeVar("_Row", Project, Document)
# What writes, and what takes SQLite's write lock (a claim declares its write up front).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "BEGIN IMMEDIATE")
# A label no project has: the save's body is refused before its spans are looked at.
_SAVE = {"version": -1, "spans": [{"start": 0, "end": 1, "label": "WARM-UP"}]}


class Wrote(RuntimeError):
    """A warmed request tried to write (a change made one of these paths write): refused."""


class _Targets(NamedTuple):
    project: int  # the project of the lowest-numbered document, else the lowest; 0: none
    document: int  # the lowest-numbered document; 0: none
    annotated: int  # the document of a manual annotation of the lowest-numbered author; 0: none
    annotator: int  # that author


def warm_paths(app: Flask) -> dict[str, int]:
    """Run the requests (see the module's docstring) and return each one's status. A
    database that does not answer (not migrated, not up) ends it early, said in the log."""
    engine: Engine = app.extensions["textlabel.db"]
    statuses: dict[str, int] = {}

    def run(user: User, method: str, path: str, body: Any = None) -> Any:
        statuses[f"{method} {path}"], answer = _request(app, user, method, path, body)
        return answer

    try:
        with app.app_context(), _refusing_writes(engine):
            found = _targets()
            admin = _stand_in(-1, admin=True)  # id -1: no membership, token or row of its own
            member = _stand_in(-1, admin=False)  # what an annotator's requests read
            _views_without_rows(app, member)  # a first start has no rows to warm them with
            _writes_compiled(member)
            run(admin, "GET", "/api/v1/projects")
            run(admin, "GET", f"/api/v1/projects/{found.project}/documents")
            run(admin, "GET", f"/api/v1/documents/{found.document}")
            if not found.annotated:  # the save's reads up to its body check (422)
                run(admin, "GET", f"/api/v1/documents/{found.document}/annotations/me")
                run(admin, "PUT", f"/api/v1/documents/{found.document}/annotations/me", _SAVE)
                return statuses
            # The author's own annotation, saved back as it is: the whole save runs, reads,
            # checks and diff, and finds nothing to write.
            path = f"/api/v1/documents/{found.annotated}/annotations/me"
            author = _stand_in(found.annotator, admin=False)
            own = run(author, "GET", path)
            if isinstance(own, dict) and own.get("version"):
                spans = [{k: s[k] for k in ("start", "end", "label")} for s in own["spans"]]
                same = {"version": own["version"], "status": own["status"], "spans": spans}
                try:
                    run(author, "PUT", path, same)
                except Wrote:  # stored spans off the tokens (imported): a save would snap them
                    statuses[f"PUT {path}"] = 0
    except Exception as e:  # noqa: BLE001  (serve regardless: this only saves memory)
        log.warning("warming the request paths stopped (%s: %s)", type(e).__name__, e)
    return statuses


def _stand_in(uid: int, *, admin: bool) -> User:
    """A user that exists only here: never added to a session, no credentials."""
    return User(id=uid, username="warm-up", is_admin=admin, is_active=True, session_epoch=0)


def _views_without_rows(app: Flask, user: User) -> None:
    """The list's, the fetch's and the own annotation's views on a project and a document
    that exist only here (id -1): their statements run and match nothing, their answers
    are made and dropped. The view bodies only: the permission checks before them would
    find no such rows (the requests below run those)."""
    project, document = _project(), _document()
    on_document = {"document": document, "project": project}
    views: dict[str, dict[str, Any]] = {"list_project_documents": {"project": project},
                                        "next_document": {"project": project},
                                        "get_document": on_document,
                                        "get_my_annotation": on_document}  # fmt: skip
    for operation in OPERATIONS:
        if operation.method == "GET" and operation.endpoint in views:
            kwargs = dict(views[operation.endpoint])
            with app.test_request_context(f"/api/v1{operation.rule}"):
                check_as(user)
                if operation.query is not None:
                    kwargs["args"] = operation.query.load({})
                view: Any = app.view_functions[f"api.{operation.endpoint}"]
                try:
                    answer = view.__wrapped__(**kwargs)  # the view's body (web/api's route)
                except Wrote:  # SQLite: /next's search for a document to claim takes the lock
                    continue
                if not isinstance(answer, Response) and operation.response is not None:
                    answer = jsonify(operation.response.dump(answer))
                answer.close()


def _writes_compiled(user: User) -> None:
    """The statements a save and a sign-in write with, each compiled into the engine's
    cache after the reads before it and refused before it runs (``_refusing_writes``;
    SQLite's transactions are read-only besides): a one-span save of an annotation whose document
    and project exist only here (in the session's identity map, never flushed: unchanged),
    its span rows and audit event, and a sign-in's attempt count and user look-up."""
    document = _document()
    annotation = Annotation(id=-1, document_id=-1, user_id=user.id, kind="manual",
                            status="draft", version=1)  # fmt: skip
    wanted = Payload(spans=(SpanRecord(0, 4, "WARM-UP"),))
    steps: list[Callable[[Session], object]] = [
        lambda s: save_annotation(
            s,
            annotation,
            AnnotationInput(1, "draft", wanted),
            user=user,
            holds=[],
            label_names=frozenset({"WARM-UP"}),
        ),
        lambda s: annotation_out(s, annotation, document=document, user=user.username),
        lambda s: store.apply(s, store.diff(s, -1, store.tokens_of(document), wanted)),
        lambda s: store.apply(s, store.Change(-1, _delete=[-1])),
        lambda s: audit.record_now(s, "warm-up", user_id=None),
        lambda s: auth_service.issue_token(s, user, name="warm-up"),  # the ORM's flush
        lambda s: throttle.reserve(s, "", max_attempts=1, window_s=1),
        lambda s: auth_service.get_user(s, ""),
        lambda s: throttle.clear(s, ""),
        lambda s: throttle.forget_stale(s, window_s=1),
    ]
    for step in steps:
        with _reading(), suppress(Wrote):  # Wrote: compiled, not run
            held = [_project(), _document()]  # the identity map holds them weakly
            for stand_in in held:
                make_transient_to_detached(stand_in)
                db.session.add(stand_in)  # found by session.get, as if read
            step(db.session)


def _project() -> Project:
    return _whole(Project(id=-1, name="warm-up", description="", layers=["entities"], overlap=1,
                          blind=True, coref_scheme="gum", language="en", label_map={},
                          settings={}, cats_mode="multi", span_overlap="any"))  # fmt: skip


def _document() -> Document:
    tokens = {"offsets": [0, 4, 5, 7, 7, 8], "sent_starts": [0]}  # "Warm", "up", "."
    return _whole(Document(id=-1, project_id=-1, text="Warm up.", meta={}, tokens=tokens))


def _whole(stand_in: _Row) -> _Row:
    """Every column not given is None: a stand-in in a session is never expired (re-read)."""
    for column in sa_inspect(type(stand_in)).column_attrs:
        if column.key not in stand_in.__dict__:
            setattr(stand_in, column.key, None)
    return stand_in


def _targets() -> _Targets:
    """What the requests ask for: one seek in an index each, whatever the database's size
    (no join a planner could turn into a walk of every document; a staged document found
    so answers 404, as to anyone)."""
    with _reading():
        first = db.session.execute(
            select(Document.project_id, Document.id).order_by(Document.id).limit(1)
        ).first()
        if first is None:
            visible = Project.staged_for_id.is_(None)
            pid = db.session.scalar(select(func.min(Project.id)).where(visible)) or 0
            return _Targets(pid, 0, 0, 0)
        own = db.session.execute(
            select(Annotation.document_id, Annotation.user_id)
            .where(Annotation.user_id.is_not(None))  # manual ones (a constraint)
            .order_by(Annotation.user_id)  # past any number of predictions
            .limit(1)
        ).first()
        return _Targets(first[0], first[1], *(own or (0, 0)))


@contextmanager
def _reading() -> Iterator[None]:
    """One step of the warm-up on the scoped session in a read-only transaction (SQLite's
    ``query_only``); the session is removed after it, so nothing is kept."""
    set_write_intent(False)
    try:
        yield
    finally:
        db.remove_session()
        set_write_intent(True)


def _request(app: Flask, user: User, method: str, path: str, body: Any) -> tuple[int, Any]:
    """One request through the view, its error handlers and after-request hooks, as
    ``user``; its transaction ends with the request context. Its status and JSON."""
    with app.test_request_context(path, method=method, json=body):
        try:
            check_as(user)
            answer = app.dispatch_request()
        except Exception as e:  # noqa: BLE001  (what the app's error handlers answer)
            if isinstance(e, Wrote):
                raise
            answer = app.handle_user_exception(e)
        response = app.finalize_request(answer)
        try:
            return response.status_code, response.get_json(silent=True)
        finally:
            response.close()


@contextmanager
def _refusing_writes(engine: Engine) -> Iterator[None]:
    """Every INSERT, UPDATE, DELETE or BEGIN IMMEDIATE on ``engine`` fails (``Wrote``)
    before it runs; the statement is compiled (and cached) by then."""

    def refuse(_connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip()[:15].upper().startswith(_WRITES):
            raise Wrote(f"the warm-up would have written: {statement[:80]}")

    event.listen(engine, "before_cursor_execute", refuse, insert=True)  # before the write gate
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", refuse)
