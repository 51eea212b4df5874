"""Per-annotator statistics (``GET /projects/{pid}/annotators``)."""

from __future__ import annotations

from marshmallow import Schema, fields


class TeamQuery(Schema):
    layer = fields.Str(
        load_default=None,
        metadata={"description": "the agreement layer (default: the project's first)"},
    )


class PartnerOut(Schema):
    annotator = fields.Str()
    score = fields.Float(allow_none=True, metadata={"description": "the layer's pair measure"})
    n_documents = fields.Int(metadata={"description": "documents both submitted"})


class AnnotatorStatsOut(Schema):
    annotator = fields.Str()
    done = fields.Int(metadata={"description": "documents submitted"})
    in_progress = fields.Int(metadata={"description": "drafts: handed out or started"})
    skipped = fields.Int()
    median_seconds = fields.Float(
        allow_none=True,
        metadata={"description": "median time from hand-out (draft created) to submission"},
    )
    agreement = fields.Float(
        allow_none=True, metadata={"description": "mean of the partners' scores (defined ones)"}
    )
    partners = fields.List(fields.Nested(PartnerOut))
    gold_documents = fields.Int(metadata={"description": "submitted documents with gold"})
    gold_precision = fields.Float(allow_none=True)
    gold_recall = fields.Float(allow_none=True)
    gold_f1 = fields.Float(
        allow_none=True, metadata={"description": "exact-match span F1 against gold, pooled"}
    )
    per_day = fields.List(fields.Int(), metadata={"description": "submissions on each of days"})


class TeamOut(Schema):
    layer = fields.Str()
    measure = fields.Str(metadata={"description": "the pair measure of agreement"})
    days = fields.List(fields.Date(), metadata={"description": "UTC days, first to last"})
    annotators = fields.List(fields.Nested(AnnotatorStatsOut))
