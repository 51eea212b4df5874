"""The upload page: drag and drop a file, watch the upload progress, read what happened."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, require
from textlabel.errors import TextlabelError
from textlabel.extensions import db
from textlabel.ingest.registry import READERS
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx, render
from textlabel.web.imports import import_upload
from textlabel.web.pages import bp


@bp.get("/projects/<int:pid>/import")
def import_page(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    return render_template("imports/page.html", project=project, formats=sorted(READERS))


@bp.post("/projects/<int:pid>/import")
def import_post(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    try:
        result, error = import_upload(project), None
    except TextlabelError as e:
        db.session.rollback()
        result, error = None, e
    response = render(
        "imports/page.html", "imports/_result.html", project=project, result=result,
        error=error, formats=sorted(READERS),
    )  # fmt: skip
    # htmx swaps only 2xx answers: a refused file is the content of the result panel there,
    # while a plain form post gets the page with the real status.
    if error and not is_htmx():
        response.status_code = error.status
    return response
