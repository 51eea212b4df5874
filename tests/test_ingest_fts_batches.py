"""SQLite's full-text index takes an import's staged documents every ``index_every``
documents, not every batch: the same rows and the same index as indexing each batch, every
published document found, and a staging project discarded or cascaded away with documents
not yet indexed leaves the index whole (migration 0033's guarded triggers)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import delete, event, select, text
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_user
from textlabel.errors import BadFormat
from textlabel.ingest import staging
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Document, Project
from textlabel.projects.documents import list_documents
from textlabel.projects.search import DocumentFilters

WORDS = ["ada", "babbage", "lovelace", "engine", "analytical", "note", "table", "loom", "card"]
_COLUMNS = ("text", "meta", "source_file", "source_unit", "source_number", "content_hash",
            "tokens", "pages")  # fmt: skip
_CHECK = "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)"


def _texts(count: int) -> list[str]:
    """Each text has a word of its own (``w{n}``) and some shared ones."""
    return [
        f"Row w{n} {' '.join(WORDS[(n + k) % len(WORDS)] for k in range(n % 7 + 2))} (#{n})."
        for n in range(count)
    ]


def _csv(texts: list[str]) -> io.BytesIO:
    return io.BytesIO(("text\n" + "".join(f'"{t}"\n' for t in texts)).encode())


def _rows(session: Session, project_id: int) -> list[tuple[object, ...]]:
    columns = ", ".join(_COLUMNS)
    query = f"SELECT {columns} FROM document WHERE project_id = :p ORDER BY id"
    return [tuple(row) for row in session.execute(text(query), {"p": project_id})]


def _index_of(session: Session, project_id: int) -> list[tuple[str, int, int]]:
    """Every (term, document's place in the project, offset) the full-text index holds for
    the project: its logical content, whatever segments hold it."""
    session.execute(text("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_terms USING "
                         "fts5vocab(main, document_fts, instance)"))  # fmt: skip
    ids = session.scalars(
        select(Document.id).where(Document.project_id == project_id).order_by(Document.id)
    ).all()
    place = {document_id: n for n, document_id in enumerate(ids)}
    listed = ", ".join(map(str, ids))
    query = f"SELECT term, doc, offset FROM temp.fts_terms WHERE doc IN ({listed})"
    return sorted((term, place[doc], offset) for term, doc, offset in session.execute(text(query)))


def _found(session: Session, project: Project, word: str) -> list[str]:
    page = list_documents(session, project, filters=DocumentFilters(q=word), per_page=100)
    return [session.get(Document, item.id).text for item in page.items]


def test_indexing_every_few_batches_stores_and_indexes_what_every_batch_did(session) -> None:
    """23 rows in batches of 2: indexed after every batch (the old way) and every 5 documents
    (a remainder indexed with the mark): equal rows; on SQLite the same terms at the same
    offsets of the same documents, and search finds each document by its own word."""
    boss = make_user(session, "boss")
    texts = _texts(23)
    projects = []
    for index_every in (1, 5):
        project = make_project(session, boss, name=f"every {index_every}")
        options = ImportOptions(batch_size=2, index_every=index_every)
        result = import_file(session, project, _csv(texts), "rows.csv", user=boss, options=options)
        assert result.imported == len(texts)
        projects.append(project)
    old, new = projects
    assert _rows(session, new.id) == _rows(session, old.id)
    assert len(_rows(session, new.id)) == len(texts)
    for n, expected in enumerate(texts):
        assert _found(session, new, f"w{n}") == [expected]
    if session.get_bind().dialect.name == "sqlite":
        assert _index_of(session, new.id) == _index_of(session, old.id)
        assert _index_of(session, new.id)  # not two empty lists
        session.execute(text(_CHECK))


def test_an_import_indexes_every_few_batches_and_all_of_it_before_the_mark(session) -> None:
    """On SQLite the full-text statement runs once per ``index_every`` documents stored and once
    more for the rest, in the transaction that marks the file publishing."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's full-text index")
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    statements: list[str] = []

    def note(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("INSERT INTO document_fts") or "staged_publishing" in statement:
            statements.append("index" if "document_fts" in statement else "mark")

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        options = ImportOptions(batch_size=2, index_every=6)
        import_file(session, project, _csv(_texts(15)), "rows.csv", user=boss, options=options)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert statements == ["index", "index", "index", "mark"]  # 6, 12, then 13-15 with the mark
    assert len(_found(session, project, "ada")) == sum("ada" in t.split() for t in _texts(15))
    session.execute(text(_CHECK))


def test_a_failed_import_with_documents_not_yet_indexed_leaves_the_index_whole(session) -> None:
    """The last row is refused after four batches are stored, none of them indexed: the
    discard deletes them and the delete trigger must leave the index alone (an FTS5 'delete'
    of a row it does not hold corrupts it). Documents published before are still found."""
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    import_file(session, project, _csv(_texts(3)), "first.csv", user=boss)
    bad = [f"Zebra number {n}." for n in range(8)] + ["   "]
    with pytest.raises(BadFormat):
        options = ImportOptions(batch_size=2, index_every=100)
        import_file(session, project, _csv(bad), "bad.csv", user=boss, options=options)
    session.rollback()
    assert _found(session, project, "zebra") == []
    assert sorted(_found(session, project, "row")) == sorted(_texts(3))
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text(_CHECK))


def test_deleting_a_project_mid_import_leaves_the_index_whole(session) -> None:
    """A staging project's documents not yet indexed go with their target project (the
    cascade through ``staged_for_id``); an indexed one is taken out of the index."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("SQLite's full-text index")
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    kept = make_project(session, boss, name="kept")
    add_documents(session, kept, ["A walrus that stays."])
    staged = staging.open_staging(session, project, boss)
    add_documents(session, staged, ["A walrus indexed."])
    staging.index_new(session, staged.id)
    add_documents(session, staged, ["A walrus not yet indexed.", "Another walrus."])
    session.commit()
    session.execute(delete(Project).where(Project.id == project.id))
    session.commit()
    assert session.scalar(select(Document.id).where(Document.project_id == staged.id)) is None
    session.execute(text(_CHECK))
    walrus = "SELECT count(*) FROM document_fts WHERE document_fts MATCH 'walrus'"
    assert session.scalar(text(walrus)) == 1
