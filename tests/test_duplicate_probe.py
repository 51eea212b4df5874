"""The import's duplicate check (``ingest.service._known_hashes``) on the index of
``content_hash`` alone (migration 0031): it still asks only for the importing project's
documents and the file's own, and it probes that index, never walking a project's
documents (quadratic over an import's batches)."""

from __future__ import annotations

import io

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tests.factories import make_project, make_user
from textlabel.ingest.service import _KNOWN, _PG_KNOWN, ImportOptions, _known_hashes, import_file
from textlabel.models import Document, Project, User

TEXTS = [f"The walrus number {n} swims past Oslo." for n in range(5)]


def _csv(texts: list[str]) -> io.BytesIO:
    return io.BytesIO(("text\n" + "".join(f'"{t}"\n' for t in texts)).encode())


def _import(work: Session, project: Project, boss: User, texts: list[str]) -> tuple[int, int]:
    project, boss = work.get(Project, project.id), work.get(User, boss.id)  # type: ignore[assignment]
    result = import_file(
        work, project, _csv(texts), "w.csv", user=boss, options=ImportOptions(batch_size=2)
    )
    return result.imported, result.skipped


def test_duplicates_are_those_of_the_project_and_of_the_file(session, work) -> None:
    boss = make_user(session, "boss")
    first, second = make_project(session, boss), make_project(session, boss, name="second")
    assert _import(work, first, boss, TEXTS) == (5, 0)
    # the same texts in another project are no duplicates of it
    assert _import(work, second, boss, TEXTS[:3]) == (3, 0)
    # the project's own are, and so is a text twice in one file (two batches apart)
    again = [TEXTS[0], "A new walrus.", TEXTS[4], "A new walrus.", "Another one."]
    assert _import(work, first, boss, again) == (2, 3)
    texts = session.scalars(select(Document.text).where(Document.project_id == first.id))
    assert sorted(texts) == sorted([*TEXTS, "A new walrus.", "Another one."])


def test_the_duplicate_check_probes_the_hash_index(session, work) -> None:
    """The plan of the check, with the project's documents there to walk: on the index of
    ``content_hash``, not the project's (without the unary plus SQLite's planner takes
    ix_document_project_id; PostgreSQL's did on statistics from before the import). On
    PostgreSQL the check is ``_PG_KNOWN`` (array parameters on the driver's cursor)."""
    boss = make_user(session, "boss")
    project = make_project(session, boss)
    _import(work, project, boss, TEXTS)
    # a batch's worth: with a few, SQLite's planner probes the hash index even without the plus
    hashes = list(session.scalars(select(Document.content_hash)))[:3]
    hashes += [f"{n:064x}" for n in range(300)]
    projects = [project.id, project.id + 1]
    if session.get_bind().dialect.name == "sqlite":
        statement = _KNOWN.bindparams(hashes=hashes, projects=projects)
        compiled = statement.compile(
            session.get_bind(), compile_kwargs={"render_postcompile": True, "literal_binds": True}
        )
        plan = " ".join(row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
    else:
        with session.get_bind().connect() as connection:  # a few rows: it would scan them
            connection.execute(text("SET enable_seqscan = off"))
            with connection.connection.driver_connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN {_PG_KNOWN}", (hashes, projects))
                plan = " ".join(row[0] for row in cursor)
            connection.execute(text("RESET enable_seqscan"))
    assert "ix_document_content_hash" in plan, plan
    assert "ix_document_project" not in plan, plan
    assert _known_hashes(session, (project.id, project.id + 1), set(hashes)) == set(hashes[:3])
    # another project's documents are not this one's duplicates
    assert _known_hashes(session, (project.id + 1, project.id + 2), set(hashes)) == set()
