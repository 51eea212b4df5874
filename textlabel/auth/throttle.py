"""Per-account sign-in limits that a stranger cannot turn into a lock-out of the owner.

Each attempt from a client the account does not know is *reserved* before the password is
checked, with one atomic upsert that returns the attempt's number in the current window: of
40 attempts at once exactly ``max_attempts`` are checked (a count-then-insert let 17 through).
Beyond the limit the client waits for the window to end. A client that signed in to the
account before (the web layer keeps a signed cookie for that) is not limited per account, and
its successful sign-in clears the count: whoever guesses from elsewhere cannot lock the owner
out of their usual browser. Per-address limits (Flask-Limiter) bound everyone.
"""

from __future__ import annotations

import hashlib
import time
from typing import cast

from sqlalchemy import Table, case, delete
from sqlalchemy.orm import Session

from textlabel.db import upsert
from textlabel.models import LoginThrottle


def _key(username: str) -> str:
    # A digest: any string someone types fits the column, and no username is stored twice.
    return hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()


def reserve(session: Session, username: str, *, max_attempts: int, window_s: int) -> int:
    """Reserve one sign-in attempt for ``username``; commits at once so others see it.

    Returns:
        0 when the attempt may go on, else the seconds until the window ends.
    """
    now = int(time.time())
    table = cast(Table, LoginThrottle.__table__)
    stale = table.c.window_start <= now - window_s
    statement = (
        upsert(session, table)
        .values(key=_key(username), attempts=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "attempts": case((stale, 1), else_=table.c.attempts + 1),
                "window_start": case((stale, now), else_=table.c.window_start),
            },
        )
        .returning(table.c.attempts, table.c.window_start)
    )
    attempts, window_start = session.execute(statement).one()
    session.commit()
    if attempts <= max_attempts:
        return 0
    return max(1, int(window_start) + window_s - now)


def clear(session: Session, username: str) -> None:
    """Forget the account's attempts (after a successful sign-in); the caller commits."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _key(username)))


def forget_stale(session: Session, *, window_s: int) -> None:
    """Drop windows that ended (attempts at names that were never signed in to)."""
    cutoff = int(time.time()) - window_s
    session.execute(delete(LoginThrottle).where(LoginThrottle.window_start <= cutoff))
