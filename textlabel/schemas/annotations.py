"""Annotations as the API reads and writes them, and the task queue's answer."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.models.annotation import STATUSES
from textlabel.schemas.documents import DocumentOut, MentionOut


class SpanIn(Schema):
    start = fields.Int(required=True)
    end = fields.Int(required=True)
    label = fields.Str(required=True)


class MentionIn(Schema):
    start = fields.Int(required=True)
    end = fields.Int(required=True)


class AnnotationIn(Schema):
    version = fields.Int(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "the version you last read; 0 when you have none yet"},
    )
    status = fields.Str(load_default="draft", validate=validate.OneOf(STATUSES))
    spans = fields.List(fields.Nested(SpanIn), load_default=list)
    pos = fields.List(
        fields.Str(allow_none=True),
        load_default=None,
        allow_none=True,
        metadata={"description": "one Universal POS tag per token, null = the prediction"},
    )
    coref = fields.List(
        fields.List(fields.Nested(MentionIn)),
        load_default=None,
        allow_none=True,
        metadata={"description": "chains of mentions; omitted or null keeps the stored chains"},
    )


class AnnotatedSpanOut(Schema):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()
    score = fields.Float(allow_none=True)


class AnnotationOut(Schema):
    id = fields.Int(allow_none=True)
    document_id = fields.Int()
    user = fields.Str(allow_none=True)
    kind = fields.Str()
    version = fields.Int(metadata={"description": "0 when nothing is stored yet"})
    status = fields.Str()
    spans = fields.List(fields.Nested(AnnotatedSpanOut))
    pos = fields.List(fields.Str(allow_none=True), allow_none=True)
    coref = fields.List(fields.List(fields.Nested(MentionOut)))
    updated_at = fields.DateTime(allow_none=True)


class ProgressOut(Schema):
    done = fields.Int(metadata={"description": "documents the caller submitted"})
    assigned = fields.Int(metadata={"description": "documents given to the caller so far"})
    total = fields.Int(metadata={"description": "documents in the project"})


class NextOut(Schema):
    document = fields.Nested(DocumentOut, allow_none=True)
    annotation = fields.Nested(AnnotationOut, allow_none=True)
    progress = fields.Nested(ProgressOut)
