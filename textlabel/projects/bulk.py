"""Actions on a selection of a project's documents: assign to named annotators, reset, delete,
archive and unarchive (``projects.archive``).

Each destructive action first says what it would remove (``preview``), then does it in one
transaction with one audit event naming the documents and the counts. A manual annotation row
is the assignment (``annotate.queue``): assigning creates the annotator's empty draft, which
their queue hands out before anything new.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate import store
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, Membership, Project, User
from textlabel.models.comment import Comment
from textlabel.models.review import ReviewItem
from textlabel.projects import archive

ACTIONS = ("assign", "reset", "delete", "archive", "unarchive")
MAX_SELECTION = 5000


@dataclass(slots=True)
class BulkResult:
    """What an action did (or, previewed, would do)."""

    action: str
    documents: int
    annotations: dict[str, int] = field(default_factory=dict)  # kind -> rows removed
    entities: int = 0
    comments: int = 0  # comments and replies deleted with the documents
    assigned: dict[str, int] = field(default_factory=dict)  # annotator -> drafts created
    already: dict[str, int] = field(default_factory=dict)  # annotator -> had one already
    full: list[int] = field(default_factory=list)  # documents with their overlap reached
    # archive / unarchive: the documents whose state changes, the unfinished drafts per
    # annotator (saves wait while archived), and open review items (out of the queue)
    changed: list[int] = field(default_factory=list)
    drafts: dict[str, int] = field(default_factory=dict)
    in_review: int = 0
    done: bool = False


def _selection(session: Session, project: Project, ids: Sequence[int]) -> list[int]:
    if not ids:
        raise InvalidInput("select at least one document", details={"ids": []})
    if len(ids) > MAX_SELECTION:
        raise InvalidInput(f"select at most {MAX_SELECTION} documents at once")
    in_project = Document.project_id == project.id
    found = set(session.scalars(select(Document.id).where(in_project, Document.id.in_(ids))))
    missing = sorted(set(ids) - found)
    if missing:
        raise InvalidInput(f"documents not in this project: {', '.join(map(str, missing[:20]))}",
                           details={"missing": missing})  # fmt: skip
    return sorted(found)


def _removed(
    session: Session, ids: list[int], kinds: tuple[str, ...]
) -> tuple[dict[str, int], int]:
    rows = session.execute(
        select(Annotation.kind, func.count(Annotation.id))
        .where(Annotation.document_id.in_(ids), Annotation.kind.in_(kinds))
        .group_by(Annotation.kind)
    ).all()
    return {row[0]: row[1] for row in rows}, store.entities_in(session, ids, kinds)


def _annotators(session: Session, project: Project, names: Sequence[str]) -> list[User]:
    if not names:
        raise InvalidInput("name at least one annotator to assign to", details={"annotators": []})
    users = {
        u.username: u
        for u in session.scalars(
            select(User).join(Membership, Membership.user_id == User.id).where(
                Membership.project_id == project.id, Membership.role == "annotator",
                User.username.in_(names))
        )
    }  # fmt: skip
    unknown = [n for n in names if n not in users]
    if unknown:
        raise InvalidInput(f"not annotators of this project: {', '.join(unknown)}",
                           details={"unknown": unknown})  # fmt: skip
    return [users[n] for n in dict.fromkeys(names)]


def _assign(session: Session, project: Project, ids: list[int], users: list[User],
            result: BulkResult, *, apply: bool) -> None:  # fmt: skip
    taken: dict[int, int] = {
        row[0]: row[1] for row in session.execute(
            select(Annotation.document_id, func.count(Annotation.id))
            .where(Annotation.document_id.in_(ids), Annotation.kind == "manual")
            .group_by(Annotation.document_id))}  # fmt: skip
    overlaps = {row[0]: row[1] for row in session.execute(
        select(Document.id, Document.overlap).where(Document.id.in_(ids)))}  # fmt: skip
    for user in users:
        has = set(session.scalars(select(Annotation.document_id).where(
            Annotation.document_id.in_(ids), Annotation.user_id == user.id)))  # fmt: skip
        result.already[user.username] = len(has)
        result.assigned[user.username] = 0
        for did in ids:
            if did in has:
                continue
            if taken.get(did, 0) >= (overlaps.get(did) or project.overlap):
                if did not in result.full:
                    result.full.append(did)
                    result.full.sort()
                continue
            taken[did] = taken.get(did, 0) + 1
            result.assigned[user.username] += 1
            if apply:
                session.add(Annotation(document_id=did, user_id=user.id, kind="manual",
                                       status="draft"))  # fmt: skip


def run_bulk(
    session: Session,
    project: Project,
    user: User,
    *,
    action: str,
    ids: Sequence[int],
    annotators: Sequence[str] = (),
    preview: bool = False,
) -> BulkResult:
    """Do ``action`` on the documents ``ids`` of ``project`` (or only count, with ``preview``).

    assign: an empty draft for each named annotator who has none, up to each document's
    overlap; reset: remove annotators' work and gold (the model's prediction stays) and the
    review state; delete: the documents with everything on them; archive / unarchive: mark
    them read-only and out of the queues, or back (nothing removed). Commits unless previewing."""
    if action not in ACTIONS:
        raise InvalidInput(
            f"action must be one of {', '.join(ACTIONS)}", details={"action": action}
        )
    selected = _selection(session, project, ids)
    result = BulkResult(action, len(selected))
    if action == "assign":
        _assign(session, project, selected, _annotators(session, project, annotators), result,
                apply=not preview)  # fmt: skip
    elif action in ("archive", "unarchive"):
        archive.set_archived(session, selected, result, archived=action == "archive",
                             apply=not preview)  # fmt: skip
    else:
        kinds = ("manual", "gold") if action == "reset" else ("prediction", "manual", "gold")
        result.annotations, result.entities = _removed(session, selected, kinds)
        if action == "delete":
            result.comments = session.scalar(
                select(func.count(Comment.id)).where(Comment.document_id.in_(selected))
            ) or 0  # fmt: skip
    if preview or (action in ("archive", "unarchive") and not result.changed):
        session.rollback()  # previewing, or (un)archiving what already is: nothing to record
        result.done = not preview
        return result
    if action == "reset":
        work = Annotation.kind.in_(("manual", "gold"))
        session.execute(delete(Annotation).where(Annotation.document_id.in_(selected), work))
        session.execute(delete(ReviewItem).where(ReviewItem.document_id.in_(selected)))
    elif action == "delete":
        session.execute(delete(Document).where(Document.id.in_(selected)))
    # Project-level event: a document's own events go with it when it is deleted.
    plural = "" if len(selected) == 1 else "s"
    audit.record(session, f"documents.{action}", user=user, project_id=project.id,
                 subject=f"{len(selected)} document{plural}",
                 before={"documents": selected, "annotations": result.annotations,
                         "entities": result.entities, "comments": result.comments},
                 after={"assigned": result.assigned, "full": result.full,
                        "changed": result.changed})  # fmt: skip
    session.commit()
    result.done = True
    return result
