"""The master's warm-up of the hot request paths (textlabel/web/warm_paths.py): the requests run
for real (their statuses say how far), nothing is written on either database, no user leaks
into a later request, and what they build is what an annotator's first requests would."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as
from textlabel.annotate.queue import claim_document
from textlabel.models import Base, Document, Event, Project, Span, User
from textlabel.web import warm_paths as warm_paths_module
from textlabel.web.warm_paths import warm_paths

TEXTS = ["Ada Lovelace wrote the first program.", "Grace Hopper built a compiler."]


def rows(session: Session) -> dict[str, list[Any]]:
    """Every row of every table (the tests' databases are small)."""
    return {
        table.name: sorted(map(repr, session.execute(select(table)).all()))
        for table in Base.metadata.sorted_tables
    }


def project_with_work(session: Session, admin: User | None = None) -> tuple[int, list[int]]:
    admin = admin or make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    documents = add_documents(session, project, TEXTS)
    return project.id, [d.id for d in documents]


def test_the_hot_requests_run_and_write_nothing(app: Flask, session: Session) -> None:
    pid, dids = project_with_work(session)
    api = api_as(app, "ann")
    spans = {"version": 0, "spans": [{"start": 0, "end": 12, "label": "PER"}]}
    saved = api.put(f"/documents/{dids[0]}/annotations/me", json=spans)
    assert saved.status_code == 200, saved.json
    before = rows(session)
    events = session.scalar(select(func.count()).select_from(Event))
    assert events  # the save was recorded: a second one would be too

    statuses = warm_paths(app)

    assert statuses == {
        "GET /api/v1/projects": 200,
        f"GET /api/v1/projects/{pid}/documents": 200,
        f"GET /api/v1/documents/{dids[0]}": 200,
        f"GET /api/v1/documents/{dids[0]}/annotations/me": 200,  # as "ann", its author
        f"PUT /api/v1/documents/{dids[0]}/annotations/me": 200,  # the same: nothing to write
    }
    assert rows(session) == before
    assert session.scalar(select(func.count()).select_from(Event)) == events


def test_a_save_back_that_would_change_the_annotation_is_not_sent(
    app: Flask, session: Session
) -> None:
    """A stored span off the tokens (an import's, say) would be snapped by a save: the save
    back is refused at its first write, the rest of the warm-up stands, nothing changes."""
    _, dids = project_with_work(session)
    api = api_as(app, "ann")
    spans = {"version": 0, "spans": [{"start": 0, "end": 12, "label": "PER"}]}
    aid = api.put(f"/documents/{dids[0]}/annotations/me", json=spans).json["id"]
    session.execute(update(Span).where(Span.annotation_id == aid).values(end_char=2))
    before = rows(session)

    statuses = warm_paths(app)

    assert statuses[f"GET /api/v1/documents/{dids[0]}/annotations/me"] == 200
    assert statuses[f"PUT /api/v1/documents/{dids[0]}/annotations/me"] == 0
    assert rows(session) == before


def test_without_annotations_the_save_stops_at_its_body_check(app: Flask, session: Session) -> None:
    pid, dids = project_with_work(session)
    before = rows(session)

    statuses = warm_paths(app)

    assert statuses == {
        "GET /api/v1/projects": 200,
        f"GET /api/v1/projects/{pid}/documents": 200,
        f"GET /api/v1/documents/{dids[0]}": 200,
        f"GET /api/v1/documents/{dids[0]}/annotations/me": 200,  # version 0, empty
        f"PUT /api/v1/documents/{dids[0]}/annotations/me": 422,  # version -1
    }
    assert rows(session) == before


def test_an_empty_database_gets_404s(app: Flask, session: Session) -> None:
    statuses = warm_paths(app)
    assert statuses == {
        "GET /api/v1/projects": 200,
        "GET /api/v1/projects/0/documents": 404,
        "GET /api/v1/documents/0": 404,
        "GET /api/v1/documents/0/annotations/me": 404,
        "PUT /api/v1/documents/0/annotations/me": 404,
    }
    assert not any(rows(session).values())


def test_a_request_that_would_write_is_refused_before_the_database(
    app: Flask, session: Session
) -> None:
    """The belt under the warm-up: a save that changes something, run as the warm-up runs
    its requests, is stopped at its first write; the same request outside writes."""
    _, dids = project_with_work(session)
    annotator = session.scalar(select(User).where(User.username == "ann"))
    assert annotator is not None
    stand_in = warm_paths_module._stand_in(annotator.id, admin=False)
    path = f"/api/v1/documents/{dids[0]}/annotations/me"
    save = {"version": 0, "spans": [{"start": 0, "end": 12, "label": "PER"}]}
    before = rows(session)

    engine = app.extensions["textlabel.db"]
    with (
        app.app_context(),
        warm_paths_module._refusing_writes(engine),
        pytest.raises(warm_paths_module.Wrote),
    ):
        warm_paths_module._request(app, stand_in, "PUT", path, save)
    assert rows(session) == before

    assert warm_paths_module._request(app, stand_in, "PUT", path, save)[0] == 200
    assert rows(session) != before


def test_requests_after_it_answer_as_before(app: Flask, session: Session) -> None:
    """No user, session or transaction outlives the warm-up: an anonymous request is
    refused, and an annotator's reads answer what they answered before it."""
    pid, dids = project_with_work(session)
    api = api_as(app, "ann")
    reads = [f"/projects/{pid}/documents", f"/documents/{dids[1]}",
             f"/documents/{dids[1]}/annotations/me"]  # fmt: skip
    spans = {"version": 0, "spans": [{"start": 0, "end": 5, "label": "PER"}]}
    before = api.put(f"/documents/{dids[0]}/annotations/me", json=spans).json
    first = [api.get(path).json for path in reads]

    warm_paths(app)

    assert app.test_client().get("/api/v1/projects").status_code == 401
    assert [api.get(path).json for path in reads] == first
    after = api.put(f"/documents/{dids[1]}/annotations/me", json=spans)
    assert after.status_code == 200
    differ = {"id", "document_id", "updated_at", "spans"}  # spans snap to each text's tokens
    assert {k: v for k, v in after.json.items() if k not in differ} == {
        k: v for k, v in before.items() if k not in differ
    }


def test_an_annotators_requests_find_their_statements_compiled(
    app: Flask, session: Session
) -> None:
    """What the warm-up is for: on a database with no project yet (as a first start is),
    the statements of an annotator's sign-in, list, fetch, own annotation and save are
    compiled once, in the process that forks, so the requests compile none of their own."""
    engine: Engine = app.extensions["textlabel.db"]
    admin = make_user(session, "admin", admin=True)
    warm_paths(app)
    app.test_client().get("/api/v1/projects", headers={"Authorization": "Bearer warm-up"})
    pid, dids = project_with_work(session, admin)
    annotator = session.scalars(select(User).where(User.username == "ann")).one()
    document, project = session.get_one(Document, dids[1]), session.get_one(Project, pid)
    claim_document(session, document, project, annotator)  # a claim is once a document
    cache = engine._compiled_cache
    assert cache is not None
    compiled = set(cache)

    api = api_as(app, "ann")
    for path in (f"/projects/{pid}/documents", f"/documents/{dids[1]}",
                 f"/documents/{dids[1]}/annotations/me"):  # fmt: skip
        assert api.get(path).status_code == 200
    spans = {"version": 1, "spans": [{"start": 0, "end": 5, "label": "PER"}]}
    assert api.put(f"/documents/{dids[1]}/annotations/me", json=spans).status_code == 200

    assert [" ".join(str(cache[key]).split())[:120] for key in set(cache) - compiled] == []


def test_a_database_not_migrated_is_skipped(tmp_path: Any) -> None:
    from textlabel import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'bare.db'}", "SECRET_KEY": "k",
                      "INSTANCE": str(tmp_path / "instance")})  # fmt: skip
    assert warm_paths(app) == {}
