"""Comment pages: the project inbox (threads and flags, filtered, linked to their documents),
the counts beside its link on the project page and on the review queue's rows, and the
threads panel's settings for the annotation and adjudication screens (static/comments.js
fills the panel through the API)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, allowed, require
from textlabel.comments.reading import INBOX_KINDS, INBOX_STATES, InboxPage, inbox, open_threads
from textlabel.comments.service import MAX_BODY
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp

PER_PAGE = 50


@bp.app_template_global("comment_counts")
def comment_counts(project: Project) -> InboxPage:
    """The inbox's counts for the project page's link (open threads, flags, replies waiting)."""
    return inbox(db.session, project, current_user(), per_page=1)


@bp.app_template_global("open_threads_of")
def open_threads_of(project: Project, document_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Open threads and flags per document, for the review queue's rows."""
    return open_threads(db.session, project, current_user(), document_ids)


@bp.app_template_global("comments_panel")
def comments_panel(
    document: Document, project: Project, *, state: str = "", text: str = "", goto: bool = False
) -> dict[str, Any]:
    """What templates/comments/_panel.html needs: the API's URLs, where the tokens and their
    selection are (``text``: the element holding the token spans, ``state``: the id of the
    page's JSON with the text and tokens; both empty on a page without selectable tokens, the
    read-only document view, where new threads are on the whole document), whether the screen
    moves its cursor to a quote's words (``goto``: the annotation screen's
    ``data-action=goto``) and the body's limit."""
    return {
        "list": url_for("api.list_comments", did=document.id),
        "comment": url_for("api.get_comment", cid=0).removesuffix("0"),
        "inbox": url_for("pages.comment_inbox_page", pid=project.id),
        "state": state,
        "text": text,
        "goto": goto,
        "max": MAX_BODY,
    }


def _filters() -> dict[str, Any]:
    args = request.args
    state, kind = args.get("state", "open"), args.get("kind", "all")
    return {
        "state": state if state in INBOX_STATES else "open",
        "kind": kind if kind in INBOX_KINDS else "all",
        "mine": args.get("mine") in ("1", "true", "on"),
    }


@bp.get("/projects/<int:pid>/comments")
def comment_inbox_page(pid: int) -> ResponseReturnValue:
    """The inbox: threads the caller sees, latest activity first; with ``HX-Request`` only
    the table (the filters swap it)."""
    user = current_user()
    project = require(db.session, user, pid, Action.VIEW)
    filters = _filters()
    number = max(1, request.args.get("page", 1, type=int) or 1)
    found = inbox(db.session, project, user, page=number, per_page=PER_PAGE, **filters)
    return render(
        "comments/inbox.html", "comments/_inbox_table.html", project=project, found=found,
        filters=filters, adjudicates=allowed(db.session, user, project, Action.REVIEW),
    )  # fmt: skip
