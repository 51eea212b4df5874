"""Engine and session handling, free of Flask so services, the CLI and jobs share it.

SQLite gets WAL, foreign keys and a busy timeout on every connection; PostgreSQL needs
nothing special. Services receive a ``Session`` and own their transaction.

SQLite transactions begin DEFERRED (a read snapshot: never waits, never blocks anyone) or
IMMEDIATE (takes the write lock up front, so two writers queue instead of one failing when
it upgrades a stale read snapshot). Which one is decided per thread of work by
``write_intent``: a web request that writes declares it before its first query (the web
layer does that for unsafe methods and for views marked as writing); jobs and the CLI write
by default.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, cast

from sqlalchemy import URL, Engine, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, scoped_session, sessionmaker

# Whether transactions begun from here on (this thread or task) may write; see the docstring.
_write_intent: ContextVar[bool] = ContextVar("textlabel_write_intent", default=True)
# Whether a writing unit of work may read first and take the write lock at its first write
# (SQLite; see ``set_write_intent``): on until its first commit.
_optimistic: ContextVar[bool] = ContextVar("textlabel_optimistic", default=False)
# The first word of a statement that writes (SQLite takes its write lock there).
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

BUSY_TIMEOUT_S = 10.0
PING_AFTER_IDLE_S = 5.0  # PostgreSQL: a pooled connection idle this long is checked first
# PostgreSQL's values that keep a crash from corrupting anything ("off": see make_engine).
SYNCHRONOUS_COMMIT = ("on", "off", "local", "remote_write", "remote_apply")


def set_write_intent(writes: bool, *, optimistic: bool = False) -> None:
    """Declare whether the transactions this thread begins next will write (SQLite only).

    ``optimistic`` (a short unit of work that its caller can run again from the start, a
    save): while no other writer of this process is in progress, its transaction begins
    as a read snapshot and takes the write gate and SQLite's write lock at its first
    writing statement, so the lock is held only for the writes. If a writer committed
    since the snapshot began, that statement fails (SQLITE_BUSY_SNAPSHOT,
    ``stale_snapshot``): the caller rolls back and runs the unit again, this time
    declared up front (``set_write_intent(True)``)."""
    _write_intent.set(writes)
    _optimistic.set(writes and optimistic)


def optimistic() -> bool:
    """Whether this unit still runs optimistically (nothing committed, no gate waited for)."""
    return _optimistic.get()


def writes_declared() -> bool:
    return _write_intent.get()


def declare_write(session: Session) -> None:
    """Switch the rest of this unit of work to writing transactions.

    Ends the session's current (read) transaction, if any, so the next statement begins an
    IMMEDIATE one: upgrading a stale read snapshot would fail at once with "database is
    locked". Objects stay loaded (sessions here never expire on commit).
    """
    if _write_intent.get():
        return
    _write_intent.set(True)
    session.commit()  # a no-op without a transaction


def upsert(session: Session, table: Any) -> Any:
    """``INSERT`` into ``table`` in the session's dialect, the one that has
    ``on_conflict_do_update`` (SQLite's and PostgreSQL's spell it alike)."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    return insert(table)


