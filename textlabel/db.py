"""Engine and session handling, free of Flask so services, the CLI and jobs share it.

SQLite gets WAL, foreign keys and a busy timeout on every connection; PostgreSQL needs
nothing special. Services receive a ``Session`` and own their transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker


def make_engine(url: str, *, immediate: bool = True, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite connections are tuned for concurrent web use.

    ``immediate=False`` leaves SQLite transactions deferred (for read-mostly tools and
    autocommit sessions that must never hold the write lock).
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _tune_sqlite)
        if immediate:
            event.listen(engine, "begin", _begin_sqlite)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _begin_sqlite).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _begin_sqlite(connection: Any) -> None:
    # IMMEDIATE takes the write lock up front: two writers queue instead of one of them
    # failing with "database is locked" when it upgrades a read transaction.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """An engine plus a thread-scoped session factory, bound by ``bind``."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self._scoped: scoped_session[Session] = scoped_session(sessionmaker())

    @property
    def session(self) -> Session:
        """This thread's session (a proxy: each thread, i.e. each request, gets its own)."""
        return cast(Session, self._scoped)

    def remove_session(self) -> None:
        """Close this thread's session, ending its transaction."""
        self._scoped.remove()

    def bind(self, url: str) -> Engine:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url)
        self._scoped.remove()
        self._scoped.configure(bind=self.engine, expire_on_commit=False)
        return self.engine

    @contextmanager
    def new_session(self) -> Iterator[Session]:
        """A session of its own (background jobs, CLI), closed afterwards."""
        session = Session(self.engine, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()
