"""The model in the loop: train, list and activate model versions, refresh predictions,
and the queue / routing / ruler settings (managers)."""

from __future__ import annotations

from typing import Any

from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Job, Project
from textlabel.nlp.loop import LoopSettings, loop_settings
from textlabel.nlp.versions import activate, rollback
from textlabel.schemas.jobs import JobOut
from textlabel.schemas.training import (
    ActivateIn,
    LoopSettingsIn,
    LoopSettingsOut,
    ModelsOut,
    TrainIn,
)
from textlabel.web import training
from textlabel.web.api import route
from textlabel.web.guard import current_user


@route("/projects/<int:pid>/train", "POST", tag="training", body=TrainIn(), response=JobOut(),
       status=202, allow=Action.MANAGE)  # fmt: skip
def train(project: Project, data: dict[str, Any]) -> Job:
    """Start fine-tuning the project's NER on its gold (a background job); its result holds
    the new version's scores beside the base model's and the training curve."""
    return training.start_training(project, data)


@route("/projects/<int:pid>/models", tag="training", response=ModelsOut(), allow=Action.MANAGE)
def models(project: Project) -> dict[str, Any]:
    """The project's trained model versions, newest first, and which one is active."""
    return training.models_of(project)


@route("/projects/<int:pid>/models/active", "PUT", tag="training", body=ActivateIn(),
       response=ModelsOut(), allow=Action.MANAGE)  # fmt: skip
def set_active(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Make a version the pre-annotation model (``{"version": null}``: the base model)."""
    activate(db.session, project, data["version"], current_user())
    return training.models_of(project)


@route("/projects/<int:pid>/models/rollback", "POST", tag="training", response=ModelsOut(),
       allow=Action.MANAGE)  # fmt: skip
def roll_back(project: Project) -> dict[str, Any]:
    """Re-activate the model that was active before the current one."""
    rollback(db.session, project, current_user())
    return training.models_of(project)


@route("/projects/<int:pid>/repreannotate", "POST", tag="training", response=JobOut(),
       status=202, allow=Action.MANAGE)  # fmt: skip
def repreannotate(project: Project) -> Job:
    """Redo the predictions of documents nobody has annotated yet with the active model."""
    return training.start_refresh(project)


@route("/projects/<int:pid>/loop-settings", tag="training", response=LoopSettingsOut(),
       allow=Action.MANAGE)  # fmt: skip
def get_loop_settings(project: Project) -> LoopSettings:
    """Queue order, routing of documents two models agree on, and the gold phrase ruler."""
    return loop_settings(project)


@route("/projects/<int:pid>/loop-settings", "PUT", tag="training", body=LoopSettingsIn(),
       response=LoopSettingsOut(), allow=Action.MANAGE)  # fmt: skip
def put_loop_settings(project: Project, data: dict[str, Any]) -> LoopSettings:
    """Change the loop's settings (keys left out keep their value)."""
    return training.save_loop_settings(project, data)
