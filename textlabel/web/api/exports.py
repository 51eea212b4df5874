"""Exporting a project's corpus."""

from __future__ import annotations

from flask import Response

from textlabel.auth.permissions import Action
from textlabel.export.request import ExportRequest
from textlabel.models import Project
from textlabel.schemas.exports import ExportQuery
from textlabel.web.api import route
from textlabel.web.exports import export_response


@route("/projects/<int:pid>/export", tag="export", query=ExportQuery(),
       media_type="application/octet-stream", allow=Action.EXPORT)  # fmt: skip
def export(project: Project, args: ExportRequest) -> Response:
    """Download the corpus (streamed): jsonl, conll, conllu, or spacy (a zip of DocBins and
    a config.cfg)."""
    return export_response(project, args)
