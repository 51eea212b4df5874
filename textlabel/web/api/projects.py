"""Projects, their labels and members."""

from __future__ import annotations

from typing import Any

from flask import Response

from textlabel.auth.permissions import Action, role_of, visible_projects
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.projects import labels, lifecycle, service
from textlabel.projects.service import LabelSpec
from textlabel.schemas.projects import (
    ArchiveIn,
    LabelDeleteQuery,
    LabelIn,
    LabelOut,
    LabelUsageOut,
    MemberIn,
    MemberOut,
    ProjectCreate,
    ProjectDeleteQuery,
    ProjectDetail,
    ProjectOut,
    ProjectsQuery,
    ProjectUpdate,
)
from textlabel.web.api import route
from textlabel.web.guard import current_user

FIELDS = (
    "id",
    "name",
    "description",
    "layers",
    "overlap",
    "blind",
    "spacy_model",
    "coref_scheme",
    "language",
    "label_map",
    "relation_labels",
    "categories",
    "cats_mode",
    "span_labels",
    "span_overlap",
    "guidelines",
    "archived",
)


def _out(project: Project, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(project, name) for name in FIELDS}
    out["labels"] = project.labels
    out["role"] = role_of(db.session, current_user(), project.id)
    if detail:
        out["memberships"] = project.memberships
        out["counts"] = service.project_counts(db.session, project)
    return out


@route("/projects", tag="projects", query=ProjectsQuery(), response=ProjectOut(many=True))
def list_projects(args: dict[str, Any]) -> list[dict[str, Any]]:
    """Projects the caller is a member of (all of them for administrators); archived ones
    only with ``archived=true``."""
    found = visible_projects(db.session, current_user(), archived=args["archived"])
    return [_out(p) for p in found]


@route("/projects/<int:pid>/archive", "POST", tag="projects", body=ArchiveIn(),
       response=ProjectDetail(), allow=Action.MANAGE)  # fmt: skip
def archive_project(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Archive a project (read-only: every change answers 409; out of the default list) or
    restore it with ``{"archived": false}`` (managers; audited)."""
    lifecycle.set_archived(db.session, project, current_user(), archived=data["archived"])
    return _out(project, detail=True)


@route("/projects/<int:pid>", "DELETE", tag="projects", status=204, query=ProjectDeleteQuery(),
       allow=Action.MANAGE)  # fmt: skip
def delete_project(project: Project, args: dict[str, Any]) -> Response:
    """Delete a project with its documents, annotations, gold and jobs (managers; audited):
    ``confirm`` must be its exact name, else 422 with what it would remove in ``details``."""
    lifecycle.delete_project(db.session, project, current_user(), confirm=args["confirm"])
    return Response(status=204)


@route("/projects", "POST", tag="projects", body=ProjectCreate(), response=ProjectDetail(),
       status=201, errors=(409,))  # fmt: skip
def create_project(data: dict[str, Any]) -> dict[str, Any]:
    """Create a project; the caller becomes its manager."""
    labels = [LabelSpec(**label) for label in data.pop("labels")]
    project = service.create_project(db.session, created_by=current_user(), labels=labels, **data)
    return _out(project, detail=True)


@route("/projects/<int:pid>", tag="projects", response=ProjectDetail(), allow=Action.VIEW)
def get_project(project: Project) -> dict[str, Any]:
    """A project with labels, layers, members and counts."""
    return _out(project, detail=True)


@route("/projects/<int:pid>", "PATCH", tag="projects", body=ProjectUpdate(),
       response=ProjectDetail(), allow=Action.MANAGE, errors=(409,))  # fmt: skip
def update_project(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Change a project's settings (managers)."""
    service.update_project(db.session, project, current_user(), **data)
    return _out(project, detail=True)


@route("/projects/<int:pid>/labels", "POST", tag="projects", body=LabelIn(),
       response=LabelOut(), status=201, allow=Action.MANAGE, errors=(409,))  # fmt: skip
def add_label(project: Project, data: dict[str, Any]) -> Any:
    """Add an entity label (managers)."""
    return service.add_label(db.session, project, LabelSpec(**data), current_user())


@route("/projects/<int:pid>/labels/<int:lid>/usage", tag="projects", response=LabelUsageOut(),
       allow=Action.MANAGE)  # fmt: skip
def label_usage(project: Project, lid: int) -> dict[str, int]:
    """How many entities use a label, per kind, and in how many documents (managers)."""
    return labels.label_usage(db.session, project, labels.find_label(project, lid))


@route("/projects/<int:pid>/labels/<int:lid>", "DELETE", tag="projects", status=204,
       query=LabelDeleteQuery(), allow=Action.MANAGE, errors=(409,))  # fmt: skip
def delete_label(project: Project, lid: int, args: dict[str, Any]) -> Response:
    """Remove an entity label (managers); a label in use needs ``spans=relabel&relabel_to=X``
    or ``spans=remove`` (409 with the counts otherwise)."""
    labels.delete_label(db.session, project, lid, current_user(), **args)
    return Response(status=204)


@route("/projects/<int:pid>/members", "POST", tag="projects", body=MemberIn(),
       response=MemberOut(), status=201, allow=Action.MANAGE)  # fmt: skip
def set_member(project: Project, data: dict[str, Any]) -> Any:
    """Add a member with a role, or change a member's role (managers)."""
    return service.set_member(db.session, project, data["username"], data["role"], current_user())


@route("/projects/<int:pid>/members/<username>", "DELETE", tag="projects", status=204,
       allow=Action.MANAGE)  # fmt: skip
def remove_member(project: Project, username: str) -> Response:
    """Remove a member (managers)."""
    service.remove_member(db.session, project, username, current_user())
    return Response(status=204)
