"""Who is asking: every request resolves its user first, and anonymous requests stop here.

API clients send ``Authorization: Bearer <token>``; browsers carry the session cookie and,
for any unsafe method, a CSRF token (form field ``csrf_token`` or header ``X-CSRFToken``).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Flask, g, request, session
from sqlalchemy import bindparam, null, select

from textlabel.auth import service as auth_service
from textlabel.auth.permissions import (
    DocumentAccess,
    OwnRead,
    document_access,
    require_writable,
    role_of,
)
from textlabel.db import set_write_intent
from textlabel.errors import Forbidden, NotAuthenticated
from textlabel.extensions import db
from textlabel.models import Comment, Document, Project, User
from textlabel.projects.archive import require_active
from textlabel.web.inputs import DB_INT_MAX

PUBLIC_ENDPOINTS = {"static", "pages.login", "api.create_token"}
# What an archived project still accepts: being unarchived or deleted.
ARCHIVE_ENDPOINTS = {"api.archive_project", "api.delete_project",
                     "pages.project_archive", "pages.project_delete"}  # fmt: skip
# A read marker is the reader's, not the project's: reading an archived project's threads
# clears their "new" marks too.
READ_MARKERS = {"api.read_comment", "pages.comment_read", "api.read_all_comments",
                "pages.comments_read_all"}  # fmt: skip
# What an archived document still accepts (``projects.archive``).
DOCUMENT_ARCHIVE_ENDPOINTS = {"api.archive_document", "api.unarchive_document",
                              "api.delete_document"}  # fmt: skip
# The API's GETs that hand out work (a contract): they claim, so an archive refuses them.
WRITING_GETS = {"api.next_document", "api.next_review"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Views that check their permission on the document of the URL's did (web/api's ``route``
# with ``allow`` adds them): for their writes the guard reads the document, its project
# and the caller's role in one query, and the view reuses it (``document_read``) instead of
# reading the project twice.
DOCUMENT_VIEWS: set[str] = set()
# Of DOCUMENT_VIEWS, those that start from the caller's own annotation of the document
# (web/api's ``route(own_annotation=True)``): the guard's query reads it and the project's
# entity label names too (``own_annotation_read``), two statements less per save.
OWN_ANNOTATION_VIEWS: set[str] = set()
# Writes that web/api's ``route(optimistic=True)`` runs again when SQLite refuses their
# first write to a stale read snapshot (``db.set_write_intent``).
OPTIMISTIC_VIEWS: set[str] = set()
# The project of a write (and, for a document, its archived mark: not the document itself,
# whose text may be large), one query per URL argument, built once: every save runs one.
_PROJECT_OF = {
    "did": select(Project, Document.archived_at)
    .join(Document, Document.project_id == Project.id)
    .where(Document.id == bindparam("id")),
    "pid": select(Project, null()).where(Project.id == bindparam("id")),
    "cid": select(Project, null())  # a comment thread's project
    .join(Comment, Comment.project_id == Project.id)
    .where(Comment.id == bindparam("id")),
}


def csrf_token() -> str:
    """The session's CSRF token, created on first use."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return str(session["csrf"])


def current_user() -> User:
    """The signed-in user; only called behind the guard, so never anonymous."""
    user: User = g.user
    return user


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def _load_user() -> None:
    g.user = None
    g.via_token = False
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.user = auth_service.user_for_token(db.session, header[7:].strip())
        g.via_token = g.user is not None
        if g.user is None:
            raise NotAuthenticated("the API token is not valid")
        return
    user_id = session.get("user_id")
    if user_id is not None:
        user = db.session.get(User, user_id)
        # A session signed in before the account's last sign-out or password change is over,
        # wherever its cookie was copied to.
        if user is not None and user.is_active and session.get("epoch") == user.session_epoch:
            g.user = user


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or g.via_token:
        return
    if request.endpoint == "api.create_token":
        return  # exchanges credentials for a token; uses no cookie, so nothing to forge
    require_csrf()


def require_csrf() -> None:
    """Refuse a cookie-authenticated request without the session's CSRF token; also called
    by the one GET that hands out work (the API's ``next``, a contract), so that a link
    from another site cannot claim a document for a signed-in browser."""
    if g.get("via_token"):
        return
    sent = request.headers.get("X-CSRFToken") or request.form.get("csrf_token", "")
    expected = session.get("csrf")
    if not expected or not sent or not hmac.compare_digest(str(sent), str(expected)):
        raise Forbidden("missing or wrong CSRF token; reload the page and try again")
    origin = request.headers.get("Origin")
    if origin and urlsplit(origin).netloc != request.host:
        raise Forbidden("cross-origin request refused")


