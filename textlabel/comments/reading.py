"""Reading threads: a document's, one by id, and the project inbox, each as the caller may
see them (``auth.permissions.sees_every_thread``: in a blind project an annotator does not see
other annotators' threads). An invisible thread is not found, as a project a user is not a
member of."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session

from textlabel.auth.permissions import (
    Action,
    may_resolve_thread,
    require_document,
    sees_every_thread,
)
from textlabel.errors import NotFound
from textlabel.models import Comment, Document, Membership, Project, User

INBOX_STATES = ("open", "resolved", "all")
INBOX_KINDS = ("all", "flag", "comment")


@dataclass(frozen=True, slots=True)
class Post:
    id: int
    author: str | None
    body: str
    created_at: datetime


@dataclass(slots=True)
class Thread:
    """A root comment with its replies, oldest first, as the API and pages show it."""

    id: int
    document_id: int
    kind: str
    start: int | None
    end: int | None
    token_start: int | None
    token_end: int | None
    quote: str | None
    author: str | None
    body: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    may_resolve: bool
    replies: list[Post] = field(default_factory=list)
    waiting: bool = False  # open, the viewer took part, and the last word is someone else's

    @property
    def resolved(self) -> bool:
        return self.resolved_at is not None

    @property
    def last_at(self) -> datetime:
        return self.replies[-1].created_at if self.replies else self.created_at

    @property
    def last_author(self) -> str | None:
        return self.replies[-1].author if self.replies else self.author


@dataclass(frozen=True, slots=True)
class InboxPage:
    threads: list[Thread]
    total: int
    page: int
    per_page: int
    open: int  # open threads the caller sees
    flags: int  # open flags among them
    waiting: int  # open threads the caller took part in whose last word is someone else's


def _visible(session: Session, user: User, project: Project) -> ColumnElement[bool] | None:
    """The condition on root comments ``user`` may see; None: all of them."""
    if sees_every_thread(session, user, project):
        return None
    annotators = select(Membership.user_id).where(
        Membership.project_id == project.id,
        Membership.role == "annotator",
        Membership.user_id != user.id,
    )
    return or_(Comment.author_id.is_(None), Comment.author_id.not_in(annotators))


def _roots(session: Session, user: User, project: Project) -> Select[Comment]:
    query = select(Comment).where(Comment.project_id == project.id, Comment.parent_id.is_(None))
    condition = _visible(session, user, project)
    return query if condition is None else query.where(condition)


def _threads(
    session: Session, roots: Sequence[Comment], project: Project, user: User
) -> list[Thread]:
    """Threads of ``roots`` (in their order) with replies and names, in two queries."""
    ids = [root.id for root in roots]
    replies = list(session.scalars(
        select(Comment).where(Comment.parent_id.in_(ids)).order_by(Comment.id)
    )) if ids else []  # fmt: skip
    people = {c.author_id for c in (*roots, *replies)} | {r.resolved_by_id for r in roots}
    names = dict(session.execute(
        select(User.id, User.username).where(User.id.in_([p for p in people if p is not None]))
    ).all())  # fmt: skip
    may: dict[int | None, bool] = {}  # one permission check per author, not per thread
    for root in roots:
        if root.author_id not in may:
            may[root.author_id] = may_resolve_thread(session, user, project, root.author_id)
    threads = {
        root.id: Thread(
            id=root.id,
            document_id=root.document_id,
            kind=root.kind,
            start=root.start_char,
            end=root.end_char,
            token_start=root.start_token,
            token_end=root.end_token,
            quote=root.quote,
            author=names.get(root.author_id or 0),
            body=root.body,
            created_at=root.created_at,
            resolved_at=root.resolved_at,
            resolved_by=names.get(root.resolved_by_id or 0),
            may_resolve=may[root.author_id],
        )
        for root in roots
    }
    took_part = {root.id: root.author_id == user.id for root in roots}
    last_author = {root.id: root.author_id for root in roots}
    for answer in replies:
        thread = answer.parent_id or 0
        threads[thread].replies.append(
            Post(answer.id, names.get(answer.author_id or 0), answer.body, answer.created_at)
        )
        took_part[thread] = took_part[thread] or answer.author_id == user.id
        last_author[thread] = answer.author_id
    for root in roots:
        threads[root.id].waiting = (
            root.resolved_at is None and took_part[root.id] and last_author[root.id] != user.id
        )
    return list(threads.values())


def document_threads(
    session: Session, document: Document, project: Project, user: User
) -> list[Thread]:
    """The document's threads ``user`` sees: on the whole document first, then in text order."""
    query = _roots(session, user, project).where(Comment.document_id == document.id)
    roots = session.scalars(query.order_by(Comment.start_char.is_not(None), Comment.start_char,
                                           Comment.id)).all()  # fmt: skip
    return _threads(session, roots, project, user)


