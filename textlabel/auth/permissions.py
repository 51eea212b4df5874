"""The one place that decides who may do what in a project.

Non-members get ``NotFound`` (a project a user does not belong to does not exist for them);
members whose role lacks the action get ``Forbidden``. Admins may do everything.
"""

from __future__ import annotations

from enum import Enum
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from textlabel.errors import Conflict, Forbidden, NotFound
from textlabel.models import Annotation, Document, Label, Membership, Project, User


class Action(Enum):
    VIEW = "view"  # see the project, its labels and document list
    ANNOTATE = "annotate"  # take documents from the queue and save own annotations
    REVIEW = "review"  # review queue, adjudication, gold
    VIEW_AGREEMENT = "view_agreement"
    MANAGE = "manage"  # edit settings, labels and members; import; pre-annotate
    EXPORT = "export"
    VIEW_OTHERS = "view_others"  # see other annotators' work even in blind projects


ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    "manager": frozenset(Action),
    "reviewer": frozenset(
        {Action.VIEW, Action.REVIEW, Action.VIEW_AGREEMENT, Action.EXPORT, Action.VIEW_OTHERS}
    ),
    "annotator": frozenset({Action.VIEW, Action.ANNOTATE}),
}


def role_of(session: Session, user: User, project_id: int) -> str | None:
    return session.scalar(
        select(Membership.role).where(
            Membership.project_id == project_id, Membership.user_id == user.id
        )
    )


def allowed(session: Session, user: User, project: Project, action: Action) -> bool:
    """Whether ``user`` may perform ``action`` in ``project`` (for showing or hiding UI)."""
    if user.is_admin:
        return True
    role = role_of(session, user, project.id)
    return role is not None and action in ROLE_ACTIONS[role]


def actions_for(session: Session, user: User, project: Project) -> frozenset[Action]:
    if user.is_admin:
        return frozenset(Action)
    role = role_of(session, user, project.id)
    return ROLE_ACTIONS[role] if role else frozenset()


# The two checks every project or document request starts with, built once (building a
# statement and its cache key costs SQLAlchemy more Python time than running it).
_MEMBER = (Membership.project_id == Project.id) & (Membership.user_id == bindparam("user_id"))
_PROJECT_FOR = (
    select(Project, Membership.role)
    .outerjoin(Membership, _MEMBER)
    .where(Project.id == bindparam("project_id"))
)
_DOCUMENT_FOR = (
    select(Document, Project, Membership.role)
    .join(Project, Project.id == Document.project_id)
    .outerjoin(Membership, _MEMBER)
    .where(Document.id == bindparam("document_id"))
)
# Never in a label name (whitespace: ``projects.service.LABEL_NAME``).
_LABEL_SEPARATOR = "\x1f"
# The same, the caller's own manual annotation of the document (None when they have none)
# and the project's entity label names joined by _LABEL_SEPARATOR (None when it has none):
# what a save reads first, one statement instead of three.
_DOCUMENT_AND_OWN_FOR = _DOCUMENT_FOR.add_columns(
    Annotation,
    select(func.aggregate_strings(Label.name, _LABEL_SEPARATOR))
    .where(Label.project_id == Project.id)
    .scalar_subquery(),
).outerjoin(
    Annotation,
    (Annotation.document_id == Document.id)
    & (Annotation.user_id == bindparam("user_id"))
    & (Annotation.kind == "manual"),
)


class OwnRead(NamedTuple):
    """What ``document_access(own=...)`` reads for a save besides the document."""

    annotation: Annotation | None  # the caller's own manual annotation, None: none yet
    label_names: frozenset[str]  # the project's entity labels


def require(session: Session, user: User, project_id: int, action: Action) -> Project:
    """The project if ``user`` may perform ``action`` in it; otherwise raise."""
    row = session.execute(_PROJECT_FOR, {"project_id": project_id, "user_id": user.id}).first()
    if row is None:
        raise NotFound(f"project {project_id} not found")
    return _permitted(row[0], user, row[1], action)


