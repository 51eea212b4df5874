"""Importing documents."""

from __future__ import annotations

from typing import Any

from textlabel.auth.permissions import Action
from textlabel.models import Project
from textlabel.schemas.imports import ImportForm, ImportOut
from textlabel.schemas.preview import PreviewForm, PreviewOut
from textlabel.web.api import route
from textlabel.web.imports import import_upload, preview_upload

FORM_FIELDS = {"file": "the file to import (CSV, TSV, JSON, JSONL, TXT, PDF, CoNLL, CoNLL-U, "
               "CoNLL-2012, WebAnno TSV 3, brat zip, spaCy DocBin, DOCX, HTML, zip)"} | {
    name: field.metadata.get("description", f"default: {field.load_default!r}")
    for name, field in ImportForm().fields.items()
    if name != "password"
} | {"password": "for an encrypted PDF"}  # fmt: skip


@route("/projects/<int:pid>/documents", "POST", tag="documents", response=ImportOut(),
       status=201, form=FORM_FIELDS, allow=Action.MANAGE, errors=(413, 415))  # fmt: skip
def import_documents(project: Project) -> dict[str, Any]:
    """Import a file of documents (multipart); all-or-nothing unless keep_good_rows."""
    return import_upload(project)


PREVIEW_FIELDS = {"file": "the file, or its first bytes with truncated=true"} | {
    name: field.metadata.get("description", f"default: {field.load_default!r}")
    for name, field in PreviewForm().fields.items()
}


@route("/projects/<int:pid>/documents/preview", "POST", tag="documents", response=PreviewOut(),
       form=PREVIEW_FIELDS, allow=Action.MANAGE, errors=(413, 415))  # fmt: skip
def preview_documents(project: Project) -> Any:
    """The columns and first rows of a CSV / JSON / JSONL file, to pick the text column."""
    return preview_upload()