def replacing_insert(
    session: Session, model: Any, keys: Sequence[str], replace: Sequence[str]
) -> Any:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` setting ``replace`` to the new row's values,
    in the session's dialect: two writers of one cached row both succeed, the later wins."""
    statement = upsert(session, model)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: statement.excluded[name] for name in replace}
    )


@contextmanager
def reading(writes: bool = False) -> Iterator[None]:
    """Transactions begun inside are read snapshots (long reads: exports, reports), or,
    with ``writes``, writing ones (a job's progress row from inside a long read)."""
    token = _write_intent.set(writes)
    try:
        yield
    finally:
        _write_intent.reset(token)


def in_memory(url: URL) -> bool:
    """Whether ``url`` is an in-memory SQLite database: one connection's alone, so no other
    process (an import child, an export worker) can open it."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def make_engine(
    url: str,
    *,
    immediate: bool = True,
    busy_timeout: float = BUSY_TIMEOUT_S,
    synchronous_commit: str = "on",
    ping_after_idle: float = PING_AFTER_IDLE_S,
    temp_in_memory: bool = False,
    **kwargs: Any,
) -> Engine:
    """An engine for ``url``; SQLite connections are tuned for concurrent web use.

    ``immediate=False`` leaves transactions to pysqlite (autocommit sessions and read-only
    tools); otherwise ``write_intent`` decides per transaction between BEGIN and BEGIN
    IMMEDIATE. ``synchronous_commit="off"`` (PostgreSQL, opt-in): a commit returns before
    its WAL record is flushed to disk, which is most of a small write's time (about 4 ms
    here); a crash of the database server can lose the last fraction of a second of
    commits already answered, never corrupt the database. SQLite ignores it. PostgreSQL
    connections are pinged before use only after ``ping_after_idle`` seconds in the pool
    (``_ping_when_idle``) unless ``pool_pre_ping`` is given. ``temp_in_memory`` (SQLite):
    a statement's journal and temporary tables stay in memory (``PRAGMA temp_store``, set
    when a connection opens: SQLite fixes where a transaction's statement journal goes at its
    BEGIN), for a process that does nothing but import (``ingest.import_child``).
    """
    if synchronous_commit not in SYNCHRONOUS_COMMIT:
        raise ValueError(
            f"synchronous_commit (TEXTLABEL_PG_SYNCHRONOUS_COMMIT) must be one of "
            f"{', '.join(SYNCHRONOUS_COMMIT)}, not {synchronous_commit!r}"
        )
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": busy_timeout})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _tuner(busy_timeout, temp_in_memory))
        if immediate:
            gate = _WriteGate(busy_timeout)
            event.listen(engine, "begin", gate.begin)
            event.listen(engine, "before_cursor_execute", gate.before_execute)
            event.listen(engine, "commit", gate.commit)
            event.listen(engine, "rollback", gate.rollback)
            event.listen(engine, "checkin", gate.checkin)
            gate.hand_over_after(engine.dialect)
        return engine
    pre_ping_given = "pool_pre_ping" in kwargs
    if synchronous_commit != "on":
        connect_args = kwargs.setdefault("connect_args", {})
        connect_args["options"] = f"{connect_args.get('options', '')} " + (
            f"-c synchronous_commit={synchronous_commit}"
        )
    engine = create_engine(url, **kwargs)
    if not pre_ping_given:
        _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection before use only when it sat idle for ``idle_s`` or more.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip per request (0.2 ms
    p50 here, but 19 ms p95 on a busy machine, where every round trip waits to be
    scheduled). A connection that served a request a moment ago is alive; one that waited
    in the pool (a restart of PostgreSQL, a firewall's idle cut) is pinged and, if dead,
    replaced before the request uses it. A server restart can still fail the requests that
    were using or had just returned a connection; SQLAlchemy then replaces the whole pool.
    """
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["textlabel_idle_since"] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("textlabel_idle_since", None)
        if since is None or time.monotonic() - since < idle_s:
            return  # a new connection, or one back from a request a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as e:  # gone: the pool connects anew
            raise exc.DisconnectionError("pooled connection lost while idle") from e

    event.listen(engine.pool, "checkin", checkin)
    event.listen(engine.pool, "checkout", checkout)


def _tuner(busy_timeout: float, temp_in_memory: bool = False) -> Any:
    def tune(dbapi_connection: Any, record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when a transaction begins (see _begin_sqlite).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's busy handler retries with growing sleeps for this long, then gives up
        # with "database is locked" (answered as 503 with Retry-After by the web layer).
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        if temp_in_memory:
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()
        record.info["textlabel_query_only"] = False  # a new connection's (see _query_only)

    return tune


class _WriteGate:
    """Writers of one process take turns, first come first served, before BEGIN IMMEDIATE.

    Without it they queue in SQLite's busy handler, which sleeps up to 100 ms between tries:
    most of a save's time under 20 concurrent clients. A plain lock is no queue either: the
    thread that releases it usually takes it again, so an import committing batch after
    batch kept 20 annotators' saves waiting (31-43x their idle p95), or the saves kept the
    import out until it gave up with a 503. Here the gate passes straight to the writer that
    has waited longest, so a batch waits for the saves queued before it and each save for
    at most the batch in progress. SQLite still arbitrates between processes; the gate only
    hands the lock over promptly and fairly inside one. A reader (``BEGIN`` + ``query_only``)
    never touches it, and a write that was not declared fails loudly instead of sometimes
    failing with "database is locked" under load.
    """

    def __init__(self, timeout: float) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Event] = deque()
        self._timeout = timeout

    def begin(self, connection: Any) -> None:
        if not _write_intent.get():
            _query_only(connection, True)
            connection.exec_driver_sql("BEGIN")
            return
        if _optimistic.get():
            if not self._held and not self._waiting:  # read first, gate at the first write
                _query_only(connection, False)
                connection.exec_driver_sql("BEGIN")
                connection.info["textlabel_deferred"] = True
                return
            # A writer is in progress: its commit would make a snapshot read now stale.
            _optimistic.set(False)
        # On timeout go on regardless: SQLite's own busy timeout then decides (503).
        connection.info["textlabel_gate"] = self._acquire()
        try:
            _query_only(connection, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            self.end(connection)
            raise

    def before_execute(self, connection: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        """An optimistic transaction's first write takes the gate (see set_write_intent)."""
        if "textlabel_deferred" in connection.info and statement.lstrip()[:7].upper().startswith(
            _WRITES
        ):
            del connection.info["textlabel_deferred"]
            connection.info["textlabel_gate"] = self._acquire()

    def commit(self, connection: Any) -> None:
        if "textlabel_gate" in connection.info:
            _optimistic.set(False)  # a unit that committed a write is not run again
        self._ending(connection)

    def rollback(self, connection: Any) -> None:
        if connection.invalidated or connection.closed:  # no ROLLBACK will run
            self.end(connection)
        else:
            self._ending(connection)

    def _ending(self, connection: Any) -> None:
        """COMMIT or ROLLBACK is about to run (SQLAlchemy's events fire before it): the gate
        passes on once it has (``hand_over_after``). Passed on now, the next writer's BEGIN
        IMMEDIATE met SQLite's lock still held and slept in SQLite's busy handler."""
        connection.info.pop("textlabel_deferred", None)
        if connection.info.pop("textlabel_gate", False):
            connection.info["textlabel_gate_ending"] = True

    def hand_over_after(self, dialect: Any) -> None:
        """Pass the gate on when ``dialect``'s COMMIT or ROLLBACK has returned (or failed)."""
        for name in ("do_commit", "do_rollback"):
            run = getattr(dialect, name)

            def ended(dbapi_connection: Any, run: Any = run) -> None:
                try:
                    run(dbapi_connection)
                finally:
                    self._ended(dbapi_connection)

            setattr(dialect, name, ended)

    def _ended(self, dbapi_connection: Any) -> None:
        try:
            info = dbapi_connection.info
        except (AttributeError, NotImplementedError):  # the pool's own first ROLLBACK
            return
        if info.pop("textlabel_gate_ending", False):
            self._release()

    def end(self, connection: Any) -> None:
        connection.info.pop("textlabel_deferred", None)
        if connection.info.pop("textlabel_gate", False):
            self._release()

    def checkin(self, _dbapi_connection: Any, record: Any) -> None:
        # A connection returned to the pool mid-transaction must not keep the gate.
        record.info.pop("textlabel_deferred", None)
        held = record.info.pop("textlabel_gate", False)
        if record.info.pop("textlabel_gate_ending", False) or held:
            self._release()

    def _acquire(self) -> bool:
        with self._mutex:
            if not self._held and not self._waiting:
                self._held = True
                return True
            turn = threading.Event()
            self._waiting.append(turn)
        if turn.wait(self._timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over just as the wait ran out
                return True
            self._waiting.remove(turn)
            return False

    def _release(self) -> None:
        with self._mutex:
            if self._waiting:
                self._waiting.popleft().set()  # the next writer holds it now
            else:
                self._held = False


def _query_only(connection: Any, on: bool) -> None:
    """Set SQLite's ``query_only`` unless the connection has it already (remembered in the
    DBAPI connection's info): a statement less per transaction when the pooled connection
    served the same kind of request last."""
    if connection.info.get("textlabel_query_only") is not on:
        connection.info.pop("textlabel_query_only", None)  # unknown if the PRAGMA fails
        connection.exec_driver_sql(f"PRAGMA query_only={int(on)}")
        connection.info["textlabel_query_only"] = on


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

    def bind(
        self, url: str, *, busy_timeout: float = BUSY_TIMEOUT_S, synchronous_commit: str = "on"
    ) -> Engine:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(
            url, busy_timeout=busy_timeout, synchronous_commit=synchronous_commit
        )
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
