"""Extensions created unbound at import and bound to an app in ``create_app``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from textlabel.db import Database

db = Database()

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
"""Per-client-address limits (failed sign-ins); storage from RATELIMIT_STORAGE_URI: memory in
one process, Redis (TEXTLABEL_REDIS_URL) when several web processes share the count."""