def _permitted(project: Project, user: User, role: str | None, action: Action) -> Project:
    """``project`` if ``user`` (with ``role`` in it) may perform ``action``; otherwise raise."""
    if project.staged_for_id is not None:  # an import's staging area
        raise NotFound(f"project {project.id} not found")
    if user.is_admin:
        return project
    if role is None:
        raise NotFound(f"project {project.id} not found")
    if action not in ROLE_ACTIONS[role]:
        raise Forbidden(f"a project {role} may not {action.value.replace('_', ' ')}")
    return project


def require_writable(session: Session, user: User, project_id: int) -> None:
    """Refuse a member's change to an archived project (Conflict, 409): it is read-only
    until a manager unarchives it. Non-members are left to ``require`` (404)."""
    project = session.get(Project, project_id)
    if project is None or not project.archived:
        return
    if user.is_admin or role_of(session, user, project_id) is not None:
        raise Conflict(f"project {project.name!r} is archived and read-only; unarchive it first",
                       details={"archived": True})  # fmt: skip


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("only an administrator may do this")


def visible_projects(session: Session, user: User, *, archived: bool = False) -> list[Project]:
    """Projects ``user`` may see: all for admins, otherwise those they are a member of;
    archived ones only with ``archived``."""
    query = select(Project).where(Project.staged_for_id.is_(None)).order_by(Project.name)
    if not user.is_admin:
        query = query.join(Membership).where(Membership.user_id == user.id)
    return [p for p in session.scalars(query) if archived or not p.archived]


# What ``document_access`` finds: the document, its project and the user's role there.
DocumentAccess = tuple[Document, Project, str | None]


def document_access(
    session: Session, user: User, document_id: int, *, own: list[OwnRead] | None = None
) -> DocumentAccess | None:
    """The document, its project and ``user``'s role in it (one query), or None when there
    is no such document; ``require_document`` decides on it. The web guard reads it once
    for a write's archived checks and the view's permission check reuses it. Given ``own``,
    the same query also reads ``user``'s own manual annotation of the document and the
    project's entity label names, and appends them to ``own`` when the document exists."""
    statement = _DOCUMENT_FOR if own is None else _DOCUMENT_AND_OWN_FOR
    row = session.execute(statement, {"document_id": document_id, "user_id": user.id}).first()
    if row is None:
        return None
    if own is not None:
        names = row[4].split(_LABEL_SEPARATOR) if row[4] else ()
        own.append(OwnRead(row[3], frozenset(names)))
    return (row[0], row[1], row[2])


def require_document(
    session: Session,
    user: User,
    document_id: int,
    action: Action,
    *,
    access: DocumentAccess | None = None,
) -> tuple[Document, Project]:
    """The document and its project if ``user`` may perform ``action`` there (one query:
    every request on a document starts here; none when ``access`` read it already)."""
    found = access if access is not None else document_access(session, user, document_id)
    if found is None:
        raise NotFound(f"document {document_id} not found")
    document, project, role = found
    try:
        _permitted(project, user, role, action)
    except NotFound as e:
        raise NotFound(f"document {document_id} not found") from e
    return document, project


def sees_every_thread(session: Session, user: User, project: Project) -> bool:
    """Whether ``user`` sees every comment thread of ``project``: those who may see others'
    work, and every member of an open project. In a blind project an annotator sees the
    threads they opened and those opened by reviewers and managers (a thread quotes the
    words an annotator labelled: other annotators' threads would unblind them)."""
    return not project.blind or allowed(session, user, project, Action.VIEW_OTHERS)


def may_resolve_thread(
    session: Session, user: User, project: Project, author_id: int | None
) -> bool:
    """Whether ``user`` may resolve or reopen a thread opened by ``author_id``: its author,
    reviewers and managers."""
    return user.id == author_id or allowed(session, user, project, Action.REVIEW)
