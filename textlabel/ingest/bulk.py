"""Writing a batch of imported documents in one round trip: ``COPY`` on PostgreSQL, one
``executemany`` on SQLite, with the values already in the form the database stores.

An import writes thousands of rows a second; going through the ORM, or through
SQLAlchemy's per-parameter processing, cost more than the rest of the import. The values
are the ones SQLAlchemy would have written: JSON columns through the column types' own
bind processors (``meta``, ``pages``), except the tokens, whose JSON is spelt out here the
way ``json.dumps`` writes it (``tests/test_ingest_tokenize.py`` checks the bytes).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from textlabel.models import Document
from textlabel.models.base import utcnow
from textlabel.models.document import SEARCH_COLUMN, SEARCH_CONFIG, STAGED_SEARCH_COLUMN

COLUMNS = (
    "project_id", "text", "meta", "source_file", "source_unit", "source_number",
    "content_hash", "tokens", "pages", "created_at",
)  # fmt: skip
_TABLE: Table = Document.__table__  # type: ignore[assignment]


def insert_documents(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (``COLUMNS`` as keys, ``tokens`` as ``Tokens.to_stored_json`` text) into
    ``document`` within the session's transaction: into an import's staging project, whose
    search data ``textlabel.ingest.staging`` writes (``index_new``, ``publish``)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    meta, pages, created = (
        _TABLE.c[name].type._cached_bind_processor(dialect) or _same
        for name in ("meta", "pages", "created_at")
    )
    stamp = utcnow()
    now = created(stamp)
    no_pages = pages(None)  # most rows (all but paged sources'): JSON null, serialized once
    values = [
        (
            row["project_id"],
            row["text"],
            meta(row["meta"]),
            row["source_file"],
            row["source_unit"],
            row["source_number"],
            row["content_hash"],
            row["tokens"],
            no_pages if row["pages"] is None else pages(row["pages"]),
            now,
        )  # fmt: skip
        for row in rows
    ]
    if dialect.name == "postgresql":
        _copy(connection.connection.driver_connection, values)
    elif dialect.name == "sqlite":
        marks = ", ".join("?" * len(COLUMNS))
        connection.exec_driver_sql(
            f"INSERT INTO document ({', '.join(COLUMNS)}) VALUES ({marks})", values
        )
    else:  # any other database: SQLAlchemy's own executemany (tokens parsed back)
        session.execute(insert(_TABLE), [_as_objects(row, stamp) for row in rows])


def _same(value: Any) -> Any:
    return value


_PG_BATCH_TABLE = "staged_batch"
"""A temporary table of this connection's (``_copy``), emptied at each commit."""
_PG_BATCH = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_PG_BATCH_TABLE} ON COMMIT DELETE ROWS AS"
    f" SELECT 0 AS n, {', '.join(COLUMNS)} FROM document WITH NO DATA"
)
_PG_STAGE = (
    f"INSERT INTO document ({', '.join(COLUMNS)}, {SEARCH_COLUMN}, {STAGED_SEARCH_COLUMN})"
    f" SELECT {', '.join(COLUMNS)}, '', to_tsvector('{SEARCH_CONFIG}'::regconfig, text)"
    f" FROM {_PG_BATCH_TABLE} ORDER BY n"  # ids in the batch's order (``_newest_ids``)
)


_ASYNC_COMMIT = "SET LOCAL synchronous_commit TO OFF"
"""A staged batch's commit returns before its WAL is on disk (``_copy``)."""


def _copy(driver_connection: Any, values: list[tuple[Any, ...]]) -> None:
    """COPY into a temporary table, then into ``document`` with each text's search vector in
    the unindexed staged column: ``staging.publish`` copies it into the indexed one, so the
    GIN index takes a document's words once, when it is published, and publishing (after the
    file is read, where nothing overlaps it) no longer computes them (migration 0030). The
    indexed column is empty meanwhile (else the insert trigger of migration 0021 would fill
    it). In a transaction of its own if the connection commits each statement (the COPY's
    commit would empty the temporary table). A role that may not create temporary tables
    (``REVOKE TEMPORARY ON DATABASE``, a common hardening) gets ``_copy_without_vectors``.

    The batch's transaction commits without waiting for its WAL to reach the disk
    (``_ASYNC_COMMIT``, that transaction only): a crash of the database server may lose the
    last staged batches, which only an import that has not marked its staging project
    publishing holds, and such an import fails with the server and is discarded anyway
    (``staging``); the mark and the publishing commit wait for the disk as before, and
    flushing them flushes every batch before them."""
    if not _may_create_temporary(driver_connection):
        _copy_without_vectors(driver_connection, values)
        return
    block = driver_connection.transaction() if driver_connection.autocommit else nullcontext()
    with block, driver_connection.cursor() as cursor:
        cursor.execute(f"{_ASYNC_COMMIT}; {_PG_BATCH}")
        with cursor.copy(f"COPY {_PG_BATCH_TABLE} FROM STDIN") as copy:
            for n, row in enumerate(values):
                copy.write_row((n, *row))
        cursor.execute(_PG_STAGE)


_TEMPORARY_ALLOWED: WeakKeyDictionary[Any, bool] = WeakKeyDictionary()
"""Whether each driver connection's role may create temporary tables (asked once)."""


def _may_create_temporary(driver_connection: Any) -> bool:
    allowed = _TEMPORARY_ALLOWED.get(driver_connection)
    if allowed is None:
        with driver_connection.cursor() as cursor:
            cursor.execute("SELECT has_database_privilege(current_database(), 'TEMPORARY')")
            allowed = bool(cursor.fetchone()[0])
        _TEMPORARY_ALLOWED[driver_connection] = allowed
    return allowed


def _copy_without_vectors(driver_connection: Any, values: list[tuple[Any, ...]]) -> None:
    """COPY straight into ``document`` with an empty search vector and no staged one: the
    publishing UPDATE computes it (``staging._PG_MOVE``'s ``coalesce``), as before migration
    0030; slower publishing, same result. Committed as ``_copy``'s batches are."""
    columns = ", ".join((*COLUMNS, SEARCH_COLUMN))
    with driver_connection.cursor() as cursor:
        cursor.execute(_ASYNC_COMMIT)
        with cursor.copy(f"COPY document ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row((*row, ""))


def _as_objects(row: dict[str, Any], now: Any) -> dict[str, Any]:
    return {**row, "tokens": json.loads(row["tokens"]), "created_at": now}
