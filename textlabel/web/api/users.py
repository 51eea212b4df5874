"""Accounts: administrators create them; everyone can ask who they are."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from textlabel.auth import service
from textlabel.auth.permissions import require_admin
from textlabel.extensions import db
from textlabel.models import User
from textlabel.schemas.users import UserCreate, UserSchema, UserUpdate
from textlabel.web.api import route
from textlabel.web.guard import current_user


@route("/users", "POST", tag="users", body=UserCreate(), response=UserSchema(), status=201,
       errors=(409,))  # fmt: skip
def create_user(data: dict[str, Any]) -> User:
    """Create a user (administrators only)."""
    require_admin(current_user())
    return service.create_user(
        db.session,
        data["username"],
        data["password"],
        is_admin=data["is_admin"],
        created_by=current_user(),
    )


@route("/users", tag="users", response=UserSchema(many=True))
def list_users() -> list[User]:
    """List every user (administrators only)."""
    require_admin(current_user())
    return list(db.session.scalars(select(User).order_by(User.username)))


@route("/users/me", tag="users", response=UserSchema())
def me() -> User:
    """The calling user."""
    return current_user()


@route("/users/<username>", "PATCH", tag="users", body=UserUpdate(), response=UserSchema(),
       errors=(409,))  # fmt: skip
def update_user(username: str, data: dict[str, Any]) -> User:
    """Deactivate or reactivate an account, or reset its password (administrators only)."""
    require_admin(current_user())
    return service.update_account(db.session, current_user(), username, **data)
