"""Background jobs."""

from __future__ import annotations

from marshmallow import Schema, fields


class JobOut(Schema):
    id = fields.Int()
    kind = fields.Str()
    project_id = fields.Int(allow_none=True)
    status = fields.Str(metadata={"description": "queued | running | done | failed | cancelled"})
    done = fields.Int()
    total = fields.Int()
    error = fields.Str(allow_none=True)
    result = fields.Dict()
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
