"""Password hashing (scrypt via werkzeug) and API tokens stored as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

from werkzeug.security import check_password_hash, generate_password_hash

TOKEN_PREFIX = "tl_"


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def check_password(password_hash: str, password: str) -> bool:
    return check_password_hash(password_hash, password)


def new_token() -> tuple[str, str]:
    """A fresh API token and the digest to store; the token itself is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, digest(token)


def digest(token: str) -> str:
    # Tokens are 256 random bits, so a fast unsalted hash is enough (no dictionary to attack).
    return hashlib.sha256(token.encode()).hexdigest()
