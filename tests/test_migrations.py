"""Migrations: `textlabel init` on an empty database, again (idempotent), and in sync."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection, inspect, make_url, text

from textlabel import migrate
from textlabel.db import make_engine
from textlabel.models import Base


def test_init_twice_then_models_match_migrations(empty_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": empty_url,
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance")}  # fmt: skip
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "textlabel.cli", "init"], env=env, capture_output=True,
            text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "database ready" in done.stdout
        password = make_url(empty_url).password
        assert not password or f":{password}@" not in done.stdout  # the URL is shown masked
    engine = make_engine(empty_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert migrate.pending_changes(engine) == []
    engine.dispose()
    assert (tmp_path / "instance" / "secret_key").exists()


def test_upgrading_a_sqlite_database_keeps_its_documents(tmp_path: Path) -> None:
    """Batch migrations re-create ``project`` by dropping it: with foreign keys on, that
    deleted every document through ON DELETE CASCADE (found by issue 15's benchmark)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0005")
    with engine.begin() as connection:
        _one_document(connection)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM document")).scalar() == 1
        hits = "SELECT rowid FROM document_fts WHERE document_fts MATCH 'babbage'"
        assert connection.execute(text(hits)).scalars().all() == [1]
    assert migrate.pending_changes(engine) == []
    engine.dispose()


def test_read_markers_start_at_each_participants_last_comment(tmp_path: Path) -> None:
    """0019 seeds ``comment_read`` so the "new reply" marks threads showed before carry
    over: each author has read a thread up to their own last comment in it."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from sqlalchemy import insert, select
    from sqlalchemy.orm import Session

    from tests.factories import make_project, make_users
    from textlabel.models import Comment, CommentRead, Document

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0017")
    with Session(engine, expire_on_commit=False) as session:
        ann, rev, quiet = make_users(session, "ann", "rev", "quiet")
        project = make_project(session, ann, members={"quiet": "reviewer"})
        # A row as 0017 stores it (the model's later columns, 0018's archived_at, are absent).
        document_id = session.execute(
            insert(Document.__table__).values(
                project_id=project.id,
                text="Ada met Babbage.",
                meta={},
                content_hash="x",
                tokens={"offsets": [0, 3, 4, 7, 8, 15, 15, 16], "sent_starts": [0]},
                created_at=datetime.now(UTC),
            )
        ).inserted_primary_key[0]
        document = SimpleNamespace(id=document_id)
        # Comments as 0017 stores them (without 0022's last_id / last_at).
        post = {"project_id": project.id, "document_id": document.id, "body": "."}
        root_id = session.execute(
            insert(Comment.__table__).values(**post, author_id=ann.id)
        ).inserted_primary_key[0]
        for author in (rev, ann, rev):
            session.execute(
                insert(Comment.__table__).values(**post, parent_id=root_id, author_id=author.id)
            )
        session.commit()
        posts = session.scalars(select(Comment.id).order_by(Comment.id)).all()
    migrate.upgrade(engine)
    with Session(engine) as session:
        marker = (CommentRead.user_id, CommentRead.thread_id, CommentRead.last_read_id)
        rows = session.execute(select(*marker).order_by(CommentRead.user_id)).all()
        root = session.get_one(Comment, root_id)
        last_at = session.scalar(select(Comment.created_at).where(Comment.id == posts[3]))
    # 0019: each author up to their own last comment; 0022: a member who never wrote in the
    # thread (the reviewer "quiet") up to its latest, so old threads are not all unread.
    assert [tuple(r) for r in rows] == [
        (ann.id, root_id, posts[2]), (rev.id, root_id, posts[3]), (quiet.id, root_id, posts[3])
    ]  # fmt: skip
    assert (root.last_id, root.last_at) == (posts[3], last_at)  # 0022: the latest on the root
    engine.dispose()


def _staged_rows(connection: Connection, texts: list[tuple[int, str]]) -> None:
    """Project 1 and its staging project 2 (an import under way) as raw rows of a database at
    0027/0028, with one document of ``(project, text)`` each, numbered from 1."""
    project = (
        "INSERT INTO project (id, name, description, layers, overlap, blind, label_map,"
        " settings, created_at, staged_for_id) VALUES (:id, :name, '', '[]', 1, 1, '{}', '{}',"
        " '2026-01-01', :staged)"
    )
    document = (
        "INSERT INTO document (id, project_id, text, meta, content_hash, tokens, created_at)"
        " VALUES (:id, :project, :text, '{}', :text, '{}', '2026-01-01')"
    )
    connection.execute(text(project), {"id": 1, "name": "p", "staged": None})
    connection.execute(text(project), {"id": 2, "name": "p (import)", "staged": 1})
    for n, (project_id, words) in enumerate(texts):
        connection.execute(text(document), {"id": n + 1, "project": project_id, "text": words})


def test_0028_takes_staged_documents_out_of_the_full_text_index(tmp_path: Path) -> None:
    """Before 0028 an import indexed its staged documents batch by batch; after it they are
    indexed at publishing, and the delete trigger skips them. A staging project left over
    from before the upgrade must leave the index whole when it is discarded or published."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0027")
    with engine.begin() as connection:
        _staged_rows(connection, [(1, "Ada met Babbage."), (2, "Babbage left.")])
        connection.execute(
            text("INSERT INTO document_fts(rowid, text) VALUES (2, 'Babbage left.')")
        )
    migrate.upgrade(engine, "0028")
    hits = "SELECT rowid FROM document_fts WHERE document_fts MATCH 'babbage'"
    with engine.begin() as connection:
        assert connection.execute(text(hits)).scalars().all() == [1]
        connection.execute(text("DELETE FROM document WHERE project_id = 2"))
        assert connection.execute(text(hits)).scalars().all() == [1]
        connection.execute(text("DELETE FROM document WHERE id = 1"))  # broke a stale index
        connection.execute(
            text("INSERT INTO document_fts(document_fts) VALUES ('integrity-check')")
        )
        assert connection.execute(text(hits)).scalars().all() == []
    engine.dispose()


