"""Users and tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.schemas.common import JsonBool


class Credentials(Schema):
    username = fields.Str(required=True)
    password = fields.Str(required=True, load_only=True)
    name = fields.Str(
        load_default="api",
        validate=validate.Length(min=1, max=80),
        metadata={"description": "a name to recognise the token by"},
    )
    expires_in_days = fields.Int(
        load_default=None, allow_none=True, validate=validate.Range(min=1, max=3650),
        metadata={"description": "the token stops working after this many days; "
                  "null: until revoked (every token is revoked when the password changes)"},
    )  # fmt: skip


class TokenSchema(Schema):
    token = fields.Str(required=True, metadata={"description": "send as Authorization: Bearer"})


class TokenInfo(Schema):
    id = fields.Int()
    name = fields.Str()
    created_at = fields.DateTime()
    expires_at = fields.DateTime(allow_none=True, metadata={"description": "null: never"})


class UserCreate(Schema):
    username = fields.Str(required=True, validate=validate.Length(min=1, max=80))
    password = fields.Str(required=True, load_only=True, validate=validate.Length(min=8))
    is_admin = JsonBool(load_default=False)


class UserUpdate(Schema):
    is_active = JsonBool(
        metadata={"description": "false: the account cannot sign in or use its tokens; its "
                  "work stays"},
    )  # fmt: skip
    password = fields.Str(
        load_only=True, validate=validate.Length(min=8),
        metadata={"description": "a new password: ends the account's sessions and revokes "
                  "its tokens"},
    )  # fmt: skip


class UserSchema(Schema):
    id = fields.Int(dump_only=True)
    username = fields.Str()
    is_admin = fields.Bool()
    is_active = fields.Bool()
