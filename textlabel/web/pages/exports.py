"""The export page: choose format, source and layers; download now or as a background job."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, require
from textlabel.errors import NotFound
from textlabel.export.registry import FORMATS, SOURCES
from textlabel.export.request import check, request_params
from textlabel.export.service import check_splits
from textlabel.extensions import db
from textlabel.models.project import LAYERS
from textlabel.projects.documents import recent_jobs
from textlabel.schemas.exports import ExportQuery
from textlabel.web import jobs as web_jobs
from textlabel.web.exports import download_name, export_response
from textlabel.web.guard import current_user
from textlabel.web.pages import bp


def _exports_dir() -> Path:
    return Path(current_app.config["INSTANCE"]) / "exports"


@bp.get("/projects/<int:pid>/export")
def export_page(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.EXPORT)
    if "format" in request.args:  # the form's "Download" button: stream it now
        return export_response(project, ExportQuery().load(request.args.to_dict()))
    return render_template(
        "exports/page.html", project=project, formats=FORMATS.values(), sources=SOURCES.values(),
        layers=LAYERS, export_jobs=[j for j in recent_jobs(db.session, project, limit=20)
                                    if j.kind == "export"][:5],
    )  # fmt: skip


@bp.post("/projects/<int:pid>/export")
def export_job(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.EXPORT)
    form = {k: v for k, v in request.form.to_dict().items() if k != "csrf_token"}
    export = ExportQuery().load(form)
    fmt = check(project, export)
    check_splits(db.session, project, export)
    name = f"{secrets.token_hex(6)}-" + download_name(project, export, fmt.extension)
    params = request_params(export) | {"path": str(_exports_dir() / name)}
    job = web_jobs.start("export", project, params)
    return render_template("jobs/_job.html", job=job)


@bp.get("/jobs/<int:jid>/download")
def export_download(jid: int) -> ResponseReturnValue:
    job = web_jobs.visible_job(jid, Action.EXPORT)
    path = Path(job.params.get("path", ""))
    if job.kind != "export" or job.status != "done" or not path.is_file():
        raise NotFound("this export is not ready (or was removed)")
    return send_file(path, as_attachment=True, download_name=path.name.split("-", 1)[1])
