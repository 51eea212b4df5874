"""An import's staging area: a hidden project that holds the documents until the file is in.

Committing an import in batches keeps SQLite's write lock short (annotators keep saving
while a manager imports 600k rows) and PostgreSQL's transactions small, but batches must not
show: a file is imported whole or not at all. So each batch lands in a staging project that
no listing, permission check or queue sees; a failure deletes the staging project in batches.
When the last batch is in, ``begin_publishing`` marks the staging project (committed) and
``publish`` moves its documents into the real project. On PostgreSQL that is one UPDATE
(readers never wait on it), or for a larger file UPDATEs of ``PG_PUBLISH_CHUNK`` documents on
two connections at once. On SQLite an UPDATE rewrites every row it moves and its entries
in the indexes that hold ``project_id``, which move in id order (a few pages a batch; the
duplicate check's index holds no ``project_id``: migration 0031, before which its random
entries made the move 56-72 us a document instead of 13-19). In one transaction that would
still be over a second of SQLite's write lock at 100,000 documents, during which every save
would wait, so the documents move ``PUBLISH_BATCH`` at a time, each batch its own short
transaction. Readers may then see a published file arrive over a
few seconds, but never part of a file that fails: everything was read and checked before the
mark, and from the mark on the import only goes forward (``discard`` and
``remove_abandoned`` finish the move of a marked staging project instead of deleting it). A
staging project whose importer stopped beating (a killed process) is removed, or published,
by ``remove_abandoned``.

Search data is written in bulk. On SQLite the FTS5 insert trigger skips staged documents
(migration 0021; per row it cost five times as much) and ``index_new`` indexes the batches
stored since its last call with one statement, in a batch's transaction, while the tokenizing
worker works on the next batches: every ``ImportOptions.index_every`` documents (each FTS5
transaction flushes a segment and merges, so fewer, larger ones cost less a document), and
the rest in the transaction that marks the file publishing. Searches ask for one project's
documents, so a staged one is found by none, and publishing only moves rows. The delete
and text-update triggers act only on a document the index holds (migration 0033; 0029 took
any document out), so a discarded staging project, indexed or not, leaves the index whole.
Indexing all at publishing instead (migration 0028, session 13) cost a little less CPU
(fewer, larger FTS5 segments) but ran after the file was read, where nothing overlaps it.
On PostgreSQL staged rows are written with an empty ``search_vector`` and their vector in
``staged_vector``, which no index covers (``bulk``, migration 0030); the UPDATE that
publishes them copies it into ``search_vector``, so the GIN index takes their words once,
then (a generated column was computed at the COPY and again at that UPDATE, with its GIN
entries each time; computing the vector in that UPDATE, as from migration 0021 to 0030, was
about 40 of its ~70 us of server CPU a document). Both vectors stay in the row (migration
0032): one stored out of it was read back and stored anew by that UPDATE. Either way a
published document is searchable in the transaction that makes it visible.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

from sqlalchemy import Engine, Table, bindparam, delete, select, text, update
from sqlalchemy.orm import Session

from textlabel.config import publishing_hold_file
from textlabel.models import Document, Project, User
from textlabel.models.base import utcnow
from textlabel.models.document import (
    SEARCH_COLUMN,
    SEARCH_CONFIG,
    SEARCH_TABLE,
    STAGED_SEARCH_COLUMN,
)

DELETE_BATCH = 500
"""Documents deleted per transaction when a staging project is discarded: each takes its
full-text entries out (migration 0029): discarding a failed import of 20,000 documents, 500
held SQLite's write lock at most 185 ms at load 5.9, 1,000 at most 272-305 ms (5,000 without
the full-text deletes, before 0029: 650-940 ms)."""
PUBLISH_BATCH = 500
"""Documents moved per transaction when publishing on SQLite. Moving only (migration 0029:
indexed as they were stored), the longest held the write lock 82-116 ms at 100,000 documents,
load 3.4-3.9, under an import batch's longest (191-208 ms); moving and indexing, it was 211
ms (``bench/ingest.py --rows 100000``). 1,000 held 296-308 ms when it also indexed. Since
migration 0031 the longest is 42-63 ms (168-247 before, same run, load 5-6.5)."""
PG_PUBLISH_CHUNK = 10_000
"""Staged documents (by id) moved per transaction when PostgreSQL publishes a larger file, on
``PG_PUBLISH_CONNECTIONS`` connections at once: the UPDATE is the import's serial tail (the
GIN index taking every document's words), and one backend does it on one core. On 100,000
staged documents one UPDATE took 18.6-22.7 s, two connections 14.1-17.6 s with the same CPU
(load 9-10; /tmp/pgi21/pubpar.py)."""
PG_PUBLISH_CONNECTIONS = 2
HOLD_ENV = "TEXTLABEL_TEST_HOLD_PUBLISHING"  # tests only: ``_hold_for_tests``, read by config
ABANDONED_AFTER = timedelta(minutes=10)
BEAT_EVERY = timedelta(seconds=30)  # an importer's heartbeat, far inside ABANDONED_AFTER


def open_staging(session: Session, project: Project, user: User) -> Project:
    """A fresh staging project for one import into ``project``; committed."""
    staging = Project(
        name=f"{project.name[:150]} (import {uuid.uuid4().hex[:12]})",
        layers=list(project.layers),
        overlap=project.overlap,
        blind=project.blind,
        spacy_model=project.spacy_model,
        created_by_id=user.id,
        staged_for_id=project.id,
        staged_seen_at=utcnow(),
    )
    session.add(staging)
    session.commit()
    return staging


def beat(session: Session, staging_id: int, last: float) -> float:
    """``touch`` if ``BEAT_EVERY`` has passed since ``last`` (``time.monotonic()``), in the
    session's transaction; when it last beat. Not every batch: one statement less each."""
    now = time.monotonic()
    if now - last < BEAT_EVERY.total_seconds():
        return last
    touch(session, staging_id)
    return now


