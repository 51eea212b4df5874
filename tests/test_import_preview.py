"""The import form's column picker: the preview API on real CSV and JSONL files, located
errors, an import with the picked text column and metadata, and one Chromium run."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as, browser_sign_in
from textlabel import cli
from textlabel.models import Document

CASTLES = DATA / "csv" / "fivethirtyeight_riddler-castles_castle-solutions-2.csv"
TWEETS = DATA / "csv" / "fivethirtyeight_twitter-ratio_BarackObama.csv"
HEADLINES = DATA / "peer_formats" / "prodigy" / "raw_news-headlines-nyt.jsonl"
WHY = "Why did you choose your troop deployment?"


@pytest.fixture
def project(session):
    return make_project(session, make_user(session, "mgr"), labels=("PER", "ORG"))


def _post(api, url: str, name: str, data: bytes, **form):
    return api.post(url, data={**form, "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")  # fmt: skip


def _preview(api, project, name: str, data: bytes, **form):
    return _post(api, f"/projects/{project.id}/documents/preview", name, data, **form)


def test_preview_of_a_csv_shows_its_header_and_first_rows_as_csv_reads_them(
    app: Flask, project
) -> None:
    api = api_as(app, "mgr")
    response = _preview(api, project, CASTLES.name, CASTLES.read_bytes(), rows="3")
    assert response.status_code == 200, response.json
    with CASTLES.open(encoding="utf-8", newline="") as f:
        expected = list(csv.reader(f))
    body = response.json
    assert body["format"] == "csv" and body["columns"] == expected[0]
    assert body["text_field"] is None  # no text / content / body column: the picker is needed
    assert [row["values"] for row in body["rows"]] == [
        [v if len(v) <= 300 else v[:299] + "…" for v in row] for row in expected[1:4]
    ]
    assert body["rows"][0]["where"] == "row 1 (line 2)"
    # A head cut mid-record (as the browser sends it) still previews the whole rows before.
    head = CASTLES.read_bytes()[:2000]
    cut = _preview(api, project, CASTLES.name, head, rows="50", truncated="true")
    assert cut.status_code == 200 and 1 <= len(cut.json["rows"]) < 50
    assert _preview(api, project, CASTLES.name, head, rows="50").status_code == 422


def test_preview_of_jsonl_lists_keys_and_json_cells(app: Flask, project) -> None:
    response = _preview(api_as(app, "mgr"), project, HEADLINES.name, HEADLINES.read_bytes())
    assert response.status_code == 200, response.json
    objects = [json.loads(line) for line in HEADLINES.read_text("utf-8").splitlines()[:5]]
    assert response.json["columns"] == ["text", "meta"]
    assert response.json["text_field"] == "text"
    assert [r["values"] for r in response.json["rows"]] == [
        [o["text"], json.dumps(o["meta"], ensure_ascii=False)] for o in objects
    ]
    assert [r["where"] for r in response.json["rows"]] == [f"line {n}" for n in range(1, 6)]


def test_preview_of_a_json_object_wrapping_an_array_shows_the_items_as_the_import_takes_them(
    app: Flask, project
) -> None:
    objects = [json.loads(line) for line in HEADLINES.read_text("utf-8").splitlines()]
    wrapped = json.dumps({"version": 2, "source": {"name": "nyt"}, "data": objects}, indent=1)
    api = api_as(app, "mgr")
    response = _preview(api, project, "wrapped.json", wrapped.encode(), rows="3")
    assert response.status_code == 200, response.json
    assert response.json["columns"] == ["text", "meta"] and response.json["text_field"] == "text"
    assert [r["values"][0] for r in response.json["rows"]] == [o["text"] for o in objects[:3]]
    assert [r["where"] for r in response.json["rows"]] == ["record 1", "record 2", "record 3"]
    # The browser's head of a large file is cut mid-array: the items before the cut show.
    head = wrapped.encode()[: len(wrapped) // 2]
    cut = _preview(api, project, "wrapped.json", head, rows="50", truncated="true")
    assert cut.status_code == 200, cut.json
    assert [r["values"][0] for r in cut.json["rows"]] == [
        o["text"] for o in objects[: len(cut.json["rows"])]
    ]
    # The import reads the same file the same way.
    imported = _post(api, f"/projects/{project.id}/documents", "wrapped.json", wrapped.encode(),
                     preannotate="false")  # fmt: skip
    assert imported.status_code == 201 and imported.json["imported"] == len(
        {o["text"] for o in objects}
    ), imported.json
    # Two arrays: the import cannot tell which holds the documents, nor can the preview.
    two = json.dumps({"a": objects[:2], "b": objects[2:4]}).encode()
    refused = _preview(api, project, "two.json", two)
    assert refused.status_code == 422 and "'a', 'b'" in refused.json["error"]["message"]


@pytest.mark.parametrize(
    ("name", "data", "where"),
    [
        (TWEETS.name, TWEETS.read_bytes(), "row 4 (line 5)"),  # not UTF-8 there
        ("bad.jsonl", b'{"text": "fine"}\n{"text": broken\n', "line 2"),
        ("bad.json", b'[{"text": "a"}, 3]', "record 2"),
        ("short.csv", b"text,n\nhello,1\nworld\n", "row 2 (line 3)"),
    ],
)
def test_a_bad_file_is_a_422_naming_the_file_and_the_row(
    app: Flask, project, name: str, data: bytes, where: str
) -> None:
    response = _preview(api_as(app, "mgr"), project, name, data)
    assert response.status_code == 422, response.json
    message = response.json["error"]["message"]
    assert name in message and where in message, message


def test_preview_needs_a_manager_and_a_file_and_says_why_conll_has_no_columns(
    app: Flask, session, project
) -> None:
    make_user(session, "ann")
    url = f"/projects/{project.id}/documents/preview"
    assert _post(api_as(app, "ann"), url, "a.csv", b"text\nx\n").status_code in (403, 404)
    api = api_as(app, "mgr")
    assert api.post(url, data={}, content_type="multipart/form-data").status_code == 422
    conll = DATA / "ner" / "sec_filings_FIN3.conll"
    answer = _preview(api, project, conll.name, conll.read_bytes()[:4096], truncated="true")
    assert answer.status_code == 200 and answer.json["columns"] == []
    assert "no columns" in answer.json["note"]


def test_import_keeps_the_picked_text_column_and_only_the_picked_metadata(
    app: Flask, session, project
) -> None:
    response = _post(
        api_as(app, "mgr"), f"/projects/{project.id}/documents", CASTLES.name,
        CASTLES.read_bytes(), text_field=WHY, meta_fields="Castle 1, Castle 10",
        preannotate="false",
    )  # fmt: skip
    assert response.status_code == 201, response.json
    with CASTLES.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r[WHY].strip()]
    stored = session.execute(select(Document.text, Document.meta).order_by(Document.id)).all()
    by_text: dict[str, dict[str, str]] = {}
    for r in rows:  # a repeated answer is a duplicate: the first one is kept
        by_text.setdefault(r[WHY], {"Castle 1": r["Castle 1"], "Castle 10": r["Castle 10"]})
    assert len(stored) == len(by_text) and all(by_text[t] == m for t, m in stored)


def test_cli_import_takes_the_text_column_and_metadata_columns(
    session, project, database_url, tmp_path, monkeypatch
) -> None:
    for name, value in (("DATABASE_URL", database_url), ("INSTANCE", str(tmp_path)),
                        ("SECRET_KEY", "x")):  # fmt: skip
        monkeypatch.setenv(f"TEXTLABEL_{name}", value)
    path = tmp_path / "notes.csv"
    path.write_text("id,note,source,year\n1,First note.,bbc,2017\n2,Second.,rtl,2018\n", "utf-8")
    args = ["import", str(project.id), str(path), "--text-field", "note", "--meta-fields", "year"]
    result = CliRunner().invoke(cli.main, args)
    assert result.exit_code == 0, result.output
    stored = session.execute(select(Document.text, Document.meta).order_by(Document.id)).all()
    assert [tuple(row) for row in stored] == [("First note.", {"year": "2017"}),
                                              ("Second.", {"year": "2018"})]  # fmt: skip


@pytest.mark.browser
def test_browser_picks_the_text_column_from_the_preview_and_imports(
    app: Flask, session, project, page
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_sign_in(page, "mgr")
    page.goto(f"/projects/{project.id}/import")
    page.uncheck("input[name=preannotate][type=checkbox]")
    page.set_input_files("input[type=file]", str(CASTLES))
    picker = page.locator("#column-picker")
    picker.locator("table.preview tbody tr").nth(4).wait_for()
    assert picker.locator("tbody tr").count() == 5
    page.get_by_label(f"text column {WHY}").check()
    assert page.input_value("input[name=text_field]") == WHY
    for n in range(2, 10):
        page.get_by_label(f"keep Castle {n} as metadata").uncheck()
    page.click("#import-form button.primary")
    page.locator("#import-result h2", has_text="Imported").wait_for()
    meta = session.scalars(select(Document.meta)).all()
    assert meta and all(set(m) == {"Castle 1", "Castle 10"} for m in meta)
    assert errors == []