def test_0029_puts_staged_documents_back_into_the_full_text_index(tmp_path: Path) -> None:
    """From 0029 an import indexes its staged documents batch by batch again and the delete
    trigger takes every document out: a staging project left unindexed from 0028 is indexed
    at the upgrade, so discarding it leaves the index whole; the downgrade undoes both."""
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0028")
    check = "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)"
    hits = "SELECT rowid FROM document_fts WHERE document_fts MATCH 'babbage'"
    texts = [(1, "Ada met Babbage."), (2, "Babbage left."), (2, "Babbage came back.")]
    with engine.begin() as connection:
        _staged_rows(connection, texts)
        assert connection.execute(text(hits)).scalars().all() == [1]  # 0028: staged unindexed
    migrate.upgrade(engine)
    with engine.begin() as connection:
        assert connection.execute(text(hits)).scalars().all() == [1, 2, 3]
        connection.execute(text("DELETE FROM document WHERE id = 3"))  # a discard's delete
        assert connection.execute(text(hits)).scalars().all() == [1, 2]
        connection.execute(text(check))
    with engine.begin() as connection:
        command.downgrade(migrate._config(connection), "0028")
    with engine.begin() as connection:
        assert connection.execute(text(hits)).scalars().all() == [1]
        connection.execute(text("DELETE FROM document WHERE project_id = 2"))
        connection.execute(text(check))
        assert connection.execute(text(hits)).scalars().all() == [1]
    engine.dispose()


def test_0030_publishes_documents_staged_before_it_searchable(empty_url: str) -> None:
    """PostgreSQL: a document staged at 0029 (an empty vector) is found once published at
    0030, which keeps a staged vector aside only until then; the downgrade drops that column."""
    from alembic import command
    from sqlalchemy import text as sql
    from sqlalchemy.orm import Session

    from tests.factories import make_project, make_user
    from textlabel.ingest import staging

    if not empty_url.startswith("postgresql"):
        return  # SQLite is unchanged by 0030
    engine = make_engine(empty_url)
    migrate.upgrade(engine, "0029")
    with Session(engine, expire_on_commit=False) as session:  # the models hold at 0029 too
        boss = make_user(session, "boss")
        project = make_project(session, boss)
        staged = staging.open_staging(session, project, boss)
        session.execute(
            sql(
                "INSERT INTO document (project_id, text, meta, content_hash, tokens, created_at,"
                " search_vector) VALUES (:p, 'A walrus.', '{}', 'h', '{}', now(), '')"
            ),
            {"p": staged.id},
        )
        session.commit()
    migrate.upgrade(engine)
    with Session(engine) as session:
        staging.begin_publishing(session, staged.id)
        staging.publish(session, staged.id, project.id)
        found = "SELECT project_id FROM document WHERE search_vector @@ 'walrus'::tsquery"
        assert list(session.scalars(sql(found))) == [project.id]
    with engine.connect() as connection:
        command.downgrade(migrate._config(connection), "0029")
    assert "staged_vector" not in {c["name"] for c in inspect(engine).get_columns("document")}
    engine.dispose()


def test_0031_indexes_content_hash_alone_and_its_downgrade_restores_the_project_index(
    empty_url: str,
) -> None:
    """0031 replaces (project_id, content_hash) by (content_hash): an import's move into its
    project (SQLite's publishing) then touches no entry of it. The documents stay."""
    from alembic import command

    engine = make_engine(empty_url)
    migrate.upgrade(engine, "0030")
    with engine.begin() as connection:
        _one_document(connection)

    def indexes() -> dict[str, list[str | None]]:
        found = inspect(engine).get_indexes("document")
        return {i["name"]: i["column_names"] for i in found if "content_hash" in i["column_names"]}  # type: ignore[misc]

    assert indexes() == {"ix_document_project_hash": ["project_id", "content_hash"]}
    migrate.upgrade(engine)
    assert indexes() == {"ix_document_content_hash": ["content_hash"]}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM document")).scalar() == 1
    with engine.connect() as connection:
        command.downgrade(migrate._config(connection), "0030")
    assert indexes() == {"ix_document_project_hash": ["project_id", "content_hash"]}
    engine.dispose()


