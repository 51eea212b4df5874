"""Background jobs: pre-annotation, and the progress of any job."""

from __future__ import annotations

from textlabel import jobs
from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Job, Project
from textlabel.schemas.jobs import JobOut
from textlabel.web import jobs as web_jobs
from textlabel.web.api import route


@route("/projects/<int:pid>/preannotate", "POST", tag="jobs", response=JobOut(), status=202,
       allow=Action.MANAGE)  # fmt: skip
def preannotate(project: Project) -> Job:
    """Start pre-annotating the project's documents that have no prediction yet."""
    return web_jobs.start("preannotate", project)


@route("/jobs/<int:jid>", tag="jobs", response=JobOut())
def get_job(jid: int) -> Job:
    """A background job's progress: {status, done, total, error}."""
    return web_jobs.visible_job(jid)


@route("/jobs/<int:jid>/cancel", "POST", tag="jobs", response=JobOut())
def cancel_job(jid: int) -> Job:
    """Ask a running job to stop (managers); finished work is kept and a re-run resumes."""
    return jobs.cancel(db.session, web_jobs.visible_job(jid, Action.MANAGE))
