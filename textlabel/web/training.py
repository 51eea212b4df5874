"""What the training page and the API share: where models go, and the services they call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import current_app

from textlabel.extensions import db
from textlabel.models import Job, Project
from textlabel.nlp.loop import LoopSettings, check_loop_settings, loop_settings
from textlabel.nlp.versions import active_version, list_versions
from textlabel.projects.service import update_project
from textlabel.training.service import version_summary
from textlabel.web import jobs as web_jobs
from textlabel.web.guard import current_user


def models_dir() -> Path:
    return Path(current_app.config["INSTANCE"]) / "models"


def start_training(project: Project, options: dict[str, Any]) -> Job:
    params = {k: v for k, v in options.items() if v is not None}
    return web_jobs.start("train", project, {**params, "models_dir": str(models_dir())})


def start_refresh(project: Project) -> Job:
    return web_jobs.start("preannotate", project, {"refresh": True})


def models_of(project: Project) -> dict[str, Any]:
    active = active_version(db.session, project)
    return {
        "active": active.version if active else None,
        "versions": [version_summary(v) for v in list_versions(db.session, project)],
    }


def save_loop_settings(project: Project, changes: dict[str, Any]) -> LoopSettings:
    settings = check_loop_settings(project, changes)
    update_project(db.session, project, current_user(), settings=settings)
    return loop_settings(project)