_PROJECT: Table = Project.__table__  # type: ignore[assignment]
# a Core statement, built once: the ORM's UPDATE looked for the project among the session's
# objects to keep them in step (synchronize_session) each publishing batch, and nothing
# loaded reads staged_seen_at
_TOUCH = (
    update(_PROJECT)
    .where(_PROJECT.c.id == bindparam("staging"))
    .values(staged_seen_at=bindparam("now", type_=_PROJECT.c.staged_seen_at.type))
)


def touch(session: Session, staging_id: int) -> None:
    """The importer's heartbeat (``beat``: at most every ``BEAT_EVERY``; publishing: each
    batch)."""
    session.execute(_TOUCH, {"staging": staging_id, "now": utcnow()})


_PG_MOVE = (  # a document staged before migration 0030 has no staged vector
    f"UPDATE document SET project_id = :project, {SEARCH_COLUMN} = coalesce("
    f"{STAGED_SEARCH_COLUMN}, to_tsvector('{SEARCH_CONFIG}'::regconfig, text)), "
    f"{STAGED_SEARCH_COLUMN} = NULL WHERE "
)
_PG_PUBLISH = text(_PG_MOVE + "project_id = :staging")
_OLDEST_STAGED = "SELECT id FROM document WHERE project_id = :staging ORDER BY id LIMIT :limit"
_PG_MOVE_BATCH = text(_PG_MOVE + f"id IN ({_OLDEST_STAGED})")
_PG_MOVE_RANGE = text(_PG_MOVE + "project_id = :staging AND id >= :low AND id < :high")
_PG_STAGED = text("SELECT min(id), max(id), count(*) FROM document WHERE project_id = :staging")
_SQLITE_INDEX = text(
    f"INSERT INTO {SEARCH_TABLE}(rowid, text) SELECT id, text FROM document"
    " WHERE project_id = :staging AND id > :after"
)
_NEWEST = text("SELECT max(id) FROM document WHERE project_id = :staging")
_SQLITE_MOVE = text(f"UPDATE document SET project_id = :project WHERE id IN ({_OLDEST_STAGED})")


def index_new(session: Session, staging_id: int, after: int = 0) -> int:
    """Add the staged documents stored since ``after`` (the id this last returned) to SQLite's
    full-text index, in the session's transaction; the newest staged id. PostgreSQL's search
    data is computed when publishing: nothing to do."""
    if session.get_bind().dialect.name != "sqlite":
        return after
    values = {"staging": staging_id, "after": after}
    session.execute(_SQLITE_INDEX, values)
    return int(session.scalar(_NEWEST, values) or after)


def begin_publishing(session: Session, staging_id: int) -> None:
    """Mark the staging project as publishing and commit (with whatever the session holds):
    from here its file goes into the project whole, whatever happens to this process."""
    session.execute(update(Project).where(Project.id == staging_id).values(staged_publishing=True))
    session.commit()


