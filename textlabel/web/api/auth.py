"""Exchanging credentials for an API token."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app

from textlabel.auth import service
from textlabel.extensions import db
from textlabel.schemas.users import Credentials, TokenInfo, TokenSchema
from textlabel.web.api import route
from textlabel.web.guard import current_user
from textlabel.web.signin import failed_signins_limited, is_known_client


@route(
    "/auth/token", "POST", tag="auth", body=Credentials(), response=TokenSchema(), status=201,
    public=True, errors=(429,),
)  # fmt: skip
@failed_signins_limited
def create_token(data: dict[str, Any]) -> dict[str, str]:
    """Exchange a username and password for an API token (optionally expiring)."""
    user = service.authenticate(
        db.session,
        data["username"],
        data["password"],
        max_attempts=current_app.config["LOGIN_ATTEMPTS"],
        window_s=current_app.config["LOGIN_WINDOW_S"],
        known_client=is_known_client(data["username"]),
    )
    token = service.issue_token(
        db.session, user, name=data["name"], expires_in_days=data["expires_in_days"]
    )
    return {"token": token}


@route("/auth/tokens", tag="auth", response=TokenInfo(many=True))
def list_tokens() -> list[Any]:
    """The caller's API tokens (names and dates; the secrets are never shown again)."""
    return service.list_tokens(db.session, current_user())


@route("/auth/tokens/<int:tid>", "DELETE", tag="auth", status=204)
def revoke_token(tid: int) -> Response:
    """Revoke one of the caller's tokens."""
    service.revoke_token(db.session, current_user(), tid)
    return Response(status=204)
