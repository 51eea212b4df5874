"""Shapes shared by every endpoint."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate


class ErrorBody(Schema):
    code = fields.Str(required=True, metadata={"description": "stable machine-readable code"})
    message = fields.Str(required=True, metadata={"description": "what went wrong, and where"})
    details = fields.Raw(allow_none=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBody, required=True)


class JsonBool(fields.Boolean):
    """A JSON boolean: ``true`` or ``false`` only (marshmallow's Bool also takes 0, 1, "yes").

    Form fields, whose values are strings, keep ``fields.Bool``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, bool):  # not `in {True}`: 1 == True for a set
            return value
        raise self.make_error("invalid", input=value)


class PageQuery(Schema):
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=2**31 - 1))
    per_page = fields.Int(load_default=50, validate=validate.Range(min=1, max=500))
