"""Publishing an import's staging project: on SQLite in batches of short transactions, and,
once begun, only forward: an interrupted publish is finished, never half undone."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_user
from textlabel.ingest import staging
from textlabel.ingest.service import import_file
from textlabel.models import Document, Project, User
from textlabel.models.base import utcnow


def _count(session: Session, project_id: int) -> int:
    return session.scalar(select(func.count(Document.id)).where(Document.project_id == project_id))


def _staged(work: Session, texts: list[str]) -> tuple[Project, Project]:
    admin = make_user(work, "admin", admin=True)
    project = make_project(work, admin)
    return project, _stage(work, project, admin, texts)


def _stage(work: Session, project: Project, admin: User, texts: list[str]) -> Project:
    """A staging project holding ``texts``, indexed as an import stores them."""
    staged = staging.open_staging(work, project, admin)
    add_documents(work, staged, texts)
    staging.index_new(work, staged.id)
    work.commit()
    return staged


def test_an_import_publishes_in_batches_on_sqlite_and_all_of_the_file_arrives(
    work: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(work, "admin", admin=True)
    project = make_project(work, admin)
    monkeypatch.setattr(staging, "PUBLISH_BATCH", 3)
    moves: list[int] = []

    def count_moves(orm_execute_state) -> None:  # type: ignore[no-untyped-def]
        if "UPDATE document SET project_id" in str(orm_execute_state.statement):
            moves.append(1)

    event.listen(work, "do_orm_execute", count_moves)
    rows = "\n".join(f"{n},Row {n} of the file about Ada." for n in range(10))
    result = import_file(
        work, project, io.BytesIO(f"id,text\n{rows}\n".encode()), "rows.csv", user=admin
    )
    assert result.imported == 10
    assert _count(work, project.id) == 10
    assert work.scalar(select(func.count(Project.id))) == 1  # the staging project is gone
    sqlite = work.get_bind().dialect.name == "sqlite"
    assert len(moves) == (4 if sqlite else 1)  # 3 + 3 + 3 + 1 on SQLite; one UPDATE on PG


def test_a_publish_interrupted_after_its_first_batch_is_finished_not_undone(
    work: Session,
) -> None:
    project, staged = _staged(work, [f"Document {n} names Paris." for n in range(5)])
    staging.begin_publishing(work, staged.id)
    assert staging.move_batch(work, staged.id, project.id, 2) == 2
    work.commit()  # the importer dies here: two documents are in the project
    assert _count(work, project.id) == 2
    assert staging.discard(work, staged.id) is True
    assert _count(work, project.id) == 5
    assert work.scalar(select(func.count(Project.id))) == 1  # the staging project is gone


def test_an_abandoned_staging_project_is_published_if_marked_else_removed(
    work: Session, app: Flask
) -> None:
    project, marked = _staged(work, ["One text.", "Two texts."])
    staging.begin_publishing(work, marked.id)
    admin = work.scalars(select(User)).one()
    _stage(work, project, admin, ["Three texts."])
    long_ago = utcnow() - timedelta(hours=1)
    work.execute(update(Project).where(Project.staged_for_id.is_not(None)).values(
        staged_seen_at=long_ago))  # fmt: skip
    work.commit()
    assert staging.remove_abandoned(work.get_bind()) == 2  # type: ignore[arg-type]
    assert sorted(work.scalars(select(Document.text).where(Document.project_id == project.id))) == [
        "One text.",
        "Two texts.",
    ]
    assert work.scalar(select(func.count(Document.id))) == 2
    assert work.scalar(select(func.count(Project.id))) == 1


def test_the_importer_beats_at_most_every_beat_every(work: Session) -> None:
    """The heartbeat is written once ``BEAT_EVERY`` has passed, not with every batch."""
    _, staged = _staged(work, ["A text."])
    long_ago = utcnow() - timedelta(hours=1)
    work.execute(update(Project).where(Project.id == staged.id).values(staged_seen_at=long_ago))
    work.commit()
    seen = select(Project.staged_seen_at).where(Project.id == staged.id)
    now = time.monotonic()
    assert staging.beat(work, staged.id, now) == now  # just beaten: nothing written
    work.commit()
    assert work.scalar(seen) < utcnow() - timedelta(minutes=59)
    late = now - staging.BEAT_EVERY.total_seconds() - 1
    assert staging.beat(work, staged.id, late) > late
    work.commit()
    assert work.scalar(seen) > utcnow() - timedelta(minutes=1)


def test_postgres_publishes_a_larger_file_in_ranges_on_two_connections(
    work: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a file over ``PG_PUBLISH_CHUNK`` documents is moved by ranges of ids, each
    its own UPDATE and transaction, on this session's connection and a second one; every
    document arrives with its search vector, the counts follow, the staging project goes."""
    from sqlalchemy import text

    from textlabel.models import DocumentCount

    if work.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's publishing")
    monkeypatch.setattr(staging, "PG_PUBLISH_CHUNK", 3)
    moves: list[int] = []

    def count_moves(connection, cursor, statement, *_) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("UPDATE document SET project_id"):
            moves.append(id(connection.connection.driver_connection))

    engine = work.get_bind()
    event.listen(engine, "before_cursor_execute", count_moves)
    admin = make_user(work, "admin", admin=True)
    project = make_project(work, admin)
    rows = "\n".join(f"{n},Row {n} of the file about Ada." for n in range(10))
    stream = io.BytesIO(f"id,text\n{rows}\n".encode())
    assert import_file(work, project, stream, "rows.csv", user=admin).imported == 10
    event.remove(engine, "before_cursor_execute", count_moves)
    assert len(moves) == 4  # ids 1-3, 4-6, 7-9, 10
    assert _count(work, project.id) == 10
    assert work.scalar(select(func.count(Project.id))) == 1  # the staging project is gone
    found = "SELECT count(*) FROM document WHERE search_vector @@ 'ada'::tsquery"
    assert work.scalar(text(found)) == 10
    assert work.get(DocumentCount, project.id).documents == 10  # type: ignore[union-attr]
