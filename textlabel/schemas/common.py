"""Shapes shared by every endpoint."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ErrorBody(Schema):
    code = fields.Str(required=True, metadata={"description": "stable machine-readable code"})
    message = fields.Str(required=True, metadata={"description": "what went wrong, and where"})
    details = fields.Raw(allow_none=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class PageQuery(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=500))
