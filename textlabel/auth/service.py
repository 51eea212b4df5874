"""Creating accounts, signing in (rate-limited), and API tokens."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.auth.secrets import check_password, digest, hash_password, new_token
from textlabel.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, RateLimited
from textlabel.models import ApiToken, Event, User

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")
MIN_PASSWORD = 8


def create_user(
    session: Session,
    username: str,
    password: str,
    *,
    is_admin: bool = False,
    created_by: User | None = None,
) -> User:
    if not USERNAME.match(username):
        raise InvalidInput(
            "a username is 1-80 letters, digits or . _ @ -", details={"username": username}
        )
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), is_admin=is_admin)
    session.add(user)
    session.flush()
    audit.record(
        session, "user.create", user=created_by, subject=username, after={"is_admin": is_admin}
    )
    session.commit()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    session.commit()


def authenticate(
    session: Session, username: str, password: str, *, max_attempts: int, window_s: int
) -> User:
    """The user with these credentials; failed attempts per username are limited.

    Failures are stored as events, so the limit holds across processes and restarts.
    """
    since = datetime.now(UTC) - timedelta(seconds=window_s)
    failures = session.scalar(
        select(func.count(Event.id)).where(
            Event.action == "login.failed", Event.subject == username, Event.created_at >= since
        )
    )
    if (failures or 0) >= max_attempts:
        raise RateLimited("too many failed sign-ins for this account; wait a few minutes")
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not check_password(user.password_hash, password):
        audit.record(session, "login.failed", user=None, subject=username)
        session.commit()
        raise NotAuthenticated("wrong username or password")
    return user


def issue_token(session: Session, user: User, *, name: str = "api") -> str:
    """Create an API token for ``user``; only its digest is stored."""
    token, token_hash = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_hash, name=name))
    audit.record(session, "token.create", user=user, subject=name)
    session.commit()
    return token


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    )


def revoke_token(session: Session, user: User, token_id: int) -> None:
    """Delete one of ``user``'s tokens; scripts using it get 401 from now on."""
    token = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if token is None or token.user_id != user.id:
        raise NotFound(f"token {token_id} not found")
    session.delete(token)
    audit.record(session, "token.revoke", user=user, subject=token.name)
    session.commit()


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if row is None or not row.user.is_active:
        return None
    return row.user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
