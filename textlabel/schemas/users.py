"""Users and tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.schemas.common import JsonBool


class Credentials(Schema):
    username = fields.Str(required=True)
    password = fields.Str(required=True, load_only=True)


class TokenSchema(Schema):
    token = fields.Str(required=True, metadata={"description": "send as Authorization: Bearer"})


class TokenInfo(Schema):
    id = fields.Int()
    name = fields.Str()
    created_at = fields.DateTime()


class UserCreate(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=8))
    is_admin = JsonBool(load_default=False)


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str()
    is_admin = fields.Bool()
    is_active = fields.Bool()
