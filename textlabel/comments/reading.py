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
from textlabel.comments.unread import is_unread, mark_all_read, markers
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
    unread: int = 0  # comments by others after the viewer's read marker
    waiting: bool = False  # the viewer took part, and some of it is unread

    @property
    def last_id(self) -> int:
        """The latest comment's id: what a reader who saw the thread has read up to."""
        return self.replies[-1].id if self.replies else self.id

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
    waiting: int  # threads the caller took part in with comments they have not read
    unread: int  # threads the caller sees with comments they have not read


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
    session: Session, roots: Sequence[Comment], project: Project, user: User | None
) -> list[Thread]:
    """Threads of ``roots`` (in their order) with replies and names, in two queries; as
    ``user`` reads them (None: the command line, which resolves and reads nothing)."""
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
            may[root.author_id] = user is not None and may_resolve_thread(
                session, user, project, root.author_id
            )
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
    reader = user.id if user is not None else -1  # -1: no one's posts, no one's marker
    took_part = {root.id: root.author_id == reader for root in roots}
    read = markers(session, user, ids) if user is not None else {}
    for post in (*roots, *replies):
        thread = post.parent_id or post.id
        if post.parent_id is not None:
            threads[thread].replies.append(
                Post(post.id, names.get(post.author_id or 0), post.body, post.created_at)
            )
        took_part[thread] = took_part[thread] or post.author_id == reader
        if user is not None and post.author_id != reader and post.id > read.get(thread, 0):
            threads[thread].unread += 1
    for root in roots:
        threads[root.id].waiting = took_part[root.id] and threads[root.id].unread > 0
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


def project_threads(
    session: Session, project: Project, *, state: str = "all", kind: str = "all"
) -> list[Thread]:
    """Every thread of ``project`` in ``state`` and of ``kind``, by document and then as
    opened: the command line's listing and export (run by whoever holds the database)."""
    query = select(Comment).where(Comment.project_id == project.id, Comment.parent_id.is_(None))
    query = _of_state_and_kind(query, state, kind)
    roots = session.scalars(query.order_by(Comment.document_id, Comment.id)).all()
    return _threads(session, roots, project, None)


def thread_of(session: Session, root: Comment, project: Project, user: User) -> Thread:
    return _threads(session, [root], project, user)[0]


def _count(session: Session, query: Select[Comment]) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _of_state_and_kind(query: Select[Comment], state: str, kind: str) -> Select[Comment]:
    if state != "all":
        query = query.where(Comment.resolved_at.is_(None) if state == "open"
                            else Comment.resolved_at.is_not(None))  # fmt: skip
    return query if kind == "all" else query.where(Comment.kind == kind)


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
    unread: bool = False,
    document_id: int | None = None,
    page: int = 1,
    per_page: int = 50,
) -> InboxPage:
    """A page of the project's threads ``user`` sees, latest activity first, filtered by
    ``state`` (open, resolved, all), ``kind`` (all, flag, comment), ``mine`` (threads the
    caller opened or answered), ``unread`` (threads with comments the caller has not read)
    and ``document_id``; with the counts the inbox shows."""
    roots = _roots(session, user, project)
    query = _of_state_and_kind(roots, state, kind)
    if mine:
        query = query.where(_mine(user))
    if unread:
        query = query.where(is_unread(user))
    if document_id is not None:
        query = query.where(Comment.document_id == document_id)
    total = _count(session, query)
    ordered = (
        query.order_by(Comment.last_at.desc(), Comment.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    threads = _threads(session, session.scalars(ordered).all(), project, user)
    return InboxPage(threads=threads, total=total, page=page, per_page=per_page,
                     **counts(session, project, user))  # fmt: skip


def counts(session: Session, project: Project, user: User) -> dict[str, int]:
    """The inbox's counts alone (the project page's button): ``open`` threads ``user``
    sees, open ``flags``, ``unread`` threads and those of them the user took part in
    (``waiting``; one pass over the project's threads for both)."""
    roots = _roots(session, user, project)
    open_roots = roots.where(Comment.resolved_at.is_(None))
    unread_roots = roots.where(is_unread(user))
    mine = func.sum(case((_mine(user), 1), else_=0))
    unread, waiting = session.execute(unread_roots.with_only_columns(func.count(), mine)).one()
    return {"open": _count(session, open_roots),
            "flags": _count(session, open_roots.where(Comment.kind == "flag")),
            "unread": int(unread or 0), "waiting": int(waiting or 0)}  # fmt: skip


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


def read_all(session: Session, project: Project, user: User) -> int:
    """Mark every thread of ``project`` that ``user`` sees read up to its latest comment
    (the inbox's *Mark all read*); how many were unread."""
    marked = mark_all_read(session, user, _roots(session, user, project))
    session.commit()
    return marked
