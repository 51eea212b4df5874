"""Turning an upload request into an import: shared by the API and the upload page."""

from __future__ import annotations

from typing import Any, BinaryIO, cast

from flask import current_app, request
from werkzeug.datastructures import FileStorage

from textlabel.errors import InvalidInput
from textlabel.extensions import db
from textlabel.ingest.base import ReadOptions, caps_from
from textlabel.ingest.in_child import run_import
from textlabel.ingest.preview import Preview, preview_file
from textlabel.ingest.service import ImportOptions
from textlabel.models import Project
from textlabel.schemas.imports import ImportForm
from textlabel.schemas.preview import PreviewForm
from textlabel.web import jobs as web_jobs
from textlabel.web.guard import current_user


def preview_upload() -> Preview:
    """The columns and first rows of ``request.files["file"]`` (the import form's picker)."""
    upload, filename = _upload()
    form = PreviewForm().load({key: values[-1] for key, values in request.form.lists()})
    try:
        return preview_file(
            cast(BinaryIO, upload.stream), filename,
            format=form["format"], encoding=form["encoding"] or None,
            rows=form["rows"], truncated=form["truncated"],
        )  # fmt: skip
    finally:
        upload.close()


def _upload() -> tuple[FileStorage, str]:
    """The uploaded file and its name."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("attach the file as the multipart field 'file'")
    return upload, upload.filename


def _names(text: str | None) -> tuple[str, ...] | None:
    """A comma-separated list of names; None stays None (keep every column)."""
    if text is None:
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


def import_upload(project: Project) -> dict[str, Any]:
    """Import ``request.files["file"]`` with the options in the form; start pre-annotation."""
    upload, filename = _upload()
    # The last value wins: a checkbox sends "true" after its hidden "false" default.
    form = ImportForm().load({key: values[-1] for key, values in request.form.lists()})
    options = ImportOptions(
        format=form["format"],
        read=ReadOptions(
            text_field=form["text_field"] or None,
            meta_fields=_names(form["meta_fields"]),
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
        # a large upload runs in a child process, off this process's interpreter lock
        result = run_import(
            db.session, project, cast(BinaryIO, upload.stream), filename,
            user=current_user(),
            options=options,
        )  # fmt: skip
    finally:
        upload.close()  # spooled uploads are temporary files: release them now
    job = None
    if form["preannotate"] and result["imported"]:
        job = web_jobs.start("preannotate", project).id
    return result | {"job": job}
