"""Starting pre-annotation from the project page and watching any job's progress live."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue

from textlabel import jobs
from textlabel.auth.permissions import Action, require
from textlabel.extensions import db
from textlabel.web import jobs as web_jobs
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx
from textlabel.web.pages import bp


@bp.post("/projects/<int:pid>/preannotate")
def start_preannotation(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    job = web_jobs.start("preannotate", project)
    if is_htmx():
        return render_template("jobs/_job.html", job=job)
    return redirect(url_for("pages.project", pid=pid))


@bp.get("/jobs/<int:jid>")
def job_status(jid: int) -> ResponseReturnValue:
    job = web_jobs.visible_job(jid)
    if is_htmx():
        return render_template("jobs/_job.html", job=job)
    return redirect(url_for("pages.project", pid=job.project_id))


@bp.post("/jobs/<int:jid>/cancel")
def cancel_job(jid: int) -> ResponseReturnValue:
    job = jobs.cancel(db.session, web_jobs.visible_job(jid, Action.MANAGE))
    if is_htmx():
        return render_template("jobs/_job.html", job=job)
    return redirect(url_for("pages.project", pid=job.project_id))
