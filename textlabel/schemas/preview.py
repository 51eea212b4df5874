"""The import preview: multipart form fields in, columns and the first rows out."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from textlabel.ingest.preview import MAX_ROWS
from textlabel.schemas.imports import FORMATS


class PreviewForm(Schema):
    """The form fields of ``POST /projects/{pid}/documents/preview`` (besides ``file``)."""

    class Meta:
        unknown = EXCLUDE  # the upload page also sends its CSRF token and the import options

    format = fields.Str(load_default="auto", validate=validate.OneOf(FORMATS))
    encoding = fields.Str(load_default=None)
    rows = fields.Int(
        load_default=5,
        validate=validate.Range(min=1, max=MAX_ROWS),
        metadata={"description": f"how many rows to show (1 to {MAX_ROWS})"},
    )
    truncated = fields.Bool(
        load_default=False,
        metadata={"description": "the file is only its head: a record cut at the end is fine"},
    )


class PreviewRowOut(Schema):
    where = fields.Str(metadata={"description": 'e.g. "row 1 (line 2)", "line 3", "record 1"'})
    values = fields.List(fields.Str(), metadata={"description": "one per column, as text"})


class PreviewOut(Schema):
    format = fields.Str(metadata={"description": "the format read (detected unless given)"})
    columns = fields.List(fields.Str(), metadata={"description": "CSV header / JSON keys"})
    rows = fields.List(fields.Nested(PreviewRowOut))
    text_field = fields.Str(
        allow_none=True,
        metadata={"description": "the column the import takes when text_field is not given"},
    )
    note = fields.Str(allow_none=True, metadata={"description": "why there are no columns"})