def publish(
    session: Session, staging_id: int, project_id: int, *, batch: int | None = None
) -> None:
    """Move every staged document into the project and drop the staging project; commits.
    On SQLite ``batch`` (``PUBLISH_BATCH``) documents per transaction (see the module docstring)."""
    if session.get_bind().dialect.name == "postgresql":
        _hold_for_tests()  # before its UPDATEs
        _publish_postgres(session, staging_id, project_id)
    else:
        size = batch or PUBLISH_BATCH
        while move_batch(session, staging_id, project_id, size) == size:
            touch(session, staging_id)
            session.commit()
            _hold_for_tests()  # between two batches
    session.execute(delete(Project).where(Project.id == staging_id))
    session.commit()


def _publish_postgres(session: Session, staging_id: int, project_id: int) -> None:
    """Move the staged documents into the project: one UPDATE for up to ``PG_PUBLISH_CHUNK``,
    else ranges of ids of about that many, each its own transaction, taken in turn by
    ``PG_PUBLISH_CONNECTIONS`` connections (this session's and new ones of its engine), so
    two backends share the work. Readers see the file arrive over those transactions, as on
    SQLite; a failure leaves the rest staged for ``discard`` to finish."""
    values = {"project": project_id, "staging": staging_id}
    low, high, count = session.execute(_PG_STAGED, values).one()
    engine = session.get_bind()
    if count <= PG_PUBLISH_CHUNK or PG_PUBLISH_CONNECTIONS < 2 or not isinstance(engine, Engine):
        session.execute(_PG_PUBLISH, values)
        return
    session.commit()
    step = -(-(high + 1 - low) * PG_PUBLISH_CHUNK // count)  # ids a range, rounded up
    ranges = iter(range(low, high + 1, step))
    taking = threading.Lock()

    def starts() -> Iterator[int]:
        while True:
            with taking:
                start = next(ranges, None)
            if start is None:
                return
            yield start

    def move(work: Session) -> None:
        for start in starts():
            work.execute(_PG_MOVE_RANGE, {**values, "low": start, "high": start + step})
            work.commit()

    def move_on_its_own() -> None:
        with Session(engine) as own:
            move(own)

    with ThreadPoolExecutor(PG_PUBLISH_CONNECTIONS - 1) as pool:
        others = [pool.submit(move_on_its_own) for _ in range(PG_PUBLISH_CONNECTIONS - 1)]
        move(session)
        for other in others:
            other.result()


def _hold_for_tests() -> None:
    """Tests only (``tests/test_import_child.py``): while the file ``HOLD_ENV`` names exists,
    write this process's id to that name + ``.held`` and wait (60 s at most), so a test kills
    an import exactly while it publishes instead of racing it. Unset (always, outside those
    tests): one environment lookup per publish batch."""
    hold = publishing_hold_file()
    if not hold or not os.path.exists(hold):
        return
    Path(hold + ".held").write_text(str(os.getpid()))
    deadline = time.monotonic() + 60
    while os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.01)


def move_batch(session: Session, staging_id: int, project_id: int, batch: int) -> int:
    """Move up to ``batch`` staged documents (oldest first) into the project, with their
    search data on PostgreSQL, in the session's transaction; how many moved (SQLite's way of
    publishing; PostgreSQL moves them all at once)."""
    values = {"project": project_id, "staging": staging_id, "limit": batch}
    if session.get_bind().dialect.name == "postgresql":
        moved = session.execute(_PG_MOVE_BATCH, values)
    else:  # already in the full-text index (``index_new``)
        moved = session.execute(_SQLITE_MOVE, values)
    return int(moved.rowcount)  # type: ignore[attr-defined]


def discard(session: Session, staging_id: int) -> bool:
    """Delete a staging project and its documents, a batch per transaction, or, once it is
    publishing, finish publishing it; commits. True if its documents were published."""
    session.rollback()
    marked = session.execute(
        select(Project.staged_for_id).where(
            Project.id == staging_id, Project.staged_publishing.is_(True)
        )
    ).scalar_one_or_none()
    if marked is not None:
        publish(session, staging_id, marked)
        return True
    while True:
        ids = list(
            session.scalars(
                select(Document.id).where(Document.project_id == staging_id).limit(DELETE_BATCH)
            )
        )
        if ids:
            session.execute(delete(Document).where(Document.id.in_(ids)))
        else:
            session.execute(delete(Project).where(Project.id == staging_id))
        session.commit()
        if not ids:
            return False


def remove_abandoned(engine: Engine, *, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Discard staging projects whose importer has not beaten for ``older_than`` (finish
    publishing those that were publishing: ``discard``)."""
    with Session(engine) as session:
        stale = list(
            session.scalars(
                select(Project.id).where(
                    Project.staged_for_id.is_not(None),
                    Project.staged_seen_at < utcnow() - older_than,
                )
            )
        )
        for staging_id in stale:
            discard(session, staging_id)
    return len(stale)
