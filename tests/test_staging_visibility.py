"""A staged document is neither visible nor searchable until its file is published, and a
failed import leaves none behind, whichever way the search data is written while staging
(PostgreSQL computes a staged document's vector as it is stored, into a column no index
covers, and publishing copies it into the indexed one: migration 0030)."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, make_url, select, text
from sqlalchemy.orm import Session

from tests.factories import make_project, make_user
from textlabel.db import make_engine
from textlabel.errors import BadFormat
from textlabel.ingest import staging
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Document, Project
from textlabel.projects.documents import list_documents
from textlabel.projects.search import DocumentFilters

TEXTS = [f"The walrus number {n} swims past Oslo." for n in range(7)]
# what the GIN index holds: a match on the indexed column, whatever the project
_INDEXED = "SELECT count(*) FROM document WHERE search_vector @@ to_tsquery('simple', 'walrus')"
_SAME_AS_COMPUTED = (  # every vector is the one ``to_tsvector`` gives the text, no staged one
    "SELECT count(*) FROM document WHERE search_vector IS DISTINCT FROM"
    " to_tsvector('simple'::regconfig, text) OR staged_vector IS NOT NULL"
)
_MAY_TEMP = "SELECT has_database_privilege(current_database(), 'TEMPORARY')"


def _csv(texts: list[str]) -> io.BytesIO:
    return io.BytesIO(("text\n" + "".join(f'"{t}"\n' for t in texts)).encode())


def _seen(reader: Session, project: Project) -> tuple[int, int]:
    """What a reader of ``project`` sees: documents listed, documents a search finds."""
    reader.rollback()  # a fresh snapshot
    listed = list_documents(reader, project).items
    found = list_documents(reader, project, filters=DocumentFilters(q="walrus")).items
    return len(listed), len(found)


def test_staged_documents_are_not_seen_or_found_until_the_file_is_published(session, work) -> None:
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    postgres = session.get_bind().dialect.name == "postgresql"
    during: list[tuple[int, int, int, int]] = []

    def after_each_batch(_done: int) -> None:  # a batch was committed into the staging project
        staged = session.scalar(
            select(func.count()).select_from(Document).where(Document.project_id != project.id)
        )
        indexed = session.scalar(text(_INDEXED)) if postgres else 0
        during.append((*_seen(session, project), int(staged or 0), int(indexed or 0)))

    work_project = work.get(Project, project.id)
    work_boss = work.get(type(boss), boss.id)
    options = ImportOptions(batch_size=2)
    result = import_file(
        work, work_project, _csv(TEXTS), "w.csv", user=work_boss, options=options,
        progress=after_each_batch,
    )  # fmt: skip
    assert result.imported == len(TEXTS)
    assert len(during) == 4 and during[-1][2] == len(TEXTS)  # all staged, in four batches
    # nothing listed, nothing found, and (PostgreSQL) no staged word in the search index
    assert all(seen[:2] == (0, 0) and seen[3] == 0 for seen in during), during
    assert _seen(session, project) == (len(TEXTS), len(TEXTS))
    if postgres:  # the published vectors are the ones computed from the text, staged ones gone
        assert session.scalar(text(_INDEXED)) == len(TEXTS)
        assert session.scalar(text(_SAME_AS_COMPUTED)) == 0


def test_a_failed_import_leaves_no_staged_document_or_search_data(session, work) -> None:
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    staged_counts: list[int] = []

    def after_each_batch(_done: int) -> None:
        staged_counts.append(session.scalar(select(func.count()).select_from(Document)) or 0)

    bad = [*TEXTS, "   "]  # the last row is empty: refused after three batches are in
    with pytest.raises(BadFormat):
        import_file(
            work, work.get(Project, project.id), _csv(bad), "bad.csv",
            user=work.get(type(boss), boss.id), options=ImportOptions(batch_size=2),
            progress=after_each_batch,
        )  # fmt: skip
    assert staged_counts[-1] == 6  # batches had been committed
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Project)) == 1  # staging gone
    assert _seen(session, project) == (0, 0)
    if session.get_bind().dialect.name == "postgresql":
        assert session.scalar(text(_INDEXED)) == 0
    else:
        fts = "SELECT count(*) FROM document_fts WHERE document_fts MATCH 'walrus'"
        assert session.scalar(text(fts)) == 0


def test_a_document_staged_without_a_vector_gets_it_when_published(session) -> None:
    """A document staged before migration 0030 (an empty indexed vector, no staged one) is
    searchable once published, as every other document."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's staged vectors")
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    staged = staging.open_staging(session, project, boss)
    for n, words in enumerate(("An old walrus.", "A newer walrus.")):
        session.execute(
            text(
                "INSERT INTO document (project_id, text, meta, content_hash, tokens, created_at,"
                " search_vector, staged_vector) VALUES (:p, :t, '{}', :h, :k, now(), '', :v)"
            ),
            {
                "p": staged.id, "t": words, "h": f"h{n}", "k": '{"offsets": []}',
                "v": None if n == 0 else "'stale':1",  # a staged vector is what gets published
            },
        )  # fmt: skip
    assert session.scalar(text(_INDEXED)) == 0
    staging.begin_publishing(session, staged.id)
    staging.publish(session, staged.id, project.id)
    assert _seen(session, project) == (2, 1)
    vectors = session.execute(
        text("SELECT search_vector::text, staged_vector FROM document ORDER BY id")
    ).all()
    assert vectors == [("'an':1 'old':2 'walrus':3", None), ("'stale':1", None)]


