"""Telling "the database is busy, try again" apart from real database errors.

SQLite answers "database is locked" once its busy timeout runs out; PostgreSQL reports a
serialization failure, a deadlock or a lock timeout. All of them mean the same to a client:
nothing was changed, retry shortly. Everything else stays an error.
"""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

# SQLSTATE: serialization_failure, deadlock_detected, lock_not_available
_PG_RETRYABLE = {"40001", "40P01", "55P03"}
# SQLite's result codes: SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT (a writer committed after a
# read transaction began, so it cannot write).
_SQLITE_BUSY = {5, 517}


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is a lock the database gave up waiting for."""
    if not isinstance(error, OperationalError):
        return False
    orig = error.orig
    if getattr(orig, "sqlstate", None) in _PG_RETRYABLE:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database is busy" in message


def is_sqlite_busy(error: BaseException) -> bool:
    """Whether SQLite refused ``error``'s statement the write lock: another connection holds
    it, or (SQLITE_BUSY_SNAPSHOT) wrote since this transaction's snapshot. A transaction
    that began as a read and writes gets it at once, without waiting (``db.optimistic``)."""
    return isinstance(error, OperationalError) and (
        getattr(error.orig, "sqlite_errorcode", None) in _SQLITE_BUSY
    )