def _one_document(connection: Connection) -> None:
    """A project 'p' (id 1) with one document, 'Ada met Babbage.', written as raw SQL so that
    it fits the schema of an old revision."""
    connection.execute(
        text(
            "INSERT INTO project (name, description, layers, overlap, blind, label_map,"
            " settings, created_at) VALUES ('p', '', '[]', 1, true, '{}', '{}', '2026-01-01')"
        )
    )
    connection.execute(text(
        "INSERT INTO document (project_id, text, meta, content_hash, tokens, created_at)"
        " VALUES (1, 'Ada met Babbage.', '{}', 'h', '{}', '2026-01-01')"))  # fmt: skip


def test_0032_keeps_a_published_documents_vector_in_its_row(empty_url: str) -> None:
    """PostgreSQL: a document of ~100 words (its row over the 2,032 bytes at which values leave
    it) imported and published at 0032 has its vector in the row: nothing in the TOAST table
    (at 0031 the staged vector went there, and publishing stored it there again). It is
    found; the downgrade restores the default storage."""
    from alembic import command
    from sqlalchemy.orm import Session

    from tests.factories import make_project, make_user
    from textlabel.ingest.service import import_file

    if not empty_url.startswith("postgresql"):
        return  # SQLite is unchanged by 0032
    sentence = "Ada Lovelace wrote the first program for Babbage's engine in London"
    line = " ".join(f"{word}{n % 5}" for n in range(10) for word in sentence.split())  # 110
    engine = make_engine(empty_url)

    def toasted(revision: str) -> int:
        migrate.upgrade(engine, revision)
        with Session(engine, expire_on_commit=False) as session:
            boss = make_user(session, f"boss{revision}")
            project = make_project(session, boss, f"p{revision}")
            stream = io.BytesIO(f"text\n{line} ({revision})\n".encode())
            assert import_file(session, project, stream, "one.csv", user=boss).imported == 1
            found = "SELECT count(*) FROM document WHERE search_vector @@ 'lovelace4'::tsquery"
            assert session.execute(text(found)).scalar() == 1
            toast = session.execute(text(
                "SELECT reltoastrelid::regclass FROM pg_class WHERE relname = 'document'"
            )).scalar()  # fmt: skip
            chunks = session.execute(text(f"SELECT count(*) FROM {toast}")).scalar()
            session.execute(text("DELETE FROM document"))
            session.commit()
        return int(chunks or 0)

    def storage() -> dict[str, str]:
        with engine.connect() as connection:
            found = connection.execute(text(
                "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = 'document'::regclass"
                " AND attname IN ('search_vector', 'staged_vector')"
            ))  # fmt: skip
            return {str(name): str(kind) for name, kind in found}

    assert toasted("0031") > 0  # the row is big enough for its vector to leave it
    assert toasted("0032") == 0
    assert storage() == {"search_vector": "m", "staged_vector": "m"}
    with engine.connect() as connection:
        command.downgrade(migrate._config(connection), "0031")
    assert storage() == {"search_vector": "x", "staged_vector": "x"}
    engine.dispose()


def test_0033_leaves_documents_the_index_does_not_hold_to_the_import(tmp_path: Path) -> None:
    """From 0033 a staged document may wait unindexed for the import's next indexing
    statement: deleting it, or changing its text, leaves the index alone (an FTS5 'delete' of
    a row it does not hold corrupts it). The downgrade indexes it, 0029's rule."""
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0033")
    check = "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)"
    hits = "SELECT rowid FROM document_fts WHERE document_fts MATCH 'babbage'"
    texts = [(1, "Ada met Babbage."), (2, "Babbage left."), (2, "Babbage came back.")]
    with engine.begin() as connection:
        _staged_rows(connection, texts)  # the insert trigger indexes project 1's only
        assert connection.execute(text(hits)).scalars().all() == [1]
        connection.execute(text("UPDATE document SET text = 'Babbage again.' WHERE id = 2"))
        connection.execute(text("DELETE FROM document WHERE id = 3"))
        assert connection.execute(text(hits)).scalars().all() == [1]
    with engine.begin() as connection:  # (rank 1's check wants every document indexed)
        command.downgrade(migrate._config(connection), "0032")
    with engine.begin() as connection:
        connection.execute(text(check))
        assert connection.execute(text(hits)).scalars().all() == [1, 2]
        connection.execute(text("DELETE FROM document WHERE id = 2"))
        connection.execute(text(check))
    engine.dispose()
