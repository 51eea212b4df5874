"""What signing in needs from the web layer: a per-address limit on failed attempts, and the
"known client" cookie that exempts a browser from the per-account limit.

The per-account limit (``auth.throttle``) stops a guesser; without an exemption, it would also
let anyone lock the owner out by guessing wrong on purpose. A browser that signed in to an
account successfully gets a signed, long-lived cookie naming that account; its attempts are
not limited per account (the per-address limit still holds), and its next success clears the
account's count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from textlabel.extensions import limiter

F = TypeVar("F", bound=Callable[..., Any])

COOKIE = "textlabel_known"
KEEP_DAYS = 180
MAX_ACCOUNTS = 8  # accounts remembered per browser (a shared lab machine)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="textlabel.known-client")


def _known() -> list[str]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        names = _serializer().loads(raw)
    except BadSignature:
        return []
    return [name for name in names if isinstance(name, str)] if isinstance(names, list) else []


def is_known_client(username: str) -> bool:
    """Whether this browser signed in to ``username`` before."""
    return username in _known()


def remember_client(response: Response, username: str) -> Response:
    """Set the cookie that makes this browser a known client of ``username``."""
    names = [username, *(name for name in _known() if name != username)][:MAX_ACCOUNTS]
    response.set_cookie(
        COOKIE,
        _serializer().dumps(names),
        max_age=KEEP_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


def _failed(response: Response) -> bool:
    return response.status_code == 401


def failed_signins_limited(view: F) -> F:
    """Limit failed sign-ins per client address (``LOGIN_RATE``, e.g. "20 per 10 minutes").

    Only failures count, so a classroom behind one address signs in freely; beyond the
    limit every attempt from the address gets 429 with Retry-After until the window moves.
    """
    limited = limiter.limit(
        lambda: str(current_app.config["LOGIN_RATE"]),
        methods=["POST"],
        deduct_when=_failed,
        error_message="too many failed sign-ins from your address; try again later",
    )(view)
    return cast(F, limited)
