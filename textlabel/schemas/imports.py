"""Import uploads: multipart form fields in, counts and located errors out."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from textlabel.ingest.base import SPLITS
from textlabel.ingest.registry import READERS
from textlabel.ingest.service import ANNOTATIONS_AS

FORMATS = ["auto", *sorted(READERS)]


class ImportForm(Schema):
    """The form fields of ``POST /projects/{pid}/documents`` (besides ``file``)."""

    class Meta:
        unknown = EXCLUDE  # the upload page also sends its CSRF token

    format = fields.Str(load_default="auto", validate=validate.OneOf(FORMATS))
    text_field = fields.Str(load_default=None)
    meta_fields = fields.Str(
        load_default=None,
        metadata={
            "description": "comma-separated columns / keys kept as metadata (CSV, JSON); "
            "absent: every column but the text; empty: none"
        },
    )
    encoding = fields.Str(load_default=None)
    split = fields.Str(load_default="document", validate=validate.OneOf(SPLITS))
    password = fields.Str(load_default=None, load_only=True)
    keep_headers = fields.Bool(
        load_default=False,
        metadata={"description": "PDF: keep lines repeated at the top or bottom of most pages"},
    )
    keep_good_rows = fields.Bool(load_default=False)
    dedupe = fields.Bool(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "skip documents whose text is already in the project; default (or "
            "'auto'): yes, except for CoNLL-U, whose repeated sentences are kept"
        },
    )
    annotations = fields.Str(load_default="predictions", validate=validate.OneOf(ANNOTATIONS_AS))
    annotator = fields.Str(load_default=None)
    add_labels = fields.Bool(load_default=False)
    preannotate = fields.Bool(load_default=True)
    tags = fields.Str(
        load_default=None,
        metadata={"description": "comma-separated names of integer ner_tags (Hugging Face)"},
    )

    @pre_load
    def _auto_dedupe(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if str(data.get("dedupe", "auto")).strip().lower() in ("", "auto"):
            data = {key: value for key, value in data.items() if key != "dedupe"}
        return data


class RowError(Schema):
    where = fields.Str(metadata={"description": "file and row / line / page"})
    message = fields.Str()


class KindCount(Schema):
    read = fields.Int(metadata={"description": "items of this kind the file held"})
    stored = fields.Int(metadata={"description": "items stored in the project"})
    not_stored = fields.Int(metadata={"description": "read - stored; see not_imported"})


class NotImported(Schema):
    kind = fields.Str(metadata={"description": "spans, relations, attributes, document_labels..."})
    name = fields.Str(metadata={"description": 'where it was in the file, e.g. "relations"'})
    count = fields.Int()
    reason = fields.Str()
    message = fields.Str(metadata={"description": "the line to show a person"})


class ImportOut(Schema):
    imported = fields.Int()
    skipped = fields.Int(metadata={"description": "duplicates of documents already present"})
    annotations = fields.Int()
    errors = fields.List(fields.Nested(RowError))
    warnings = fields.List(
        fields.Nested(RowError),
        metadata={"description": "what a reader changed or left out (never fatal), with where"},
    )
    labels_added = fields.List(fields.Str())
    counts = fields.Dict(
        keys=fields.Str(),
        values=fields.Nested(KindCount),
        metadata={"description": "per kind (documents, spans, mentions, chains, pos_tags, "
                  "relations, attributes, document_labels, ...): read, stored, not_stored"},
    )  # fmt: skip
    not_imported = fields.List(
        fields.Nested(NotImported),
        metadata={"description": "everything read but not stored, named, with counts"},
    )
    notes = fields.List(
        fields.Nested(NotImported),
        metadata={"description": "items stored after a change (e.g. realigned offsets)"},
    )
    job = fields.Int(allow_none=True, metadata={"description": "the pre-annotation job, if any"})
