"""Exchanging credentials for an API token."""

from __future__ import annotations

from typing import Any

from flask import current_app

from textlabel.auth import service
from textlabel.extensions import db
from textlabel.schemas.users import Credentials, TokenSchema
from textlabel.web.api import route


@route(
    "/auth/token", "POST", tag="auth", body=Credentials(), response=TokenSchema(), status=201,
    public=True,
)  # fmt: skip
def create_token(data: dict[str, Any]) -> dict[str, str]:
    """Exchange a username and password for an API token."""
    user = service.authenticate(
        db.session,
        data["username"],
        data["password"],
        max_attempts=current_app.config["LOGIN_ATTEMPTS"],
        window_s=current_app.config["LOGIN_WINDOW_S"],
    )
    return {"token": service.issue_token(db.session, user)}
