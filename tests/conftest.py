"""The fixtures of the suite (plain helpers live in tests/helpers.py): the app on each database
backend, its live server, a browser, and the spaCy pipeline loaded once per session.

The database schema is migrated once per backend per session; each test starts from empty
tables. PostgreSQL runs when TEXTLABEL_TEST_POSTGRES_URL is set (CI sets it and starts the
server; under CI a missing URL is an error, not a skip).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import spacy
from flask import Flask
from spacy.language import Language
from sqlalchemy.orm import Session

from tests.helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    MODEL,
    POSTGRES_URL,
    empty_tables,
    pipeline_with,
    reset_postgres,
)
from textlabel import create_app, migrate
from textlabel.db import make_engine
from textlabel.extensions import db


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A freshly migrated database of each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    else:
        if not POSTGRES_URL:
            if os.environ.get("CI"):
                pytest.fail("CI must set TEXTLABEL_TEST_POSTGRES_URL")
            pytest.skip("TEXTLABEL_TEST_POSTGRES_URL is not set")
        url = POSTGRES_URL
        reset_postgres(url)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def work(app: Flask) -> Iterator[Session]:
    """A writing session of its own, as an importer has (not the app's scoped session)."""
    engine = make_engine(app.config["DATABASE_URL"])
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema, for tests that migrate it themselves. PostgreSQL: the test
    database is wiped, then migrated again after, for the tests that follow."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must set TEXTLABEL_TEST_POSTGRES_URL")
        pytest.skip("TEXTLABEL_TEST_POSTGRES_URL is not set")
    reset_postgres(POSTGRES_URL)
    yield POSTGRES_URL
    reset_postgres(POSTGRES_URL)
    engine = make_engine(POSTGRES_URL)
    migrate.upgrade(engine)
    engine.dispose()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE": str(tmp_path / "instance"),
            "SECRET_KEY": "test-secret",
            "LOGIN_ATTEMPTS": 5,
        }
    )
    yield app
    db.remove_session()
    engine = app.extensions["textlabel.db"]
    empty_tables(engine)
    # Close pooled connections now: a test may have bound other engines (CLI, extra apps).
    engine.dispose()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """The test's own autocommit session (inside an app context): it never holds a lock or
    a stale snapshot, so requests and jobs the test triggers see its writes and it sees
    theirs."""
    engine = make_engine(app.config["DATABASE_URL"], immediate=False, isolation_level="AUTOCOMMIT")
    with app.app_context(), Session(engine, expire_on_commit=False) as test_session:
        yield test_session
    engine.dispose()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on a loopback port (threaded), for browsers and load."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI must install Debian's chromium")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab (own cookies) whose relative URLs go to the live server."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture(scope="session")
def nlp() -> Language:
    """The real English pipeline, loaded once for the whole session. Shared: a test must not
    add, remove or reconfigure its components (build a new one with ``pipeline_with``)."""
    return spacy.load(MODEL)


@pytest.fixture(scope="session")
def coref_nlp(nlp: Language) -> Language:
    """``nlp`` followed by textlabel_coref with its default settings, sharing nlp's components."""
    return pipeline_with(nlp, "textlabel_coref")
