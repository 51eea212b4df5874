"""A project's maintained document counts (``project_document_count``, kept by migration
0026's triggers) equal a ``count(*)`` over its documents after every kind of change: adding,
importing (staged, then published at once or in batches), discarding a staged import,
archiving and unarchiving, deleting one or a selection, deleting the project; and what the
queue's progress and the document list show is that count (issue 13)."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as
from textlabel import migrate
from textlabel.db import make_engine
from textlabel.ingest import staging
from textlabel.ingest.service import import_file
from textlabel.models import Document, DocumentCount, Project, User
from textlabel.projects.lifecycle import delete_project


def _counted(session: Session) -> dict[int, tuple[int, int]]:
    """Every project's (documents, active) as the triggers keep them, leaving out zeros (a
    project without documents may have no row)."""
    session.commit()
    rows = session.execute(
        select(DocumentCount.project_id, DocumentCount.documents, DocumentCount.active)
    )
    return {pid: (n, active) for pid, n, active in rows if n or active}


def _actual(session: Session) -> dict[int, tuple[int, int]]:
    active = func.count(Document.id).filter(Document.archived_at.is_(None))
    rows = session.execute(
        select(Document.project_id, func.count(Document.id), active).group_by(Document.project_id)
    )
    return {pid: (n, a) for pid, n, a in rows}


def _same(session: Session) -> dict[int, tuple[int, int]]:
    counted = _counted(session)
    assert counted == _actual(session)
    session.commit()  # SQLite: hold no write lock while the API is called
    return counted


def _stage(work: Session, staged: Project, texts: list[str]) -> None:
    """Documents in a staging project with their search data, as an import stores them."""
    add_documents(work, staged, texts)
    staging.index_new(work, staged.id)
    work.commit()


def _csv(texts: list[str]) -> io.BytesIO:
    rows = "\n".join(f"{n},{t}" for n, t in enumerate(texts))
    return io.BytesIO(f"id,text\n{rows}\n".encode())


def test_counts_follow_every_change_to_a_projects_documents(
    app: Flask, work: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    boss, _ann = make_users(work, "boss", "ann")
    project = make_project(work, boss, members={"ann": "annotator"}, overlap=1)
    other = make_project(work, boss, "Other")
    assert _same(work) == {}
    add_documents(work, project, [f"Ada met Charles {n} times." for n in range(4)])
    add_documents(work, other, ["Paris is big."])
    assert _same(work) == {project.id: (4, 4), other.id: (1, 1)}

    # An import: staged in its own project, published with one UPDATE (PostgreSQL) or in
    # batches of 3 (SQLite); a count taken between two batches is exact too.
    monkeypatch.setattr(staging, "PUBLISH_BATCH", 3)
    texts = [f"Row {n} of the file about Rome." for n in range(7)]
    assert import_file(work, project, _csv(texts), "rows.csv", user=boss).imported == 7
    assert _same(work) == {project.id: (11, 11), other.id: (1, 1)}
    staged = staging.open_staging(work, project, boss)
    _stage(work, staged, [f"Staged text {n}." for n in range(5)])
    assert _same(work)[staged.id] == (5, 5)
    staging.begin_publishing(work, staged.id)
    assert staging.move_batch(work, staged.id, project.id, 2) == 2
    assert _same(work)[project.id] == (13, 13) and _same(work)[staged.id] == (3, 3)
    assert staging.discard(work, staged.id) is True  # publishing, so finished
    assert _same(work) == {project.id: (16, 16), other.id: (1, 1)}
    # A staged import discarded before publishing: removed, the project unchanged.
    dropped = staging.open_staging(work, project, boss)
    _stage(work, dropped, ["Never published."])
    assert staging.discard(work, dropped.id) is False
    assert _same(work) == {project.id: (16, 16), other.id: (1, 1)}

    # Archive and unarchive, a selection and one document (archiving twice changes nothing).
    boss_api = api_as(app, "boss")
    ids = sorted(work.scalars(select(Document.id).where(Document.project_id == project.id)))
    work.commit()
    bulk = f"/projects/{project.id}/documents/bulk"
    assert boss_api.post(bulk, json={"action": "archive", "ids": ids[:3]}).status_code == 200
    assert boss_api.post(bulk, json={"action": "archive", "ids": ids[:4]}).status_code == 200
    assert _same(work)[project.id] == (16, 12)
    assert boss_api.post(f"/documents/{ids[0]}/unarchive").status_code == 200
    assert boss_api.post(f"/documents/{ids[5]}/archive").status_code == 200
    assert _same(work)[project.id] == (16, 12)
    # What the annotator's progress and the list say is that count.
    got = api_as(app, "ann").get(f"/projects/{project.id}/next").json
    assert got["progress"]["total"] == 12
    listing = f"/projects/{project.id}/documents?per_page=2"
    assert boss_api.get(listing).json["total"] == 16
    assert boss_api.get(listing + "&archived=true").json["total"] == 4
    assert boss_api.get(listing + "&archived=false").json["total"] == 12

    # Delete: a selection (two archived, one active), then one document.
    deleted = boss_api.post(bulk, json={"action": "delete", "ids": [*ids[1:3], ids[6]]})
    assert deleted.status_code == 200
    assert _same(work)[project.id] == (13, 11)
    assert boss_api.delete(f"/documents/{ids[7]}").status_code in (200, 204)
    assert _same(work)[project.id] == (12, 10)

    # Deleting the project takes its row with it; the other project's stays.
    delete_project(work, work.get_one(Project, project.id), boss, confirm=project.name)
    assert _same(work) == {other.id: (1, 1)}
    assert work.scalar(select(func.count()).select_from(DocumentCount)) == 1
    assert work.scalars(select(User.username).order_by(User.username)).all() == ["ann", "boss"]


def test_the_migration_counts_the_documents_already_there(empty_url: str) -> None:
    engine = make_engine(empty_url)
    migrate.upgrade(engine, "0025")
    with engine.begin() as connection:
        for name in ("p", "q"):
            connection.execute(text(
                "INSERT INTO project (name, description, layers, overlap, blind, label_map,"
                " settings, created_at, staged_publishing) VALUES (:name, '', '[]', 1, true,"
                " '{}', '{}', '2026-01-01', false)"), {"name": name})  # fmt: skip
        for n, archived in enumerate([None, None, "2026-02-01"]):
            connection.execute(text(
                "INSERT INTO document (project_id, text, meta, content_hash, tokens, created_at,"
                " archived_at) VALUES (1, 'Ada met Babbage.', '{}', :hash, '{}', '2026-01-01',"
                " :archived)"), {"hash": str(n), "archived": archived})  # fmt: skip
    migrate.upgrade(engine)
    with Session(engine) as session:
        assert _same(session) == {1: (3, 2)}
    engine.dispose()
