"""Importing through the API, the upload page and the CLI: counts, located errors, atomicity."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as, sign_in
from textlabel import cli, create_app
from textlabel.models import Annotation, Document, Label, Span


@pytest.fixture
def project(session):
    owner = make_user(session, "mgr")
    return make_project(session, owner, labels=("PER", "ORG", "LOC", "MISC"))


def _multipart(fields: dict, name: str, data: bytes) -> tuple[bytes, str]:
    """The multipart body, encoded up front: werkzeug's test client would spool a large one
    to a temporary file that it never closes."""
    upload = FileStorage(io.BytesIO(data), filename=name)
    boundary, body = encode_multipart(MultiDict({**fields, "file": upload}))
    return body, f"multipart/form-data; boundary={boundary}"


def _upload(api, project, name: str, data: bytes, **form):
    body, content_type = _multipart({"preannotate": "false", **form}, name, data)
    return api.post(f"/projects/{project.id}/documents", data=body, content_type=content_type)


def _counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count(Document.id))),
        session.scalar(select(func.count(Annotation.id))),
        session.scalar(select(func.count(Span.id))),
    )


def test_conllu_treebank_imports_with_every_document_and_token(
    app: Flask, session, project
) -> None:
    path = DATA / "ud" / "en_ewt-ud-test.conllu"
    lines = path.read_text(encoding="utf-8").splitlines()
    newdocs = sum(line.startswith("# newdoc") for line in lines)
    words = sum(1 for line in lines if line and line.split("\t")[0].isdigit())
    response = _upload(api_as(app, "mgr"), project, path.name, path.read_bytes())
    assert response.status_code == 201, response.json
    assert response.json["imported"] == newdocs and response.json["errors"] == []
    stored = session.scalars(select(Document.tokens)).all()
    assert sum(len(tokens["offsets"]) // 2 for tokens in stored) == words
    upos = session.scalars(select(Annotation.pos)).all()
    assert sum(len(pos) for pos in upos) == words


def test_prodigy_spans_become_predictions_or_an_annotators_work(
    app: Flask, session, project
) -> None:
    path = (
        DATA / "peer_formats" / "prodigy" / "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl"
    )
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    expected_spans = sum(
        len(r.get("spans") or []) for r in records if r.get("answer", "accept") == "accept"
    )
    make_user(session, "ann")
    api = api_as(app, "mgr")
    refused = _upload(api, project, path.name, path.read_bytes())
    assert refused.status_code == 422
    assert (
        "PERSON" in refused.json["error"]["message"]
        and "LOCATION" in refused.json["error"]["message"]
    )
    assert _counts(session) == (0, 0, 0)
    response = _upload(
        api, project, path.name, path.read_bytes(), add_labels="true", annotations="annotator",
        annotator="ann",
    )  # fmt: skip
    assert response.status_code == 201, response.json
    assert response.json["imported"] == len({r["text"] for r in records})
    assert set(response.json["labels_added"]) >= {"PERSON", "LOCATION"}
    kinds = session.execute(select(Annotation.kind, func.count()).group_by(Annotation.kind)).all()
    assert dict(kinds) == {"manual": response.json["annotations"]}
    assert session.scalar(select(func.count(Span.id))) == expected_spans
    assert {"PERSON", "LOCATION"} <= set(session.scalars(select(Label.name)))


BAD_INPUTS = [
    ("empty.csv", b"", 422, "empty.csv is empty"),
    ("header.csv", b"text,id\n", 422, "header but no data rows"),
    ("nocol.csv", b"title,id\nhello,1\n", 422, "fields found: 'title', 'id'"),
    ("quote.csv", b'text,id\n"never closed,1\n', 422, "bad quoting at row 1 (line 2)"),
    ("nul.csv", b"text,id\nhel\x00lo,1\n", 422, "NUL byte at row 1 (line 2)"),
    ("object.json", b'{"a": 1, "b": 2}', 422, "must be an array of objects"),
    ("empty.pdf", b"", 422, "empty (0 bytes)"),
    ("out.jsonl", b'{"text": "Hi there", "spans": [{"start": 0, "end": 50, "label": "PER"}]}\n',
     422, "line 1: span [0, 50) PER is outside the text"),
    ("label.jsonl", b'{"text": "Hi there", "spans": [{"start": 0, "end": 2, "label": "ALIEN"}]}\n',
     422, "labels the project lacks: ALIEN (first at label.jsonl, line 1)"),
    ("notes.docx", b"PK\x03\x04 binary", 422, "notes.docx is not a valid zip file"),
    ("scan.png", b"\x89PNG\r\n\x1a\n\x00\x00", 415, "cannot tell the format of scan.png"),
]  # fmt: skip
REAL_BAD = [
    ("csv/fivethirtyeight_twitter-ratio_BarackObama.csv", 422,
     "byte 0xe4 at row 4 (line 5) is not valid UTF-8"),
    ("pdf/pdfplumber/password-example.pdf", 422, "is encrypted; give its password"),
    ("pdf/pdfplumber/issue-203-decimalize.pdf", 422,
     "page 1 has no text layer; OCR is not supported"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "status", "message"), BAD_INPUTS)
def test_bad_inputs_are_refused_with_where_and_nothing_stored(
    app: Flask, session, project, name, data, status, message
) -> None:
    response = _upload(api_as(app, "mgr"), project, name, data)
    assert response.status_code == status, response.json
    assert message in response.json["error"]["message"]
    assert _counts(session) == (0, 0, 0)


@pytest.mark.parametrize(("path", "status", "message"), REAL_BAD)
def test_bad_real_files_are_refused(app: Flask, session, project, path, status, message) -> None:
    data = (DATA / path).read_bytes()
    response = _upload(api_as(app, "mgr"), project, Path(path).name, data)
    assert response.status_code == status and message in response.json["error"]["message"]
    assert _counts(session) == (0, 0, 0)


def test_truncated_pdf_is_a_clear_error(app: Flask, session, project) -> None:
    data = (DATA / "pdf" / "pdfminer" / "dmca.pdf").read_bytes()[:5000]
    response = _upload(api_as(app, "mgr"), project, "dmca.pdf", data)
    assert (
        response.status_code == 422 and "damaged or truncated" in response.json["error"]["message"]
    )


def _broken_jsonl() -> bytes:
    good = b"".join(b'{"text": "Document %d."}\n' % i for i in range(1, 5001))
    return good + b'{"text": broken\n' + b'{"text": "After the break."}\n'


def test_a_broken_line_aborts_the_file_unless_good_rows_are_kept(
    app: Flask, session, project
) -> None:
    api = api_as(app, "mgr")
    aborted = _upload(api, project, "big.jsonl", _broken_jsonl())
    assert aborted.status_code == 422
    assert "big.jsonl, line 5001" in aborted.json["error"]["message"]
    assert _counts(session) == (0, 0, 0)
    kept = _upload(api, project, "big.jsonl", _broken_jsonl(), keep_good_rows="true")
    assert kept.status_code == 201
    assert kept.json["imported"] == 5001
    assert kept.json["errors"] == [
        {"where": "big.jsonl, line 5001", "message": "not valid JSON: Expecting value at column 10"}
    ]


def test_duplicates_are_skipped_unless_asked(app: Flask, session, project) -> None:
    api = api_as(app, "mgr")
    data = b"text\nOne.\nTwo.\nOne.\n"
    first = _upload(api, project, "a.csv", data)
    assert (first.json["imported"], first.json["skipped"]) == (2, 1)
    again = _upload(api, project, "a.csv", data)
    assert (again.json["imported"], again.json["skipped"]) == (0, 3)
    forced = _upload(api, project, "a.csv", data, dedupe="false")
    assert (forced.json["imported"], forced.json["skipped"]) == (3, 0)


def test_oversized_upload_gets_413(app: Flask, session, project, database_url, tmp_path) -> None:
    small = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x",
                        "INSTANCE": str(tmp_path), "MAX_UPLOAD_MB": 1})  # fmt: skip
    response = _upload(api_as(small, "mgr"), project, "big.txt", b"word " * 300_000)
    assert response.status_code == 413
    assert "1 MB" in response.json["error"]["message"]
    assert _counts(session) == (0, 0, 0)


def test_overlong_documents_are_rejected_with_their_row(
    app: Flask, session, project, database_url, tmp_path
) -> None:
    strict = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "x",
                         "INSTANCE": str(tmp_path), "MAX_DOCUMENT_CHARS": 10})  # fmt: skip
    api = api_as(strict, "mgr")
    response = _upload(api, project, "rows.csv", b"text\nshort\nmuch too long a text\n",
                       keep_good_rows="true")  # fmt: skip
    assert response.json["imported"] == 1
    assert response.json["errors"][0]["where"] == "rows.csv, row 2"
    assert "limit is 10" in response.json["errors"][0]["message"]


def test_import_starts_preannotation(app: Flask, session, project) -> None:
    response = _upload(api_as(app, "mgr"), project, "a.txt", b"Ada Lovelace met Babbage.",
                       preannotate="true")  # fmt: skip
    assert response.status_code == 201 and response.json["job"] is not None
    app.extensions["textlabel.jobs"].wait(response.json["job"], timeout=120)
    assert session.scalar(select(func.count()).where(Annotation.kind == "prediction")) == 1


def test_annotators_may_not_import(app: Flask, session, project) -> None:
    make_user(session, "ann")
    from textlabel.projects.service import set_member

    set_member(
        session,
        project,
        "ann",
        "annotator",
        session.get(type(project), project.id).memberships[0].user,
    )
    response = _upload(api_as(app, "ann"), project, "a.csv", b"text\nhi\n")
    assert response.status_code == 403


def test_upload_page_shows_the_result_and_errors(app: Flask, session, project) -> None:
    browser = sign_in(app.test_client(), "mgr")
    assert "Drop a file here" in browser.get(f"/projects/{project.id}/import").get_data(
        as_text=True
    )

    def post(name: str, data: bytes) -> str:
        fields = {"csrf_token": browser.csrf, "preannotate": "false"}
        body, content_type = _multipart(fields, name, data)
        return browser.post(
            f"/projects/{project.id}/import", data=body, content_type=content_type,
            headers={"HX-Request": "true"},
        ).get_data(as_text=True)  # fmt: skip

    ok = post("a.csv", b"text\nOne.\nTwo.\n")
    assert "Imported 2 documents" in ok and "<html" not in ok
    bad = post("b.csv", b"title\nx\n")
    assert "Nothing was imported" in bad and "fields found: &#39;title&#39;" in bad


def test_cli_import(app: Flask, session, project, database_url, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    good = tmp_path / "good.txt"
    good.write_text("First paragraph.\n\nSecond paragraph.\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("title\nx\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli.main, ["import", str(project.id), str(good), str(bad), "--split", "paragraph"]
    )
    assert result.exit_code == 2
    assert "imported 2" in result.output and "nothing imported" in result.output
    assert session.scalar(select(func.count(Document.id))) == 2
