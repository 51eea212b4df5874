"""Archiving and deleting projects.

An archived project is read-only: hidden from the default project list, every write to it
refused (``permissions.require_writable``) until a manager unarchives it. The mark lives in
``Project.settings["archived_at"]`` (when, ISO), so archiving needs no schema change.
Deleting removes the project with its documents, annotations, review and jobs (database
cascades), a batch of documents per statement; it needs the project's name typed as
``confirm`` and is audited with what it removed (the event keeps no project id, so it
outlives the project).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, Membership, Project, User
from textlabel.models.base import utcnow

DELETE_BATCH = 5_000


def set_archived(session: Session, project: Project, user: User, *, archived: bool) -> Project:
    """Archive (read-only, out of the default list) or unarchive ``project``; commits."""
    settings = dict(project.settings or {})
    was = bool(settings.get("archived_at"))
    if archived and not was:
        settings["archived_at"] = utcnow().isoformat()
    elif not archived:
        settings.pop("archived_at", None)
    project.settings = settings
    if was != archived:
        audit.record(session, "project.archive" if archived else "project.unarchive",
                     user=user, project_id=project.id, before={"archived": was},
                     after={"archived": archived})  # fmt: skip
    session.commit()
    return project


def deletion_counts(session: Session, project: Project) -> dict[str, int]:
    """What deleting ``project`` removes."""
    documents = session.scalar(select(func.count()).where(Document.project_id == project.id))
    annotations = session.scalar(
        select(func.count())
        .select_from(Annotation)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project.id, Annotation.kind != "prediction")
    )
    members = session.scalar(select(func.count()).where(Membership.project_id == project.id))
    return {"documents": documents or 0, "annotations": annotations or 0, "members": members or 0}


def delete_project(session: Session, project: Project, user: User, *, confirm: str) -> None:
    """Delete ``project`` and everything in it once ``confirm`` is its exact name; commits.

    InvalidInput (422) otherwise, with what would be removed in ``details``."""
    counts = deletion_counts(session, project)
    if confirm != project.name:
        raise InvalidInput(
            f"type the project's name ({project.name!r}) in confirm to delete it with its "
            f"{counts['documents']} document(s) and {counts['annotations']} annotation(s)",
            details=counts,
        )
    pid, name = project.id, project.name
    audit.record(session, "project.delete", user=user, project_id=None,
                 subject=f"project {pid} {name!r}", before={"name": name, **counts})  # fmt: skip
    while True:
        ids = list(
            session.scalars(
                select(Document.id).where(Document.project_id == pid).limit(DELETE_BATCH)
            )
        )
        if not ids:
            break
        session.execute(delete(Document).where(Document.id.in_(ids)))
    session.execute(delete(Project).where(Project.id == pid))
    session.commit()


def is_archived(settings: dict[str, Any] | None) -> bool:
    return bool((settings or {}).get("archived_at"))
