"""Comment pages: the project inbox (threads and flags, filtered, linked to their documents),
the counts beside its link on the project page and on the review queue's rows, where a
thread's link leads, and the threads panel's settings for the annotation and adjudication
screens (static/comments.js fills the panel through the API)."""

from __future__ import annotations

from typing import Any

from flask import current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from textlabel.annotate import queue
from textlabel.auth.permissions import Action, allowed, require
from textlabel.comments.reading import (
    INBOX_KINDS,
    INBOX_STATES,
    counts,
    find_thread,
    inbox,
    open_threads,
    read_all,
)
from textlabel.comments.service import MAX_BODY
from textlabel.comments.unread import mark_read
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp

PER_PAGE = 50


@bp.app_template_global("comment_counts")
def comment_counts(project: Project) -> dict[str, int]:
    """The inbox's counts for the project page's link (open threads, flags, unread threads
    and those of them the caller took part in)."""
    return counts(db.session, project, current_user())


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
    ``data-action=goto``), the body's limit and how often to look for changes (``poll``,
    seconds: the ``COMMENTS_POLL_S`` setting)."""
    return {
        "list": url_for("api.list_comments", did=document.id),
        "comment": url_for("api.get_comment", cid=0).removesuffix("0"),
        "inbox": url_for("pages.comment_inbox_page", pid=project.id),
        "state": state,
        "text": text,
        "goto": goto,
        "max": MAX_BODY,
        "poll": current_app.config["COMMENTS_POLL_S"],
    }


def _filters() -> dict[str, Any]:
    args = request.args
    state, kind = args.get("state", "open"), args.get("kind", "all")
    return {
        "state": state if state in INBOX_STATES else "open",
        "kind": kind if kind in INBOX_KINDS else "all",
        "mine": args.get("mine") in ("1", "true", "on"),
        "unread": args.get("unread") in ("1", "true", "on"),
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
    return render("comments/inbox.html", "comments/_inbox_table.html", project=project,
                  found=found, filters=filters)  # fmt: skip


@bp.post("/comments/<int:cid>/read")
def comment_read(cid: int) -> ResponseReturnValue:
    """The inbox's *Mark read*: the thread read up to its latest comment; the inbox table
    again with the filters it was sent with."""
    user = current_user()
    root, project = find_thread(db.session, user, cid)
    mark_read(db.session, user, root)
    shown: dict[str, Any] = {
        key: 1 if value is True else value for key, value in _filters().items() if value
    }
    return redirect(url_for("pages.comment_inbox_page", pid=project.id, **shown), 303)


@bp.post("/projects/<int:pid>/comments/read")
def comments_read_all(pid: int) -> ResponseReturnValue:
    """The inbox's *Mark all read*: every thread the caller sees read up to its latest
    comment; the inbox again with the filters it was sent with."""
    user = current_user()
    project = require(db.session, user, pid, Action.VIEW)
    read_all(db.session, project, user)
    shown: dict[str, Any] = {
        key: 1 if value is True else value for key, value in _filters().items() if value
    }
    return redirect(url_for("pages.comment_inbox_page", pid=project.id, **shown), 303)


@bp.get("/comments/<int:cid>")
def comment_thread_page(cid: int) -> ResponseReturnValue:
    """Where a thread's link (the inbox's) leads: the adjudication screen for reviewers and
    managers (the roles who may see others' work, there or in the read-only view; the
    adjudication screen is where they answer), the annotation page when the caller has
    taken the document; otherwise (an annotator who has not taken it) the document's
    threads with a word on why, not the claim page: following a link must not take an
    annotator slot, nor invite to."""
    user = current_user()
    root, project = find_thread(db.session, user, cid)
    document = db.session.get_one(Document, root.document_id)
    at = f"#comment-{root.id}"
    if allowed(db.session, user, project, Action.REVIEW):
        return redirect(url_for("pages.review_document_page", did=document.id) + at)
    annotates = allowed(db.session, user, project, Action.ANNOTATE)
    if annotates and queue.own_annotation(db.session, document, user) is not None:
        return redirect(url_for("pages.annotate_document", did=document.id) + at)
    return render("comments/thread.html", "comments/thread.html", project=project,
                  document=document, annotates=annotates)  # fmt: skip