def test_a_role_that_may_not_create_temporary_tables_imports_all_the_same(session, app) -> None:
    """Where the database's TEMPORARY privilege is revoked (a common hardening), the staged
    batches are copied straight into ``document`` and publishing computes the vectors."""
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's temporary tables")
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    role = f"textlabel_notemp_{uuid.uuid4().hex[:8]}"
    database = session.scalar(text("SELECT current_database()"))
    grants = [
        f"CREATE ROLE {role} LOGIN PASSWORD 'notemp'",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f'REVOKE TEMPORARY ON DATABASE "{database}" FROM PUBLIC',
    ]
    for statement in grants:
        session.execute(text(statement))
    url = make_url(app.config["DATABASE_URL"]).set(username=role, password="notemp")
    engine = make_engine(url.render_as_string(hide_password=False))
    try:
        with Session(engine, expire_on_commit=False) as work:
            assert work.scalar(text(_MAY_TEMP)) is False
            result = import_file(
                work, work.get(Project, project.id), _csv(TEXTS), "n.csv",
                user=work.get(type(boss), boss.id), options=ImportOptions(batch_size=3),
            )  # fmt: skip
        assert result.imported == len(TEXTS)
    finally:
        engine.dispose()
        session.execute(text(f'GRANT TEMPORARY ON DATABASE "{database}" TO PUBLIC'))
        session.execute(text(f"DROP OWNED BY {role}"))
        session.execute(text(f"DROP ROLE {role}"))
    assert _seen(session, project) == (len(TEXTS), len(TEXTS))
    assert session.scalar(text(_INDEXED)) == len(TEXTS)
    assert session.scalar(text(_SAME_AS_COMPUTED)) == 0


@pytest.mark.parametrize("temporary", [True, False])
def test_a_staged_batch_commits_without_waiting_for_the_disk(session, app, temporary) -> None:
    """PostgreSQL: the transaction that writes a staged batch commits with synchronous_commit
    off, that transaction only (with or without the temporary table); the publishing mark's
    and every other transaction of the connection wait for the disk."""
    from textlabel.ingest import bulk

    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's synchronous_commit")
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    engine = make_engine(app.config["DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as work:
        staged = staging.open_staging(
            work, work.get(Project, project.id), work.get(type(boss), boss.id)
        )
        driver = work.connection().connection.driver_connection
        bulk._TEMPORARY_ALLOWED[driver] = temporary
        row = {
            "project_id": staged.id, "text": "A walrus.", "meta": {}, "source_file": "w.csv",
            "source_unit": None, "source_number": None, "content_hash": "h",
            "tokens": '{"offsets": []}', "pages": None,
        }  # fmt: skip
        bulk.insert_documents(work, [row])
        assert work.scalar(text("SHOW synchronous_commit")) == "off"
        work.commit()
        assert work.scalar(text("SHOW synchronous_commit")) == "on"
        staging.begin_publishing(work, staged.id)
        assert work.scalar(text("SHOW synchronous_commit")) == "on"
        staging.publish(work, staged.id, project.id)
    engine.dispose()
    assert _seen(session, project) == (1, 1)
