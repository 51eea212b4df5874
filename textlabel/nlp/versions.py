"""The registry of a project's trained models: list, activate, roll back, and the pipeline
(with its label map) that pre-annotates the project.

A version's pipeline lives in the instance folder (``models/project-<id>/v<n>``, the path
is on the row); the row says what data it saw, how it scored and who started it. At most
one version per project is active (a partial unique index); none means the base model.
Rollback re-activates the version that was active before the current one, or the base
model when there was none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.errors import InvalidInput, NotFound
from textlabel.models import ModelVersion, Project, User
from textlabel.models.base import utcnow


@dataclass(frozen=True, slots=True)
class ActiveModel:
    """What pre-annotates a project: a pipeline name or path, its label map and version."""

    name: str | None  # None: the default model
    label_map: Mapping[str, str]
    version: ModelVersion | None

    @property
    def version_id(self) -> int | None:
        return self.version.id if self.version else None

    def describe(self) -> dict[str, Any]:
        """How a prediction records the model that made it (``Annotation.info["model"]``)."""
        if self.version is None:
            return {"name": self.name or "default", "version": None}
        return {"name": self.version.base_model, "version": self.version.version}


def list_versions(session: Session, project: Project) -> list[ModelVersion]:
    return list(
        session.scalars(
            select(ModelVersion)
            .where(ModelVersion.project_id == project.id)
            .order_by(ModelVersion.version.desc())
        )
    )


def get_version(session: Session, project: Project, version: int) -> ModelVersion:
    row = session.scalar(
        select(ModelVersion).where(
            ModelVersion.project_id == project.id, ModelVersion.version == version
        )
    )
    if row is None:
        raise NotFound(f"project {project.name!r} has no model version {version}")
    return row


def active_version(session: Session, project: Project) -> ModelVersion | None:
    return session.scalar(
        select(ModelVersion).where(ModelVersion.project_id == project.id, ModelVersion.active)
    )


def active_model(session: Session, project: Project) -> ActiveModel:
    """The pipeline that pre-annotates ``project`` now."""
    version = active_version(session, project)
    if version is None:
        return ActiveModel(project.spacy_model, project.label_map, None)
    if not Path(version.path).is_dir():
        raise InvalidInput(
            f"model version {version.version} is missing from {version.path}; "
            "activate another version or the base model"
        )
    return ActiveModel(version.path, version.label_map, version)


def next_version_number(session: Session, project: Project) -> int:
    versions = list_versions(session, project)
    return versions[0].version + 1 if versions else 1


def activate(
    session: Session, project: Project, version: int | None, user: User | None
) -> ModelVersion | None:
    """Make ``version`` the project's pre-annotation model (None: back to the base model)."""
    before = active_version(session, project)
    target = get_version(session, project, version) if version is not None else None
    if target is not None and not Path(target.path).is_dir():
        raise InvalidInput(f"model version {version} is missing from {target.path}")
    session.execute(
        update(ModelVersion)
        .where(ModelVersion.project_id == project.id, ModelVersion.active)
        .values(active=False)
    )
    session.flush()
    if target is not None:
        target.active, target.activated_at = True, utcnow()
    audit.record(
        session, "model.activate", user=user, project_id=project.id,
        before={"version": before.version if before else None},
        after={"version": target.version if target else None},
    )  # fmt: skip
    session.commit()
    return target


def rollback(session: Session, project: Project, user: User | None) -> ModelVersion | None:
    """Re-activate the version active before the current one (the base model if none)."""
    current = active_version(session, project)
    if current is None:
        raise InvalidInput("the base model is active already: nothing to roll back")
    earlier = session.scalar(
        select(ModelVersion)
        .where(
            ModelVersion.project_id == project.id,
            ModelVersion.activated_at.is_not(None),
            ModelVersion.id != current.id,
            ModelVersion.activated_at < current.activated_at,
        )
        .order_by(ModelVersion.activated_at.desc())
        .limit(1)
    )
    return activate(session, project, earlier.version if earlier else None, user)
