"""The Model page (managers): train on gold, see scores and the training curve, activate or
roll back a version, re-pre-annotate untouched documents, and the loop's settings."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, require
from textlabel.errors import InvalidInput
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.nlp.loop import loop_settings
from textlabel.nlp.versions import activate, rollback
from textlabel.projects.documents import recent_jobs
from textlabel.web import training
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx
from textlabel.web.pages import bp

KINDS = ("train", "preannotate")


def _manager(pid: int) -> Project:
    return require(db.session, current_user(), pid, Action.MANAGE)


@bp.get("/projects/<int:pid>/model")
def model_page(pid: int) -> ResponseReturnValue:
    project = _manager(pid)
    return render_template(
        "training/page.html", project=project, models=training.models_of(project),
        settings=loop_settings(project),
        loop_jobs=[j for j in recent_jobs(db.session, project, limit=20) if j.kind in KINDS][:5],
    )  # fmt: skip


def _back(pid: int) -> ResponseReturnValue:
    return redirect(url_for("pages.model_page", pid=pid), 303)


@bp.post("/projects/<int:pid>/model/train")
def model_train(pid: int) -> ResponseReturnValue:
    project = _manager(pid)
    try:
        dev = float(request.form.get("dev", "0.2"))
    except ValueError as e:
        raise InvalidInput("dev must be a number between 0 and 1") from e
    options = {"source": request.form.get("source", "gold"), "dev": dev,
               "curve": request.form.get("curve") == "on"}  # fmt: skip
    job = training.start_training(project, options)
    if is_htmx():
        return render_template("jobs/_job.html", job=job)
    return _back(pid)


@bp.post("/projects/<int:pid>/model/activate")
def model_activate(pid: int) -> ResponseReturnValue:
    project = _manager(pid)
    raw = request.form.get("version", "")
    activate(db.session, project, int(raw) if raw.isdigit() else None, current_user())
    return _back(pid)


@bp.post("/projects/<int:pid>/model/rollback")
def model_rollback(pid: int) -> ResponseReturnValue:
    rollback(db.session, _manager(pid), current_user())
    return _back(pid)


@bp.post("/projects/<int:pid>/model/refresh")
def model_refresh(pid: int) -> ResponseReturnValue:
    job = training.start_refresh(_manager(pid))
    if is_htmx():
        return render_template("jobs/_job.html", job=job)
    return _back(pid)


@bp.post("/projects/<int:pid>/model/settings")
def model_settings(pid: int) -> ResponseReturnValue:
    project = _manager(pid)
    form = request.form
    route = form.get("route_overlap", "").strip()
    count = form.get("ruler_min_count", "").strip()
    if (route and not route.isdigit()) or (count and not count.isdigit()):
        raise InvalidInput("route_overlap and ruler_min_count must be whole numbers")
    training.save_loop_settings(project, {
        "queue": form.get("queue", "import"), "route_overlap": int(route) if route else None,
        "ruler": form.get("ruler") == "on", "ruler_min_count": int(count) if count else None,
    })  # fmt: skip
    return _back(pid)
