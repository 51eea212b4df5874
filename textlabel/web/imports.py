"""Turning an upload request into an import: shared by the API and the upload page."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import current_app, request

from textlabel.errors import InvalidInput
from textlabel.extensions import db
from textlabel.ingest.base import ReadOptions, caps_from
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Project
from textlabel.schemas.imports import ImportForm
from textlabel.web import jobs as web_jobs
from textlabel.web.guard import current_user


def import_upload(project: Project) -> dict[str, Any]:
    """Import ``request.files["file"]`` with the options in the form; start pre-annotation."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("attach the file to import as the multipart field 'file'")
    # The last value wins: a checkbox sends "true" after its hidden "false" default.
    form = ImportForm().load({key: values[-1] for key, values in request.form.lists()})
    options = ImportOptions(
        format=form["format"],
        read=ReadOptions(
            text_field=form["text_field"] or None,
            encoding=form["encoding"] or None,
            split=form["split"],
            password=form["password"],
            tags=tuple(t.strip() for t in form["tags"].split(",")) if form["tags"] else None,
            keep_headers=form["keep_headers"],
            language=project.language,
            caps=caps_from(current_app.config),
        ),
        keep_good_rows=form["keep_good_rows"],
        dedupe=form["dedupe"],
        annotations=form["annotations"],
        annotator=form["annotator"] or None,
        add_labels=form["add_labels"],
        max_chars=current_app.config["MAX_DOCUMENT_CHARS"],
    )
    try:
        result = import_file(
            db.session, project, cast(BinaryIO, upload.stream), upload.filename,
            user=current_user(),
            options=options,
        )  # fmt: skip
    finally:
        upload.close()  # spooled uploads are temporary files: release them now
    job = None
    if form["preannotate"] and result.imported:
        job = web_jobs.start("preannotate", project).id
    return result.as_dict() | {"job": job}
