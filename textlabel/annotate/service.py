"""Reading and saving annotations: one validated, versioned save for any annotation row (an
annotator's manual annotation, a reviewer's gold one), recorded in the audit trail as the
change it made (spans removed and added, tags changed, status), and announced with the
``annotation_submitted`` event once committed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, cast

from sqlalchemy import Table, bindparam, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from textlabel import audit, events
from textlabel.annotate import store
from textlabel.annotate.checks import check_payload
from textlabel.annotate.layer_checks import RelationRule, Rules, prune_relations
from textlabel.annotate.payload import Payload
from textlabel.auth.permissions import Action, allowed
from textlabel.errors import Conflict
from textlabel.models import Annotation, Document, Label, Project, User
from textlabel.models.base import utcnow
from textlabel.records import RelationRecord


@dataclass(frozen=True, slots=True)
class AnnotationInput:
    """A save request: the version it was made on, the status to set and the payload (a
    layer left None keeps what is stored)."""

    version: int
    status: str = "draft"
    payload: Payload = field(default_factory=Payload)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AnnotationInput:
        """From the API's shape (``version``, ``status`` and the payload's layers)."""
        return cls(data["version"], data.get("status") or "draft", Payload.from_json(data))


def rules_of(
    project: Project, payload: Payload | None = None, *, label_names: frozenset[str] | None = None
) -> Rules:
    """What ``project`` allows in an annotation: its layers and each layer's labels.

    Given the ``payload`` to check, only the label tables its layers need are read (each is
    a query per save: an entity save needs no relation or category labels); the rules of a
    layer the payload leaves out are empty, and nothing consults them. ``label_names``: the
    entity label names, read already in this transaction (the web guard's query for a save)."""
    entities = payload is None or payload.spans is not None
    others = payload is None or any(
        getattr(payload, layer) is not None for layer in ("relations", "cats", "span_cats")
    )
    labels: frozenset[str] = frozenset()
    if entities:
        labels = label_names if label_names is not None else _label_names(project)
    return Rules(
        layers=frozenset(project.layers),
        labels=labels,
        relations={
            label.name: RelationRule(
                label.name,
                None if label.heads is None else frozenset(label.heads),
                None if label.children is None else frozenset(label.children),
                label.directed,
            )
            for label in (project.relation_labels if others else ())
        },
        categories=tuple(label.name for label in (project.categories if others else ())),
        cats_mode=project.cats_mode,
        span_labels=frozenset(label.name for label in (project.span_labels if others else ())),
        span_overlap=project.span_overlap,
    )


_LABEL_NAMES = select(Label.name).where(Label.project_id == bindparam("project_id"))


def _label_names(project: Project) -> frozenset[str]:
    """The project's entity label names: one column of one prebuilt query unless the labels
    are loaded already (loading the ``labels`` relationship builds ORM objects: every entity
    save checks its labels)."""
    state = inspect(project)
    if state.session is None or "labels" not in state.unloaded:
        return frozenset(label.name for label in project.labels)
    return frozenset(state.session.scalars(_LABEL_NAMES, {"project_id": project.id}))


# Built once: every save and every editor load runs it.
_OWN_ANNOTATION = select(Annotation).where(
    Annotation.document_id == bindparam("document_id"),
    Annotation.user_id == bindparam("user_id"),
    Annotation.kind == "manual",
)


def own_annotation(session: Session, document: Document, user: User) -> Annotation | None:
    return session.scalar(_OWN_ANNOTATION, {"document_id": document.id, "user_id": user.id})


def prediction_of(session: Session, document: Document) -> Annotation | None:
    return session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id, Annotation.kind == "prediction"
        )
    )


def visible_annotations(
    session: Session, document: Document, project: Project, user: User
) -> list[Annotation]:
    """Annotations of ``document`` that ``user`` may see: in a blind project an annotator
    sees only the model's and their own; reviewers, managers and open projects see all."""
    query = select(Annotation).where(Annotation.document_id == document.id)
    if project.blind and not allowed(session, user, project, Action.VIEW_OTHERS):
        query = query.where((Annotation.kind == "prediction") | (Annotation.user_id == user.id))
    return list(session.scalars(query.order_by(Annotation.id)))


def _pos_changes(
    old: list[str | None] | None, new: tuple[str | None, ...] | None
) -> dict[int, tuple[str | None, str | None]]:
    if new is None:
        return {}
    before = list(old or [])
    before += [None] * (len(new) - len(before))
    return {i: (before[i], tag) for i, tag in enumerate(new) if before[i] != tag}


_ANNOTATION = cast(Table, Annotation.__table__)
# A save's versioned UPDATE, built once: the other columns it sets (status, updated_at, ...)
# come as parameters, which Core adds to the SET clause. A Core statement on the table: the
# ORM's bulk UPDATE would first work out what to synchronize in the session.
_BUMP_VERSION = (
    update(_ANNOTATION)
    .where(
        _ANNOTATION.c.id == bindparam("annotation_id"),
        _ANNOTATION.c.version == bindparam("expected"),
    )
    .values(version=_ANNOTATION.c.version + 1)
)


