"""Training, model versions and the loop's settings at the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class TrainIn(Schema):
    source = fields.Str(load_default="gold", validate=validate.OneOf(["gold", "gold_or_majority"]))
    dev = fields.Float(load_default=0.2, validate=validate.Range(min=0.01, max=0.9))
    seed = fields.Int(load_default=0)
    curve = fields.Bool(load_default=True, metadata={"description": "train at 25/50/75 % too"})
    max_steps = fields.Int(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "cap on updates per run (quick trials)"},
    )


class ModelVersionOut(Schema):
    version = fields.Int()
    active = fields.Bool()
    base_model = fields.Str()
    path = fields.Str()
    data = fields.Dict(metadata={"description": "source, documents and tokens it saw"})
    scores = fields.Dict(metadata={"description": "{model, base}: p, r, f, per_label on dev"})
    curve = fields.List(fields.Dict(), metadata={"description": "[{share, documents, f}]"})
    created_at = fields.Str()
    created_by_id = fields.Int(allow_none=True)
    activated_at = fields.Str(allow_none=True)


class ModelsOut(Schema):
    active = fields.Int(allow_none=True, metadata={"description": "active version; null: base"})
    versions = fields.List(fields.Nested(ModelVersionOut))


class ActivateIn(Schema):
    version = fields.Int(required=True, allow_none=True,
                         metadata={"description": "null: back to the base model"})  # fmt: skip


class LoopSettingsIn(Schema):
    queue = fields.Str(validate=validate.OneOf(["import", "uncertainty", "both"]))
    route_overlap = fields.Int(allow_none=True)
    ruler = fields.Bool()
    ruler_min_count = fields.Int()


class LoopSettingsOut(Schema):
    queue = fields.Str()
    route_overlap = fields.Int(allow_none=True)
    ruler = fields.Bool()
    ruler_min_count = fields.Int()
