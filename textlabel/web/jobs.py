"""Starting background jobs from a request, and finding a job its caller may see."""

from __future__ import annotations

from typing import Any

from flask import current_app

from textlabel import jobs
from textlabel.auth.permissions import Action, require
from textlabel.errors import NotFound
from textlabel.extensions import db
from textlabel.models import Job, Project
from textlabel.web.guard import current_user


def start(kind: str, project: Project, params: dict[str, Any] | None = None) -> Job:
    if kind == "preannotate":
        params = {"chunk_docs": current_app.config["PREANNOTATE_CHUNK_DOCS"], **(params or {})}
    job = jobs.create(db.session, kind, project_id=project.id, params=params, user=current_user())
    runner: jobs.JobRunner = current_app.extensions["textlabel.jobs"]
    runner.submit(job.id)
    return job


def visible_job(jid: int, action: Action = Action.VIEW) -> Job:
    job = db.session.get(Job, jid)
    if job is None or job.project_id is None:
        raise NotFound(f"job {jid} not found")
    try:
        require(db.session, current_user(), job.project_id, action)
    except NotFound as e:
        raise NotFound(f"job {jid} not found") from e
    return job
