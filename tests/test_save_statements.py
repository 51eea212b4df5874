"""A save and a fetch stay a bounded handful of statements (issue 13: each one is a round
trip and Python work per request), and a save answers what a later read returns, though it
builds its answer from the rows it wrote instead of reading them back."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as
from textlabel import create_app
from textlabel.extensions import db
from textlabel.projects.layer_labels import LayerLabelSpec

TEXT = "Ada Lovelace met Charles Babbage in London. She wrote about his engine."
# Entities, a chain, nested span categories: every kind of span row a save answers with.
PAYLOAD = {
    "spans": [{"start": 0, "end": 12, "label": "PER"}, {"start": 17, "end": 32, "label": "PER"}],
    "coref": [[{"start": 0, "end": 12}, {"start": 44, "end": 47}], [{"start": 17, "end": 32},
                                                                    {"start": 59, "end": 62}]],
    "span_cats": [{"start": 0, "end": 43, "label": "claim"},
                  {"start": 0, "end": 12, "label": "arg"}],
}  # fmt: skip


@contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run meanwhile (transaction control and pragmas left out)."""
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().split(None, 1)[0].upper() in {"SELECT", "INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def test_a_save_and_a_fetch_are_a_few_statements(app, session) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (document,) = add_documents(session, project, [TEXT])
    ann = api_as(app, "ann")
    path = f"/documents/{document.id}/annotations/me"
    version = ann.put(path, json={"version": 0, "spans": PAYLOAD["spans"]}).json["version"]
    spans = [{"start": 0, "end": 3, "label": "PER"}]
    with statements() as seen:
        saved = ann.put(path, json={"version": version, "spans": spans})
    assert saved.status_code == 200, saved.json
    # token + user, document + project + role + the caller's annotation + the entity labels
    # (the guard's archived checks, the view's permission, the annotation it saves and the
    # labels it checks, one read), its span rows, the version bump, delete, insert, the audit
    # event.
    assert len(seen) <= 7, "\n".join(seen)
    assert not any("layer_label" in s.split("FROM", 1)[-1].split("WHERE")[0] for s in seen)
    with statements() as seen:
        assert ann.get(f"/documents/{document.id}").status_code == 200
    assert len(seen) <= 3, "\n".join(seen)
    # An autosave that changes nothing writes nothing and answers without reading again.
    with statements() as seen:
        same = ann.put(path, json={"version": saved.json["version"], "spans": spans})
    assert same.status_code == 200 and same.json["version"] == saved.json["version"]
    assert len(seen) <= 3, "\n".join(seen)
    assert same.json["spans"] == ann.get(path).json["spans"] == saved.json["spans"]


def test_a_save_answers_what_a_read_returns(app, session) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(
        session, admin, members={"ann": "annotator"}, layers=["entities", "coref", "spans"],
        span_labels=[LayerLabelSpec("claim"), LayerLabelSpec("arg")],
    )  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    ann = api_as(app, "ann")
    path = f"/documents/{document.id}/annotations/me"
    first = ann.put(path, json={"version": 0, **PAYLOAD})
    assert first.status_code == 200, first.json
    # Entities only: the chains and span categories are kept, and answered, as stored.
    spans = [{"start": 17, "end": 32, "label": "PER"}, {"start": 36, "end": 42, "label": "LOC"}]
    second = ann.put(path, json={"version": first.json["version"], "spans": spans})
    assert second.status_code == 200, second.json
    read = ann.get(path).json
    for layer in ("spans", "coref", "span_cats", "relations", "cats", "pos"):
        assert second.json[layer] == read[layer], layer
    assert [s["label"] for s in read["spans"]] == ["PER", "LOC"]
    assert len(read["coref"]) == 2 and [s["label"] for s in read["span_cats"]] == ["claim", "arg"]


def test_synchronous_commit_is_on_unless_opted_out(database_url, tmp_path) -> None:
    """PostgreSQL's ``synchronous_commit=off`` is an opt-in setting (a crash of the database
    server may lose the last answered saves): off by default, on where asked, refused when
    misspelt; SQLite has no such thing and ignores it."""
    from sqlalchemy import text

    from textlabel.db import make_engine

    for asked, expected in (("on", "on"), ("off", "off")):
        engine = make_engine(database_url, synchronous_commit=asked)
        with engine.connect() as connection:
            if database_url.startswith("postgresql"):
                value = connection.execute(text("SHOW synchronous_commit")).scalar()
                assert value == expected
        engine.dispose()
    with pytest.raises(ValueError, match="TEXTLABEL_PG_SYNCHRONOUS_COMMIT"):
        make_engine(database_url, synchronous_commit="of")
    app = create_app(
        {"DATABASE_URL": database_url, "INSTANCE": str(tmp_path), "SECRET_KEY": "x",
         "PG_SYNCHRONOUS_COMMIT": "off"}
    )  # fmt: skip
    if database_url.startswith("postgresql"):
        with app.extensions["textlabel.db"].connect() as connection:
            assert connection.execute(text("SHOW synchronous_commit")).scalar() == "off"
    app.extensions["textlabel.db"].dispose()


def test_pooled_connections_are_pinged_only_after_idling(database_url) -> None:
    """No round trip per request to check the connection, yet a connection that died while
    idle in the pool is replaced before use (PostgreSQL; SQLite has no server to lose)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("a PostgreSQL connection pool")
    from sqlalchemy import text

    from textlabel.db import make_engine

    def kill_pooled(engine) -> None:  # type: ignore[no-untyped-def]
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        killer = make_engine(database_url)
        with killer.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            connection.commit()
        killer.dispose()

    pinged = make_engine(database_url, ping_after_idle=0, pool_size=1)
    kill_pooled(pinged)
    with pinged.connect() as connection:  # pinged, found dead, replaced
        assert connection.execute(text("SELECT 1")).scalar() == 1
    pinged.dispose()
    trusted = make_engine(database_url, ping_after_idle=3600, pool_size=1)
    kill_pooled(trusted)
    with pytest.raises(Exception, match="terminat|closed|server"), trusted.connect() as c:
        c.execute(text("SELECT 1"))  # used a moment ago: not pinged, so the use fails
    with trusted.connect() as connection:  # the failure replaced the pool
        assert connection.execute(text("SELECT 1")).scalar() == 1
    trusted.dispose()


def test_sqlite_read_transactions_stay_query_only_across_pooled_modes(tmp_path) -> None:
    """``query_only`` is set only when a pooled connection changes between reading and
    writing, and a read transaction still refuses a write whatever the connection did last."""
    import sqlite3

    from sqlalchemy import text
    from sqlalchemy.pool import StaticPool

    from textlabel.db import make_engine, set_write_intent

    engine = make_engine(f"sqlite:///{tmp_path / 'q.db'}", poolclass=StaticPool)
    pragmas: list[str] = []

    def note(_conn, _cursor, statement, *_rest) -> None:  # type: ignore[no-untyped-def]
        if "query_only" in statement:
            pragmas.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    try:
        for writes in (True, False, False, True, True, False):
            set_write_intent(writes)
            with engine.begin() as connection:
                if writes:
                    connection.execute(text("INSERT INTO t VALUES (1)"))
                else:
                    with pytest.raises(Exception) as refused:
                        connection.execute(text("INSERT INTO t VALUES (1)"))
                    assert isinstance(refused.value.orig, sqlite3.OperationalError)  # type: ignore[attr-defined]
                    assert "readonly" in str(refused.value)
    finally:
        set_write_intent(True)
        engine.dispose()
    # the first write needs none (a new connection is not query_only); each change needs one
    assert pragmas == ["PRAGMA query_only=1", "PRAGMA query_only=0", "PRAGMA query_only=1"]
