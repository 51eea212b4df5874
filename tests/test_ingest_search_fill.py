"""An import writes search data in bulk (migration 0021), not through per-row triggers: once
the file is in, search finds its documents exactly as it finds documents added one by one,
and a failed import leaves the full-text index consistent."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select, text

from tests.factories import add_documents, make_project, make_user
from textlabel.errors import BadFormat
from textlabel.ingest import staging
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Document
from textlabel.projects.documents import list_documents
from textlabel.projects.search import DocumentFilters

TEXTS = [
    "The cat sat on the mat in Paris.",
    "Cats and dogs live in Berlin.",
    "A dog barked at the CAT, loudly.",
    "Der Bär schläft; the bear sleeps, café au lait.",
]


def _csv(texts: list[str]) -> io.BytesIO:
    return io.BytesIO(("text\n" + "".join(f'"{t}"\n' for t in texts)).encode())


def _hits(session, project, word: str) -> list[str]:
    page = list_documents(session, project, filters=DocumentFilters(q=word))
    return sorted(session.get(Document, item.id).text for item in page.items)


def _expected(texts: list[str], word: str) -> list[str]:
    return sorted(t for t in texts if re.search(rf"(?<![^\W_]){word}(?![^\W_])", t, re.I))


def _index_is_whole(session) -> None:
    """The database's own check of its search data against the documents (FTS5 compares
    an external content table only with rank 1: without it a stale entry passed)."""
    if session.get_bind().dialect.name == "sqlite":
        check = "INSERT INTO document_fts(document_fts, rank) VALUES ('integrity-check', 1)"
        session.execute(text(check))
    else:
        stale = "SELECT count(*) FROM document WHERE search_vector IS DISTINCT FROM "
        stale += "to_tsvector('simple'::regconfig, text)"
        assert session.scalar(text(stale)) == 0


def test_imported_documents_are_found_like_added_ones_and_failures_leave_no_trace(
    session,
) -> None:
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    add_documents(session, project, ["A cat added one by one."])
    options = ImportOptions(batch_size=2)  # several batches, indexed when published
    import_file(session, project, _csv(TEXTS), "docs.csv", user=boss, options=options)
    every = [*TEXTS, "A cat added one by one."]
    for word in ("cat", "paris", "bär", "café", "dogs", "zebra"):
        assert _hits(session, project, word) == _expected(every, word), word
    _index_is_whole(session)

    bad = [*(f"Zebra number {n}." for n in range(5)), "   "]  # the last row is empty: refused
    with pytest.raises(BadFormat):
        import_file(session, project, _csv(bad), "bad.csv", user=boss, options=options)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Document)) == len(every)
    assert _hits(session, project, "zebra") == []
    _index_is_whole(session)


def test_staged_documents_are_indexed_as_stored_and_found_only_once_published(session) -> None:
    """SQLite indexes an import's documents batch by batch as they are stored (migration
    0029), PostgreSQL in its publishing UPDATE: a staged document is found by no search of
    the project, a published one by every search, and the index stays whole through a
    publish cut short and through a staging project discarded before publishing."""
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    staged = staging.open_staging(session, project, boss)
    add_documents(session, staged, [f"Walrus number {n}." for n in range(5)])
    newest = staging.index_new(session, staged.id)
    sqlite = session.get_bind().dialect.name == "sqlite"
    if sqlite:  # where the next batch's indexing starts
        ids = session.scalars(select(Document.id).where(Document.project_id == staged.id))
        assert newest == max(ids)
    dropped = staging.open_staging(session, project, boss)
    add_documents(session, dropped, ["A walrus never published."])
    staging.index_new(session, dropped.id)
    session.commit()
    indexed = "SELECT count(*) FROM document_fts WHERE document_fts MATCH 'walrus'"
    every = select(func.count()).select_from(Document)
    assert _hits(session, project, "walrus") == []
    if sqlite:  # in the index itself, yet found by no search of the project
        assert session.scalar(text(indexed)) == 6
    _index_is_whole(session)
    staging.begin_publishing(session, staged.id)
    assert staging.move_batch(session, staged.id, project.id, 2) == 2  # cut short here
    session.commit()
    assert len(_hits(session, project, "walrus")) == 2
    _index_is_whole(session)
    assert staging.discard(session, dropped.id) is False  # deleted, and out of the index
    if sqlite:
        assert session.scalar(text(indexed)) == 5
    _index_is_whole(session)
    assert staging.discard(session, staged.id) is True  # marked: published whole
    assert session.scalar(every) == 5
    assert _hits(session, project, "walrus") == sorted(f"Walrus number {n}." for n in range(5))
    _index_is_whole(session)
