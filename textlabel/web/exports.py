"""Streaming an export download from a request."""

from __future__ import annotations

import re

from flask import Response, stream_with_context

from textlabel.export.request import ExportRequest, check
from textlabel.export.service import check_splits, stream_export
from textlabel.extensions import db
from textlabel.models import Project


def download_name(project: Project, request: ExportRequest, extension: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", project.name).strip("-") or f"project-{project.id}"
    return f"{slug}-{request.source}{extension}"


def export_response(project: Project, request: ExportRequest) -> Response:
    fmt = check(project, request)  # refuse bad requests before the first byte is sent
    check_splits(db.session, project, request)
    response = Response(
        stream_with_context(stream_export(db.session, project, request)),
        content_type=fmt.media_type,  # as is: ``mimetype`` would add a second charset
    )
    name = download_name(project, request, fmt.extension)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
