"""The export's fragment cache (``TEXTLABEL_EXPORT_CACHE``): a first and a repeat export
through it write the pinned bytes; a repeat copies what the cache holds; and whatever
changes in the database (a relabel through the store, a span edited behind the store's
back without a version bump, an archived document, a document's metadata, a renamed
annotator) or in the request gives exactly the bytes of an export without the cache."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.factories import make_project, make_user
from tests.test_export_pinned import assert_pinned, digests, exports, projects
from textlabel.annotate import store
from textlabel.export import parallel
from textlabel.export.request import ExportRequest
from textlabel.export.service import stream_export
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Annotation, Document, Project, Span, User
from textlabel.models.base import utcnow

ENV = "TEXTLABEL_EXPORT_CACHE"
TEXT_FORMATS = ("jsonl", "conll", "conllu")


def test_first_and_repeat_exports_write_the_pinned_bytes(
    app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    made = projects(session)
    cache = tmp_path / "cache" / "fragments.sqlite"
    monkeypatch.setenv(ENV, str(cache))
    assert_pinned(digests(exports(session, *made)))  # the first: every document rendered
    kept = _rows(cache)
    assert kept > 0
    assert_pinned(digests(exports(session, *made)))  # the repeat: every document copied
    assert _rows(cache) == kept  # nothing new to keep


def test_a_repeat_copies_what_is_kept_and_any_change_renders_anew(
    app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ud, ner, _ = projects(session)
    cache = tmp_path / "fragments.sqlite"
    requests = [ExportRequest(format=fmt, source=source) for fmt in TEXT_FORMATS
                for source in ("gold", "annotations", "gold_or_majority")]  # fmt: skip

    def same_as_without_cache(project: Any) -> list[bytes]:
        monkeypatch.delenv(ENV, raising=False)
        plain = [_export(session, project, request) for request in requests]
        monkeypatch.setenv(ENV, str(cache))
        assert [_export(session, project, request) for request in requests] == plain
        return plain

    before = same_as_without_cache(ner)  # the cache filled
    # A repeat is served from the cache: a kept output edited in place comes out as is.
    with sqlite3.connect(cache) as db:
        db.execute("UPDATE fragment SET body = CAST('kept\n' AS BLOB)")
    assert _export(session, ner, requests[0]).startswith(b"kept\n")
    with sqlite3.connect(cache) as db:
        db.execute("DELETE FROM fragment")
    assert same_as_without_cache(ner) == before

    first = session.scalars(
        select(Document.id).where(Document.project_id == ner.id).order_by(Document.id)
    ).all()
    changes = [
        # a relabel through the store (it bumps versions)
        lambda: store.relabel_entities(session, ner.id, "LOC", "MISC"),
        # a span row edited behind the store's back: no version bump, the rows still differ
        lambda: session.execute(update(Span).where(Span.label == "PER").values(label="ORG")),
        lambda: session.execute(
            update(Document).where(Document.id == first[0]).values(archived_at=utcnow())
        ),
        lambda: session.execute(
            update(Document).where(Document.id == first[2]).values(meta={"source": "edited"})
        ),
        lambda: session.execute(update(User).where(User.username == "ann").values(username="ana")),
        lambda: session.execute(
            update(Annotation)
            .where(Annotation.document_id == first[4], Annotation.kind == "gold")
            .values(cats={"news": 1.0})
        ),
    ]
    for change in changes:
        change()
        session.commit()
        after = same_as_without_cache(ner)
        assert after != before  # each change shows in some export
        before = after
    with sqlite3.connect(cache) as db:  # the archived document's outputs were dropped
        assert not db.execute(
            "SELECT count(*) FROM fragment WHERE document = ?", (first[0],)
        ).fetchone()[0]
        # what another version of textlabel kept for the project goes at its next export
        db.execute("INSERT INTO request VALUES (X'01', ?, X'02')", (ner.id,))
        db.execute("INSERT INTO fragment VALUES (X'01', ?, X'00', X'00')", (first[1],))
    same_as_without_cache(ner)
    with sqlite3.connect(cache) as db:
        assert not db.execute("SELECT count(*) FROM fragment WHERE request = X'01'").fetchone()[0]
        assert not db.execute("SELECT count(*) FROM request WHERE key = X'01'").fetchone()[0]
    # Another request (a label filter, no negatives) is kept apart from the others.
    for request in (
        ExportRequest(format="jsonl", source="gold", labels=("ORG",)),
        ExportRequest(format="conll", source="gold", negatives=False),
    ):
        monkeypatch.delenv(ENV, raising=False)
        plain = _export(session, ner, request)
        monkeypatch.setenv(ENV, str(cache))
        assert _export(session, ner, request) == plain
    # Another project with the same cache file keeps its own outputs.
    project = session.get(Project, ud.id)
    request = ExportRequest(format="conllu", source="predictions")
    monkeypatch.delenv(ENV, raising=False)
    plain = _export(session, project, request)
    monkeypatch.setenv(ENV, str(cache))
    assert _export(session, project, request) == _export(session, project, request) == plain


def _export(session: Any, project: Any, request: ExportRequest) -> bytes:
    return b"".join(stream_export(session, project, request))


def _rows(cache: Path) -> int:
    with sqlite3.connect(cache) as db:
        return int(db.execute("SELECT count(*) FROM fragment").fetchone()[0])


def test_with_the_cache_an_export_stays_in_one_process(
    app: Flask, session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    lines = [json.dumps({"text": f"Ada met Bob in Paris #{n}.", "spans": []}) for n in range(23)]
    import_file(session, project, io.BytesIO("\n".join(lines).encode()), "docs.jsonl",
                user=owner, options=ImportOptions(dedupe=False))  # fmt: skip
    request = ExportRequest(format="jsonl", source="predictions")
    alone = _export(session, project, request)
    calls: list[int] = []
    real = parallel.export

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    # 5 ranges and two processes: workers (tests/test_export_parallel.py), but for the cache
    monkeypatch.setattr(parallel, "CHUNK", 5)
    monkeypatch.setattr(parallel, "MIN_RANGES", 2)
    monkeypatch.setattr(parallel, "export", counted)
    monkeypatch.setenv(parallel.ENV, "2")
    monkeypatch.setenv(ENV, str(tmp_path / "fragments.sqlite"))
    assert _export(session, project, request) == _export(session, project, request) == alone
    assert calls == []