def find_thread(session: Session, user: User, comment_id: int) -> tuple[Comment, Project]:
    """The root of the thread holding comment ``comment_id`` and its project, if ``user``
    sees it; NotFound otherwise."""
    comment = session.get(Comment, comment_id)
    root = session.get(Comment, comment.parent_id) if comment and comment.parent_id else comment
    if root is None:
        raise NotFound(f"comment {comment_id} not found")
    try:
        _, project = require_document(session, user, root.document_id, Action.VIEW)
    except NotFound as e:
        raise NotFound(f"comment {comment_id} not found") from e
    condition = _visible(session, user, project)
    hidden = (
        condition is not None
        and session.scalar(select(Comment.id).where(Comment.id == root.id, condition)) is None
    )
    if hidden:
        raise NotFound(f"comment {comment_id} not found")
    return root, project


def thread_of(session: Session, root: Comment, project: Project, user: User) -> Thread:
    return _threads(session, [root], project, user)[0]


def _count(session: Session, query: Select[Comment]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _mine(user: User) -> ColumnElement[bool]:
    answered = select(Comment.parent_id).where(
        Comment.author_id == user.id, Comment.parent_id.is_not(None)
    )
    return or_(Comment.author_id == user.id, Comment.id.in_(answered))


def inbox(
    session: Session,
    project: Project,
    user: User,
    *,
    state: str = "open",
    kind: str = "all",
    mine: bool = False,
    document_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> InboxPage:
    """A page of the project's threads ``user`` sees, latest activity first, filtered by
    ``state`` (open, resolved, all), ``kind`` (all, flag, comment), ``mine`` (threads the
    caller opened or answered) and ``document_id``; with the counts the inbox shows."""
    roots = _roots(session, user, project)
    query = roots
    if state != "all":
        query = query.where(Comment.resolved_at.is_(None) if state == "open"
                            else Comment.resolved_at.is_not(None))  # fmt: skip
    if kind != "all":
        query = query.where(Comment.kind == kind)
    if mine:
        query = query.where(_mine(user))
    if document_id is not None:
        query = query.where(Comment.document_id == document_id)
    total = _count(session, query)
    thread_key = func.coalesce(Comment.parent_id, Comment.id)
    activity = (
        select(thread_key.label("thread"), func.max(Comment.created_at).label("last_at"))
        .where(Comment.project_id == project.id)
        .group_by(thread_key)
        .subquery()
    )
    ordered = (
        query.join(activity, activity.c.thread == Comment.id)
        .order_by(activity.c.last_at.desc(), Comment.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    threads = _threads(session, session.scalars(ordered).all(), project, user)
    open_roots = roots.where(Comment.resolved_at.is_(None))
    return InboxPage(
        threads=threads, total=total, page=page, per_page=per_page,
        open=_count(session, open_roots),
        flags=_count(session, open_roots.where(Comment.kind == "flag")),
        waiting=waiting_for(session, project, user),
    )  # fmt: skip


def waiting_for(session: Session, project: Project, user: User) -> int:
    """Open threads ``user`` opened or answered whose last word is someone else's: the
    replies an annotator has not answered yet (the project page's badge)."""
    roots = session.scalars(
        _roots(session, user, project).where(Comment.resolved_at.is_(None), _mine(user))
    ).all()
    if not roots:
        return 0
    last: dict[int, tuple[int, int | None]] = {r.id: (r.id, r.author_id) for r in roots}
    rows = session.execute(
        select(Comment.parent_id, Comment.id, Comment.author_id).where(
            Comment.parent_id.in_(list(last))
        )
    ).all()
    for parent, cid, author in rows:
        if parent is not None and cid > last[parent][0]:
            last[parent] = (cid, author)
    return sum(1 for _, author in last.values() if author != user.id)


def open_threads(
    session: Session, project: Project, user: User, document_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """Per document of ``document_ids`` with any: its open threads ``user`` sees and how many
    of them are flags (the review queue's marks)."""
    if not document_ids:
        return {}
    flags = func.sum(case((Comment.kind == "flag", 1), else_=0))
    query = (
        _roots(session, user, project)
        .where(Comment.resolved_at.is_(None), Comment.document_id.in_(list(document_ids)))
        .with_only_columns(Comment.document_id, func.count(), flags)
        .group_by(Comment.document_id)
    )
    return {did: (int(n), int(f or 0)) for did, n, f in session.execute(query)}
