"""Creating and editing projects, their labels and members; counts for the project page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate.totals import document_total
from textlabel.errors import Conflict, InvalidInput, NotFound
from textlabel.models import Annotation, Document, Label, Membership, Project, User
from textlabel.models.project import LAYERS, ROLES
from textlabel.nlp.coref.schemes import DEFAULT_SCHEME, SCHEMES
from textlabel.nlp.models import check_model
from textlabel.projects.colors import next_color
from textlabel.projects.guidelines import check_guidelines
from textlabel.projects.layer_labels import (
    FIELDS,
    LayerLabelSpec,
    check_cats_mode,
    check_span_overlap,
    hotkeys_of,
    set_layer_labels,
)

LABEL_NAME = re.compile(r"^\S{1,100}$")
COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
HOTKEY = re.compile(r"^[a-z0-9]$")
DEFAULT_LABEL_MAP = {
    "PERSON": "PER",
    "ORG": "ORG",
    "GPE": "LOC",
    "LOC": "LOC",
    "FAC": "LOC",
    "NORP": "MISC",
    "EVENT": "MISC",
    "PRODUCT": "MISC",
    "WORK_OF_ART": "MISC",
    "LAW": "MISC",
    "LANGUAGE": "MISC",
}


@dataclass(frozen=True, slots=True)
class LabelSpec:
    name: str
    color: str | None = None
    hotkey: str | None = None


def _check_layers(layers: list[str]) -> list[str]:
    unknown = sorted(set(layers) - set(LAYERS))
    if unknown or not layers:
        raise InvalidInput(
            f"layers must be a non-empty subset of {', '.join(LAYERS)}",
            details={"unknown": unknown},
        )
    if "relations" in layers and "entities" not in layers:
        raise InvalidInput(
            "the relations layer links entities: add the entities layer too",
            details={"layers": sorted(layers)},
        )
    return [layer for layer in LAYERS if layer in layers]


def check_language(code: str) -> str:
    """``code`` if spaCy has a language class for it (``en``, ``de``, ``fr``...)."""
    from spacy.util import get_lang_class

    code = code.strip()
    try:
        get_lang_class(code)
    except (ImportError, ValueError) as e:
        raise InvalidInput(
            f"language {code!r} is not a language code spaCy knows (e.g. en, de, fr, es, nl)",
            details={"language": code},
        ) from e
    return code


def _check_overlap(overlap: int) -> int:
    if not 1 <= overlap <= 50:
        raise InvalidInput("overlap (annotators per document) must be between 1 and 50")
    return overlap


def _check_name(session: Session, name: str, *, exclude: int | None = None) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise InvalidInput("a project name is 1-200 characters")
    query = select(Project.id).where(Project.name == name)
    if exclude is not None:
        query = query.where(Project.id != exclude)
    if session.scalar(query) is not None:
        raise Conflict(f"a project named {name!r} already exists")
    return name


def create_project(
    session: Session,
    *,
    name: str,
    created_by: User,
    description: str = "",
    labels: list[LabelSpec] = (),  # type: ignore[assignment]
    layers: list[str] | None = None,
    overlap: int = 1,
    blind: bool = True,
    spacy_model: str | None = None,
    coref_scheme: str = DEFAULT_SCHEME,
    language: str = "en",
    relation_labels: list[LayerLabelSpec] | None = None,
    categories: list[LayerLabelSpec] | None = None,
    span_labels: list[LayerLabelSpec] | None = None,
    cats_mode: str = "multi",
    span_overlap: str = "any",
    guidelines: str = "",
) -> Project:
    """A new project whose creator is its first manager."""
    project = Project(
        name=_check_name(session, name),
        description=description,
        layers=_check_layers(layers or ["entities"]),
        overlap=_check_overlap(overlap),
        blind=blind,
        spacy_model=check_model(spacy_model),
        coref_scheme=_check_scheme(coref_scheme),
        language=check_language(language),
        cats_mode=check_cats_mode(cats_mode),
        span_overlap=check_span_overlap(span_overlap),
        created_by_id=created_by.id,
        settings={"guidelines": check_guidelines(guidelines)} if guidelines.strip() else {},
    )
    session.add(project)
    session.flush()
    project.label_map = {}
    for spec in labels:
        _add_label(session, project, spec)
    for layer, specs in (("relations", relation_labels), ("cats", categories),
                         ("spans", span_labels)):  # fmt: skip
        if specs:
            specs = [LayerLabelSpec(**v) if isinstance(v, dict) else v for v in specs]
            set_layer_labels(session, project, layer, specs)
    project.label_map = default_label_map(project)
    session.add(Membership(project_id=project.id, user_id=created_by.id, role="manager"))
    audit.record(
        session, "project.create", user=created_by, project_id=project.id, after=_state(project)
    )
    session.commit()
    return project


def default_label_map(project: Project) -> dict[str, str]:
    """spaCy's OntoNotes labels mapped to the project's labels where a name matches."""
    names = {label.name for label in project.labels}
    mapping = {model: ours for model, ours in DEFAULT_LABEL_MAP.items() if ours in names}
    mapping.update({name: name for name in names if name in DEFAULT_LABEL_MAP})
    return mapping


def update_project(session: Session, project: Project, user: User, **changes: Any) -> Project:
    """Apply the given settings; unknown keys are refused."""
    before = _state(project)
    for key, value in changes.items():
        if value is None:
            continue
        if key == "name":
            project.name = _check_name(session, value, exclude=project.id)
        elif key == "layers":
            project.layers = _check_layers(value)
        elif key == "overlap":
            project.overlap = _check_overlap(value)
        elif key == "coref_scheme":
            project.coref_scheme = _check_scheme(value)
        elif key == "spacy_model":
            project.spacy_model = check_model(value, project)
        elif key in {"description", "blind"}:
            setattr(project, key, value)
        elif key == "language":
            project.language = check_language(value)
        elif key == "label_map":
            project.label_map = _check_label_map(project, value)
        elif key == "settings":
            project.settings = {**project.settings, **value}
        elif key == "guidelines":
            project.settings = {**project.settings, "guidelines": check_guidelines(value)}
        elif key == "cats_mode":
            project.cats_mode = check_cats_mode(value)
        elif key == "span_overlap":
            project.span_overlap = check_span_overlap(value)
        elif key in _LAYER_FIELDS:
            specs = [LayerLabelSpec(**v) if isinstance(v, dict) else v for v in value]
            set_layer_labels(session, project, _LAYER_FIELDS[key], specs)
        else:
            raise InvalidInput(f"unknown project setting {key!r}")
    audit.record(
        session,
        "project.update",
        user=user,
        project_id=project.id,
        before=before,
        after=_state(project),
    )
    session.commit()
    return project


_LAYER_FIELDS = {field: layer for layer, field in FIELDS.items()}


def _check_scheme(name: str) -> str:
    if name not in SCHEMES:
        raise InvalidInput(
            f"coref_scheme: unknown coreference scheme {name!r}",
            details={"coref_scheme": name, "known": list(SCHEMES)},
        )
    return name


def _check_label_map(project: Project, mapping: dict[str, str]) -> dict[str, str]:
    names = {label.name for label in project.labels}
    unknown = sorted({v for v in mapping.values() if v not in names})
    if unknown:
        raise InvalidInput(
            "the label map points to labels the project lacks", details={"labels": unknown}
        )
    return dict(mapping)


def _add_label(session: Session, project: Project, spec: LabelSpec) -> Label:
    name = spec.name.strip()
    if not LABEL_NAME.match(name) or name == "O":
        raise InvalidInput(
            f"label name {name!r} must be 1-100 characters without spaces, and not 'O'"
        )
    if any(label.name == name for label in project.labels):
        raise Conflict(f"the project already has a label {name!r}")
    color = spec.color or next_color(label.color for label in project.labels)
    if not COLOR.match(color):
        raise InvalidInput(f"label color {color!r} must look like #a1b2c3")
    hotkey = (spec.hotkey or "").lower() or None
    if hotkey is not None:
        if not HOTKEY.match(hotkey):
            raise InvalidInput(f"hotkey {hotkey!r} must be one letter or digit")
        taken = hotkeys_of(project)
        if hotkey in taken:
            raise Conflict(f"hotkey {hotkey!r} is already used by {taken[hotkey]}")
    label = Label(name=name, color=color, hotkey=hotkey)
    project.labels.append(label)
    session.flush()
    return label


def attach_label(session: Session, project: Project, spec: LabelSpec) -> Label:
    """Check ``spec`` against the label rules and add it, without committing: an import adds
    the labels its file uses inside its own all-or-nothing transaction."""
    return _add_label(session, project, spec)


def add_label(session: Session, project: Project, spec: LabelSpec, user: User) -> Label:
    label = _add_label(session, project, spec)
    audit.record(
        session, "label.create", user=user, project_id=project.id, subject=label.name,
        after={"color": label.color, "hotkey": label.hotkey},
    )  # fmt: skip
    session.commit()
    return label


def set_member(
    session: Session, project: Project, username: str, role: str, user: User
) -> Membership:
    """Add ``username`` to the project with ``role``, or change their role."""
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    member = session.scalar(select(User).where(User.username == username))
    if member is None:
        raise NotFound(f"no user named {username!r}")
    membership = session.scalar(
        select(Membership).where(
            Membership.project_id == project.id, Membership.user_id == member.id
        )
    )
    before = membership.role if membership else None
    if membership is None:
        membership = Membership(project_id=project.id, user_id=member.id, role=role)
        session.add(membership)
    membership.role = role
    audit.record(
        session, "member.set", user=user, project_id=project.id, subject=username,
        before=before, after=role,
    )  # fmt: skip
    session.commit()
    return membership


def remove_member(session: Session, project: Project, username: str, user: User) -> None:
    membership = session.scalar(
        select(Membership)
        .join(User)
        .where(Membership.project_id == project.id, User.username == username)
    )
    if membership is None:
        raise NotFound(f"{username!r} is not a member of this project")
    session.delete(membership)
    audit.record(session, "member.remove", user=user, project_id=project.id, subject=username)
    session.commit()


def find_project(session: Session, key: str | int) -> Project:
    """A project by id or by name (the CLI takes either)."""
    project = None
    if isinstance(key, int) or (str(key).isascii() and str(key).isdigit() and len(str(key)) < 10):
        project = session.get(Project, int(key))
    if project is None:
        project = session.scalar(select(Project).where(Project.name == str(key)))
    if project is None or project.staged_for_id is not None:
        raise NotFound(f"no project {key!r}")
    return project


@dataclass(frozen=True, slots=True)
class ProjectCounts:
    documents: int
    annotated: int  # documents with their (project's or routed) overlap of submissions
    in_progress: int
    submitted_annotations: int


def project_counts(session: Session, project: Project) -> ProjectCounts:
    submitted = func.sum(case((Annotation.status == "submitted", 1), else_=0))
    needed = func.coalesce(Document.overlap, project.overlap)  # routed documents need fewer
    per_doc = (
        select(Document.id.label("id"), submitted.label("submitted"), needed.label("needed"))
        .join(Annotation, (Annotation.document_id == Document.id) & (Annotation.kind == "manual"))
        .where(Document.project_id == project.id)
        .group_by(Document.id, Document.overlap)
        .subquery()
    )
    documents = document_total(session, project.id)
    row = session.execute(
        select(
            func.count(per_doc.c.id),
            func.sum(case((per_doc.c.submitted >= per_doc.c.needed, 1), else_=0)),
            func.sum(per_doc.c.submitted),
        )
    ).one()
    touched, annotated, total_submitted = row
    return ProjectCounts(
        documents=documents or 0,
        annotated=annotated or 0,
        in_progress=(touched or 0) - (annotated or 0),
        submitted_annotations=total_submitted or 0,
    )


def _state(project: Project) -> dict[str, Any]:
    return {
        "name": project.name,
        "description": project.description,
        "layers": list(project.layers),
        "overlap": project.overlap,
        "blind": project.blind,
        "spacy_model": project.spacy_model,
        "coref_scheme": project.coref_scheme,
        "language": project.language,
        "cats_mode": project.cats_mode,
        "span_overlap": project.span_overlap,
        "guidelines": project.guidelines,
        **{
            field: [label.name for label in project.labels_of(layer)]
            for layer, field in FIELDS.items()
        },
    }
