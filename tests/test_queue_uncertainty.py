"""The uncertainty queue's order (most uncertain first, ties and the unscored in import order,
archived documents never) holds across the pages its index walk reads, and on SQLite that walk
is ix_document_project_uncertainty, not a sort of every untouched document (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_users
from textlabel.annotate import queue

# (uncertainty, archived) per document, in import order
SCORES: list[tuple[float | None, bool]] = [
    (0.2, False), (None, False), (0.9, False), (0.5, False), (0.9, True),  # archived: never
    (None, False), (0.5, False), (0.0, False), (None, True), (0.7, False),
]  # fmt: skip


def test_most_uncertain_first_ties_and_unscored_by_id_over_small_pages(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    boss, ann = make_users(session, "boss", "ann")
    project = make_project(session, boss, members={"ann": "annotator"})
    project.settings = {**project.settings, "loop_queue": "uncertainty"}
    documents = add_documents(session, project, [f"Text number {i} ." for i in range(len(SCORES))])
    for document, (uncertainty, archived) in zip(documents, SCORES, strict=True):
        document.uncertainty = uncertainty
        document.archived_at = datetime.now(UTC) if archived else None
    session.commit()
    # Pages of 2: the walk must go on past pages of documents already given out, and from
    # the scored documents to the unscored within one page.
    monkeypatch.setattr(queue, "CANDIDATES_PER_QUERY", 2)
    given = []
    while (annotation := queue.claim_new(session, project, ann)) is not None:
        session.commit()
        given.append(annotation.document_id)
    ids = [d.id for d in documents]
    expected = [2, 9, 3, 6, 0, 7, 1, 5]  # 0.9, 0.7, 0.5 (tie: import order), 0.2, 0.0, unscored
    assert given == [ids[i] for i in expected]


def test_the_queue_walks_its_index_instead_of_sorting(session: Session) -> None:
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's planner reads a table this small whole anyway (bench/scale.py)")
    boss, ann = make_users(session, "boss", "ann")
    project = make_project(session, boss, members={"ann": "annotator"})
    project.settings = {**project.settings, "loop_queue": "uncertainty"}
    (document,) = add_documents(session, project, ["One text ."])
    document.uncertainty = 0.5
    session.commit()
    seen: list[tuple[str, Any]] = []

    def note(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "ORDER BY document.uncertainty DESC" in statement:
            seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", note)
    try:
        assert queue.claim_new(session, project, ann) is not None
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert len(seen) == 1
    statement, parameters = seen[0]
    with engine.connect() as connection:
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    shown = " ".join(str(row[-1]) for row in plan)
    assert "ix_document_project_uncertainty" in shown and "TEMP B-TREE" not in shown, shown
