"""Deleting an entity label that may be in use: say what uses it, then relabel or remove those
entities in the same transaction (audited), so no saved annotation holds an unknown label."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate import store
from textlabel.errors import Conflict, InvalidInput, NotFound
from textlabel.models import Annotation, Label, Project, User
from textlabel.models.base import utcnow

CHOICES = ("relabel", "remove")


def find_label(project: Project, label_id: int) -> Label:
    label = next((lb for lb in project.labels if lb.id == label_id), None)
    if label is None:
        raise NotFound(f"label {label_id} not found in this project")
    return label


def label_usage(session: Session, project: Project, label: Label) -> dict[str, int]:
    """Entities of ``label`` per kind (prediction, manual, gold), and the annotations and
    documents holding them."""
    return store.entity_usage(session, project.id, label.name)


def describe(usage: dict[str, int]) -> str:
    parts = [f"{usage[kind]} {name}" for kind, name in
             (("manual", "by annotators"), ("gold", "in gold"), ("prediction", "predicted"))
             if usage[kind]]  # fmt: skip
    return (f"{usage['entities']} entities ({', '.join(parts)}) in {usage['documents']} "
            "documents")  # fmt: skip


def delete_label(
    session: Session,
    project: Project,
    label_id: int,
    user: User,
    *,
    spans: str | None = None,
    relabel_to: str | None = None,
) -> dict[str, int]:
    """Delete a label. When entities use it, ``spans`` says what becomes of them: "relabel"
    (to ``relabel_to``, another label of the project) or "remove"; without it the deletion
    is refused (409) with the counts. Changed annotations get a new version, so an editor
    still open on one is told to reload (409) instead of saving the deleted label; commits.
    Returns the usage it acted on."""
    label = find_label(project, label_id)
    usage = label_usage(session, project, label)
    if usage["entities"] and spans is None:
        raise Conflict(
            f"label {label.name} is used by {describe(usage)}: relabel them or remove them",
            details={"usage": usage, "choices": list(CHOICES)},
        )
    if spans is not None and spans not in CHOICES:
        raise InvalidInput(f"spans must be one of {', '.join(CHOICES)}", details={"spans": spans})
    target = None
    if spans == "relabel":
        names = {lb.name for lb in project.labels if lb.id != label.id}
        if relabel_to not in names:
            raise InvalidInput(
                f"relabel_to must be another label of this project, not {relabel_to!r}",
                details={"labels": sorted(names)},
            )
        target = relabel_to
    changed = store.relabel_entities(session, project.id, label.name, target) if usage[
        "entities"] else []  # fmt: skip
    if changed:
        session.execute(
            update(Annotation)
            .where(Annotation.id.in_(changed))
            .values(version=Annotation.version + 1, updated_at=utcnow(), updated_by_id=user.id)
            .execution_options(synchronize_session=False)
        )
    project.labels.remove(label)
    project.label_map = {
        k: (target if v == label.name else v)
        for k, v in project.label_map.items()
        if v != label.name or target is not None
    }
    audit.record(
        session, "label.delete", user=user, project_id=project.id, subject=label.name,
        before={"usage": usage}, after={"spans": spans, "relabel_to": target,
                                        "annotations": changed},
    )  # fmt: skip
    session.commit()
    return usage