def _declare_intent() -> None:
    # Before the first query: a safe method reads on a snapshot that never waits for a
    # writer; the few GETs that hand out work declare their write (``db.declare_write``).
    # A view that runs again from the start when its snapshot went stale (OPTIMISTIC_VIEWS)
    # takes SQLite's write lock only at its first write.
    set_write_intent(
        request.method not in SAFE_METHODS, optimistic=request.endpoint in OPTIMISTIC_VIEWS
    )


def recheck() -> None:
    """Run the guard's database checks again, in a new transaction (the retry of an
    optimistic view whose first transaction was rolled back)."""
    _load_user()
    if g.user is None:
        raise NotAuthenticated("sign in first")
    _check_archived()


def check_as(user: User) -> None:
    """The guard's checks for ``user``, who shows no credentials: only a process's own code
    calls this, in a request context it made (``web.warm_paths``); no request reaches it."""
    _declare_intent()
    g.user = user
    g.via_token = True
    _check_archived()


def _check_archived() -> None:
    """Writes to an archived project are refused, whichever page or endpoint they go to
    (the project from the URL's pid, or did's document); unarchiving and deleting are not.
    So are writes to an archived document (409 saying so), but for (un)archiving it."""
    g.document_access = None  # g can outlive a request (an app context held open)
    g.own_annotation = None
    reads = request.method in SAFE_METHODS and request.endpoint not in WRITING_GETS
    if reads or request.endpoint in ARCHIVE_ENDPOINTS | READ_MARKERS:
        return
    args = request.view_args or {}
    if any(isinstance(v, int) and not 0 <= v <= DB_INT_MAX for v in args.values()):
        return  # no such id: web/inputs.py answers 404 (an overflow here would be a 500)
    if "did" in args and request.endpoint in DOCUMENT_VIEWS:
        own: list[OwnRead] | None = [] if request.endpoint in OWN_ANNOTATION_VIEWS else None
        access = document_access(db.session, g.user, args["did"], own=own)
        g.document_access = (args["did"], access)
        if own:
            g.own_annotation = (args["did"], own[0])
        if access is not None:
            document, project, role = access
            _check_project_and_document(project, document.archived_at, args["did"], lambda: role)
        return
    # One query for the project and, for a document, its archived mark: a save is one
    # statement shorter than two lookups.
    name = next((name for name in _PROJECT_OF if name in args), None)
    found = (
        db.session.execute(_PROJECT_OF[name], {"id": args[name]}).first()
        if name is not None
        else None
    )
    if found is None:
        return  # no such row: the view answers 404
    project, document_archived = found
    _check_project_and_document(
        project,
        document_archived,
        args.get("did"),
        lambda: role_of(db.session, g.user, project.id),
    )


def document_read(did: int) -> DocumentAccess | None:
    """What the guard read for the document ``did`` of this request (``DOCUMENT_VIEWS``),
    or None when it read nothing (the view reads it itself)."""
    read = g.get("document_access")
    return read[1] if read is not None and read[0] == did else None


def own_annotation_read(did: int) -> OwnRead | None:
    """The caller's own annotation of the document ``did`` and the project's entity label
    names as the guard read them, or None when it did not (``OWN_ANNOTATION_VIEWS``)."""
    read = g.get("own_annotation")
    return read[1] if read is not None and read[0] == did else None


def _check_project_and_document(
    project: Project,
    document_archived: object,
    did: int | None,
    role: Callable[[], str | None],
) -> None:
    if project.archived:
        require_writable(db.session, g.user, project.id)
    if document_archived is None or did is None or request.endpoint in DOCUMENT_ARCHIVE_ENDPOINTS:
        return
    # Members get the 409; others the view's 404, not a hint that the document exists.
    if g.user.is_admin or role() is not None:
        require_active(db.session, did)


def _guard() -> None:
    if request.endpoint == "static":
        return  # a file for anyone: no user, no database
    _declare_intent()
    _load_user()
    if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        raise NotAuthenticated("sign in first")
    _check_csrf()
    _check_archived()


def init_app(app: Flask) -> None:
    app.before_request(_guard)
    app.jinja_env.globals["csrf_token"] = csrf_token
