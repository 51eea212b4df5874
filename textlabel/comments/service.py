"""Opening a thread, replying, resolving and reopening: the only code that writes comments.

Flags and resolutions are audited (they change what reviewers and managers act on); the
comments themselves are their own record, with author and time. A post moves its author's
read marker (``unread``): one has read what one answers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate.archived import require_active
from textlabel.auth.permissions import may_resolve_thread
from textlabel.comments.unread import advance
from textlabel.errors import Forbidden, InvalidInput
from textlabel.models import Comment, Document, Project, User
from textlabel.tokens import Tokens

MAX_BODY = 5_000
"""The longest comment, in characters: a remark, not a document."""

QUOTE_CHARS = 300
"""The words of an anchor kept with the thread; longer spans are cut with an ellipsis."""


def check_body(body: str) -> str:
    """The body to store (surrounding whitespace dropped); InvalidInput if empty or too long."""
    text = body.strip()
    if not text:
        raise InvalidInput("body: a comment needs some text", details={"field": "body"})
    if len(text) > MAX_BODY:
        raise InvalidInput(
            f"body: {len(text):,} characters, at most {MAX_BODY:,}",
            details={"field": "body", "length": len(text)},
        )
    return text


def _quote(text: str) -> str:
    return text if len(text) <= QUOTE_CHARS else text[: QUOTE_CHARS - 1] + "…"


def open_thread(
    session: Session,
    document: Document,
    project: Project,
    user: User,
    *,
    body: str,
    kind: str = "comment",
    start: int | None = None,
    end: int | None = None,
) -> Comment:
    """A new thread on ``document``, on the span ``[start, end)`` (snapped to whole tokens)
    when both are given, on the whole document when neither is."""
    if kind not in ("comment", "flag"):
        raise InvalidInput(f"kind: {kind!r} is not comment or flag", details={"field": "kind"})
    if (start is None) != (end is None):
        raise InvalidInput("start and end: give both (a span) or neither (the document)",
                           details={"field": "start" if start is None else "end"})  # fmt: skip
    comment = Comment(project_id=project.id, document_id=document.id, author_id=user.id,
                      body=check_body(body), kind=kind)  # fmt: skip
    if start is not None and end is not None:
        tokens = Tokens.from_stored(document.tokens, text_length=len(document.text))
        span = tokens.snap(start, end)
        comment.start_char, comment.end_char = span.start, span.end
        comment.start_token, comment.end_token = span.first, span.last
        comment.quote = _quote(document.text[span.start : span.end])
    session.add(comment)
    session.flush()
    comment.last_id, comment.last_at = comment.id, comment.created_at
    advance(session, user.id, comment.id, comment.id)
    if kind == "flag":
        audit.record(session, "comment.flag", user=user, project_id=project.id,
                     document_id=document.id, subject=comment.body,
                     after={"thread": comment.id, "quote": comment.quote})  # fmt: skip
    session.commit()
    return comment


def reply(session: Session, root: Comment, user: User, *, body: str) -> Comment:
    """A reply at the end of ``root``'s thread (a reply to a reply joins the same thread).

    A reply to a resolved thread reopens it (audited as ``comment.reopen`` with
    ``by_reply``): whoever answers has something left to say, and a resolved thread drops
    out of the open threads the reviewers and the queue's marks look at. An archived
    document takes no new words (409, as a new thread on it: ``annotate.archived``)."""
    require_active(session, root.document_id)
    answer = Comment(project_id=root.project_id, document_id=root.document_id,
                     parent_id=root.id, author_id=user.id, body=check_body(body))  # fmt: skip
    session.add(answer)
    session.flush()
    root.last_id, root.last_at = answer.id, answer.created_at
    advance(session, user.id, root.id, answer.id)
    if root.resolved_at is not None:
        root.resolved_at, root.resolved_by_id = None, None
        audit.record(session, "comment.reopen", user=user, project_id=root.project_id,
                     document_id=root.document_id, subject=root.body,
                     after={"thread": root.id, "by_reply": answer.id})  # fmt: skip
    session.commit()
    return answer


def set_resolved(
    session: Session, root: Comment, project: Project, user: User, *, resolved: bool
) -> None:
    """Resolve (or reopen) a thread: its author, reviewers and managers may; audited."""
    if not may_resolve_thread(session, user, project, root.author_id):
        raise Forbidden("only the thread's author, a reviewer or a manager may resolve it")
    if (root.resolved_at is not None) == resolved:
        return
    root.resolved_at = datetime.now(UTC) if resolved else None
    root.resolved_by_id = user.id if resolved else None
    audit.record(session, "comment.resolve" if resolved else "comment.reopen", user=user,
                 project_id=root.project_id, document_id=root.document_id,
                 subject=root.body, after={"thread": root.id})  # fmt: skip
    session.commit()
