"""Documents, their tokens and annotations."""

from __future__ import annotations

from marshmallow import Schema, fields


class DocumentRowOut(Schema):
    id = fields.Int()
    preview = fields.Str()
    source = fields.Str(allow_none=True)
    chars = fields.Int()
    submitted = fields.Int()
    drafts = fields.Int()
    has_prediction = fields.Bool()
    has_gold = fields.Bool()
    status = fields.Str(metadata={"description": "new | in progress | annotated | reviewed"})


class DocumentPageOut(Schema):
    items = fields.List(fields.Nested(DocumentRowOut))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int()


class TokenOut(Schema):
    start = fields.Int()
    end = fields.Int()
    ws = fields.Bool()


class SpanOut(Schema):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()
    score = fields.Float(allow_none=True)


class MentionOut(Schema):
    start = fields.Int()
    end = fields.Int()
    score = fields.Float(
        metadata={"description": "the model's confidence in the mention's chain, 0..1; "
                  "absent on human mentions", "x-optional": True},
    )  # fmt: skip


class PredictionOut(Schema):
    spans = fields.List(fields.Nested(SpanOut))
    pos = fields.List(fields.Str(allow_none=True), allow_none=True)
    coref = fields.List(fields.List(fields.Nested(MentionOut)))


class DocumentOut(Schema):
    id = fields.Int()
    project_id = fields.Int()
    text = fields.Str()
    meta = fields.Dict()
    source = fields.Dict()
    tokens = fields.List(fields.Nested(TokenOut), allow_none=True)
    sent_starts = fields.List(fields.Int(), allow_none=True)
    prediction = fields.Nested(PredictionOut, allow_none=True)
