"""Comments and flags: a document's threads, opening one, replying, resolving, marking
read, and the project's inbox."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request

from textlabel.auth.permissions import Action, role_of
from textlabel.comments import reading, service, unread
from textlabel.comments.reading import InboxPage, Thread
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.schemas.comments import (
    InboxOut,
    InboxQuery,
    ReadAllOut,
    ReadIn,
    ReplyIn,
    ResolveIn,
    ThreadIn,
    ThreadListOut,
    ThreadOut,
)
from textlabel.web.api import route
from textlabel.web.guard import current_user


@route("/documents/<int:did>/comments", tag="comments", response=ThreadListOut(),
       allow=Action.VIEW, errors=(304,))  # fmt: skip
def list_comments(document: Document, project: Project) -> Response:
    """The document's comment threads the caller sees, with their replies.

    On the whole document first, then in text order. In a blind project an annotator sees
    the threads they opened and those of reviewers and managers. The answer carries an
    `ETag`; sent back in `If-None-Match`, it is answered 304 with no body while nothing
    changed (the Comments card asks every 20 seconds)."""
    user = current_user()
    # Who sees which thread and who may resolve it follow the role and the blind setting.
    role = "admin" if user.is_admin else role_of(db.session, user, project.id)
    seen_as = f"{role}-{'blind' if project.blind else 'open'}-"
    etag = seen_as + unread.document_signature(db.session, document.id, user)
    if request.if_none_match.contains_weak(etag):
        answer = Response(status=304)
    else:
        threads = reading.document_threads(db.session, document, project, user)
        answer = jsonify(ThreadListOut().dump({"threads": threads}))
    answer.set_etag(etag, weak=True)
    answer.headers["Cache-Control"] = "private, no-cache"
    return answer


@route("/documents/<int:did>/comments", "POST", tag="comments", body=ThreadIn(),
       response=ThreadOut(), status=201, allow=Action.VIEW)  # fmt: skip
def create_comment(document: Document, project: Project, data: dict[str, Any]) -> Thread:
    """Open a thread on the document, or on the span `[start, end)` (snapped to tokens).

    `kind` flag marks a problem with the document (audited); the inbox filters flags."""
    user = current_user()
    root = service.open_thread(db.session, document, project, user, **data)
    return reading.thread_of(db.session, root, project, user)


@route("/comments/<int:cid>/replies", "POST", tag="comments", body=ReplyIn(),
       response=ThreadOut(), status=201)  # fmt: skip
def reply_comment(cid: int, data: dict[str, Any]) -> Thread:
    """Reply to a thread (any comment of it); answers the whole thread."""
    user = current_user()
    root, project = reading.find_thread(db.session, user, cid)
    service.reply(db.session, root, user, body=data["body"])
    return reading.thread_of(db.session, root, project, user)


@route("/comments/<int:cid>", "PATCH", tag="comments", body=ResolveIn(), response=ThreadOut())
def resolve_comment(cid: int, data: dict[str, Any]) -> Thread:
    """Resolve (`resolved: true`) or reopen a thread: its author, reviewers and managers."""
    user = current_user()
    root, project = reading.find_thread(db.session, user, cid)
    service.set_resolved(db.session, root, project, user, resolved=data["resolved"])
    return reading.thread_of(db.session, root, project, user)


@route("/comments/<int:cid>/read", "POST", tag="comments", body=ReadIn(), response=ThreadOut())
def read_comment(cid: int, data: dict[str, Any]) -> Thread:
    """Mark a thread read by the caller, up to comment `up_to` (default: its latest).

    Its comments up to there no longer count as unread (`unread`, `waiting`). Reading a
    thread (GET) never marks it: the card marks what it showed the reader."""
    user = current_user()
    root, project = reading.find_thread(db.session, user, cid)
    unread.mark_read(db.session, user, root, up_to=data["up_to"])
    return reading.thread_of(db.session, root, project, user)


@route("/comments/<int:cid>", tag="comments", response=ThreadOut())
def get_comment(cid: int) -> Thread:
    """The thread holding comment `cid`."""
    user = current_user()
    root, project = reading.find_thread(db.session, user, cid)
    return reading.thread_of(db.session, root, project, user)


@route("/projects/<int:pid>/comments", tag="comments", query=InboxQuery(), response=InboxOut(),
       allow=Action.VIEW)  # fmt: skip
def comment_inbox(project: Project, args: dict[str, Any]) -> InboxPage:
    """The project's inbox: threads the caller sees, latest activity first.

    `state` open (default), resolved or all; `kind` all, flag or comment; `mine` the
    threads the caller opened or answered; `unread` those with comments the caller has not
    read; `document` one document's. `unread` counts the threads with unread comments,
    `waiting` those of them the caller opened or answered."""
    return reading.inbox(db.session, project, current_user(), document_id=args.pop("document"),
                         **args)  # fmt: skip


@route("/projects/<int:pid>/comments/read", "POST", tag="comments", response=ReadAllOut(),
       allow=Action.VIEW)  # fmt: skip
def read_all_comments(project: Project) -> dict[str, int]:
    """Mark every thread of the project the caller sees read, up to its latest comment.

    Answers how many threads were unread (`marked`) and the inbox's counts after."""
    user = current_user()
    marked = reading.read_all(db.session, project, user)
    return {"marked": marked, **reading.counts(db.session, project, user)}