def require_version(annotation: Annotation, version: int) -> None:
    """Conflict (409, the current version in ``details``) unless ``version`` is current."""
    if version != annotation.version:
        raise Conflict(
            f"annotation {annotation.id} is at version {annotation.version}, "
            f"not {version}: it was saved elsewhere; reload it",
            details={"version": annotation.version},
        )


def save_annotation(
    session: Session,
    annotation: Annotation,
    request: AnnotationInput,
    *,
    user: User,
    dropped: list[RelationRecord] | None = None,
    holds: list[Payload] | None = None,
    label_names: frozenset[str] | None = None,
) -> Annotation:
    """Validate the request against the document and project, apply it if its ``version`` is
    current, bump the version and record the change; commits (one transaction, in which
    everything is read once). Layers left as ``None`` are kept (an entity-only save does not
    touch coreference and the reverse); a save that removes an entity and leaves relations
    out removes the relations standing on it (and appends them to ``dropped`` when given, so
    that the caller can say so). Given ``holds``, what the annotation holds after the save
    is appended to it, read before the commit: an answer read after it would open a second
    transaction (on SQLite, queue for the write lock again). ``label_names``: the project's
    entity label names when the caller read them in this transaction already.

    Raises InvalidInput (422) naming the offending span, Conflict (409) with the current
    version in ``details`` when someone saved in between.
    """
    document = session.get_one(Document, annotation.document_id)
    project = session.get_one(Project, document.project_id)
    tokens = store.tokens_of(document)
    # A stale version first: what an editor open on an old version holds (a label deleted
    # since, say) is not worth checking; it must reload.
    require_version(annotation, request.version)
    asked = request.payload
    # Relations stand on entities: checking them, or keeping them through an entity edit,
    # needs what is stored (read only where a relation can be).
    linked = bool(asked.relations) or (
        project.has_layer("relations") and (asked.relations, asked.spans) != (None, None)
    )
    stored = (
        store.read_many(session, [annotation.id], layers=("spans", "relations"))[annotation.id]
        if linked
        else None
    )
    rules = rules_of(project, asked, label_names=label_names)
    wanted = check_payload(asked, tokens, rules, stored=stored, text=document.text)
    if wanted.spans is not None and wanted.relations is None and stored and stored.relations:
        kept, gone = prune_relations(stored.relations, wanted.spans)
        if gone:  # their entity is gone: the audit trail records them as removed
            wanted = replace(wanted, relations=kept)
            if dropped is not None:
                dropped.extend(gone)
    change = store.diff(session, annotation.id, tokens, wanted)
    pos_changes = _pos_changes(annotation.pos, wanted.pos)
    status_changed = request.status != annotation.status

    if not (change or pos_changes or status_changed):
        if holds is not None:  # what diff read is what it holds: no query for the answer
            holds.append(store.held(annotation, change))
        return annotation

    fresh: dict[str, Any] = {
        "version": request.version + 1,
        "status": request.status,
        "updated_at": utcnow(),
        "updated_by_id": user.id,
    }
    if pos_changes:
        fresh["pos"] = list(wanted.pos or ())
    if status_changed and request.status == "submitted":
        fresh["submitted_at"] = fresh["updated_at"]
    values = {name: value for name, value in fresh.items() if name != "version"}
    # The version check and the bump are one statement: of two concurrent saves of the same
    # version exactly one matches, the other gets 409 (PostgreSQL rechecks after the lock).
    result = session.execute(
        _BUMP_VERSION, {"annotation_id": annotation.id, "expected": request.version, **values}
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        current = session.scalar(select(Annotation.version).where(Annotation.id == annotation.id))
        raise Conflict(
            f"annotation {annotation.id} was saved elsewhere (now version {current}); reload it",
            details={"version": current},
        )
    store.apply(session, change)
    before, after = change.audit()
    audit.record_now(
        session,
        "annotation.save",
        user_id=user.id,
        project_id=project.id,
        document_id=document.id,
        subject=f"annotation {annotation.id} ({annotation.kind})",
        before={
            "version": request.version,
            "status": annotation.status,
            **before,
            "pos": {str(i): old for i, (old, _) in pos_changes.items()},
        },
        after={
            "version": request.version + 1,
            "status": request.status,
            **after,
            "pos": {str(i): new for i, (_, new) in pos_changes.items()},
        },
    )
    # The row now holds these: kept on the object instead of reading it again.
    for key, value in {**fresh, **change.columns}.items():
        set_committed_value(annotation, key, value)
    if holds is not None:
        holds.append(store.held(annotation, change))
    session.commit()
    if annotation.kind == "manual" and (request.status == "submitted" or status_changed):
        events.annotation_submitted.send(annotation, session=session, document=document)
    return annotation
