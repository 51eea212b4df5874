"""Creating accounts, signing in (rate-limited), and API tokens."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.auth import throttle
from textlabel.auth.secrets import check_password, digest, hash_password, new_token
from textlabel.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, RateLimited
from textlabel.models import ApiToken, User
from textlabel.safejson import text_problem

USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,80}$")
MIN_PASSWORD = 8
TOKEN_NAME = 80  # the column's width


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
    """Change ``user``'s password: every session of theirs ends (the caller signs the current
    one in again) and every API token of theirs is revoked, as the account page says."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    user.password_hash = hash_password(password)
    user.session_epoch += 1
    revoked = len(user.tokens)
    user.tokens.clear()
    audit.record(session, "password.change", user=user, subject=user.username,
                 after={"tokens_revoked": revoked})  # fmt: skip
    session.commit()


def update_account(
    session: Session,
    admin: User,
    username: str,
    *,
    is_active: bool | None = None,
    password: str | None = None,
) -> User:
    """An administrator deactivates or reactivates an account, or resets its password.
    Deactivating ends the account's sessions and refuses its tokens at once (its work
    stays); a reset password ends its sessions and revokes its tokens. Audited; commits."""
    user = find_user(session, username)
    if is_active is False and user.id == admin.id:
        raise Conflict("you cannot deactivate your own account")
    if is_active is not None and is_active != user.is_active:
        user.is_active = is_active
        user.session_epoch += 1
        audit.record(session, "user.activate" if is_active else "user.deactivate", user=admin,
                     subject=username, before={"is_active": not is_active},
                     after={"is_active": is_active})  # fmt: skip
    if password is not None:
        if len(password) < MIN_PASSWORD:
            raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
        user.password_hash = hash_password(password)
        user.session_epoch += 1
        revoked = len(user.tokens)
        user.tokens.clear()
        audit.record(session, "password.reset", user=admin, subject=username,
                     after={"tokens_revoked": revoked})  # fmt: skip
    session.commit()
    return user


def sign_out(session: Session, user: User) -> None:
    """End every session of ``user``: a session cookie copied before stops working too."""
    user.session_epoch += 1
    session.commit()


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    max_attempts: int,
    window_s: int,
    known_client: bool = False,
) -> User:
    """The user with these credentials.

    A client the account does not know gets ``max_attempts`` per ``window_s`` (reserved
    atomically, see ``throttle``); a known client (it signed in to this account before) is
    not limited per account, and its success clears the count. Unknown names cost the same
    time as known ones: a dummy hash is checked.

    Raises:
        RateLimited: the account's attempts from unknown clients are used up (no check done).
        NotAuthenticated: wrong username or password.
    """
    if not known_client:
        retry_after = throttle.reserve(
            session, username, max_attempts=max_attempts, window_s=window_s
        )
        if retry_after:
            raise RateLimited(
                "too many failed sign-ins for this account from new browsers or scripts; "
                f"try again in {retry_after} s, or sign in from a browser you used before",
                retry_after=retry_after,
            )
    user = session.scalar(select(User).where(User.username == username))
    stored = user.password_hash if user is not None else _dummy_hash()
    matches = check_password(stored, password)
    if user is None or not user.is_active or not matches:
        audit.record(session, "login.failed", user=None, subject=username)
        session.commit()
        raise NotAuthenticated("wrong username or password")
    throttle.clear(session, username)
    throttle.forget_stale(session, window_s=window_s)
    session.commit()
    return user


@cache
def _dummy_hash() -> str:
    """A hash made like real ones, checked for names that do not exist (equal timing)."""
    return hash_password(secrets.token_urlsafe(16))


def issue_token(
    session: Session, user: User, *, name: str = "api", expires_in_days: int | None = None
) -> str:
    """Create an API token for ``user``; only its digest is stored.

    ``expires_in_days`` (1-3650) makes the token stop working after that many days; None:
    it works until revoked (or the password changes).
    """
    name = name.strip() or "api"
    if len(name) > TOKEN_NAME or text_problem(name):
        raise InvalidInput(
            f"a token name is 1-{TOKEN_NAME} printable characters", details={"field": "name"}
        )
    expires_at = None
    if expires_in_days is not None:
        if not 1 <= expires_in_days <= 3650:
            raise InvalidInput(
                "expires_in_days must be between 1 and 3650", details={"field": "expires_in_days"}
            )
        expires_at = datetime.now(UTC) + timedelta(days=expires_in_days)
    token, token_hash = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_hash, name=name, expires_at=expires_at))
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


# Built once: it runs before every API request, and building a statement (and its cache
# key) costs SQLAlchemy more Python time than running it.
_USER_FOR_TOKEN = (
    select(User, ApiToken.expires_at)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)


def user_for_token(session: Session, token: str) -> User | None:
    """The active user a token belongs to, if the token exists and has not expired (one
    prebuilt query: it runs before every API request)."""
    row = session.execute(_USER_FOR_TOKEN, {"token_hash": digest(token)}).first()
    if row is None:
        return None
    user, expires_at = row
    if not user.is_active or (expires_at is not None and expires_at <= datetime.now(UTC)):
        return None
    return user


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def find_user(session: Session, username: str) -> User:
    """The user named ``username``; NotFound naming it when there is none."""
    user = get_user(session, username)
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
