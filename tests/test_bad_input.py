"""Bad input answers a 4xx naming the field and the place, never a 500 (issue 14, defect 3).

Each case is one of the probe's reproducers; on today's main they raised (RecursionError,
ValueError, UnicodeEncodeError, LookupError, ZeroDivisionError, OverflowError, psycopg's
DataError on PostgreSQL) or stored what the database or a browser cannot take back.
Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in
from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.registry import read_file
from textlabel.models import Document, Event, Label

DEEP = "[" * 100_000 + "]" * 100_000
LONG_INT = "1" * 5000


@pytest.fixture
def project(session):
    owner = make_user(session, "mgr", admin=True)
    return make_project(session, owner, labels=("PER", "ORG"))


def _upload(api, project, name: str, data: bytes, **form):
    upload = FileStorage(io.BytesIO(data), filename=name)
    fields = MultiDict({"preannotate": "false", **form, "file": upload})
    boundary, body = encode_multipart(fields)
    return api.post(
        f"/projects/{project.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _raw_json(api, method: str, path: str, body: str):
    return api.open(path, method=method, data=body.encode(), content_type="application/json")


def _documents(session) -> int:
    return session.scalar(select(func.count(Document.id)))


BODIES = [
    ("deep", '{"name": "x", "labels": ' + DEEP + "}", "nest more than 64 levels"),
    ("deep but parseable", '{"name": "x", "description": ' + "[" * 500 + "]" * 500 + "}",
     "description"),
    ("long integer", '{"name": "x", "overlap": ' + LONG_INT + "}", "number is too long"),
    ("lone surrogate", '{"name": "a\\ud800b"}', "name: text contains a lone surrogate"),
    ("surrogate in a key", '{"name": "x", "\\udc00": 1}', "a key contains a lone surrogate"),
    ("NUL", '{"name": "a\\u0000b"}', "name: text contains a NUL character"),
    ("NaN", '{"name": "x", "overlap": NaN}', "NaN is not a JSON number"),
    ("infinity", '{"name": "x", "overlap": 1e999}', "out of range; numbers must be finite"),
    ("not UTF-8", '{"name": "\xff"}', ""),
]  # fmt: skip


@pytest.mark.parametrize(("case", "body", "message"), BODIES, ids=[b[0] for b in BODIES])
def test_api_bodies_with_unstorable_values_are_422(app: Flask, project, case, body, message):
    api = api_as(app, "mgr")
    data = body.encode("latin-1") if case == "not UTF-8" else body.encode()
    response = api.post("/projects", data=data, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert message in response.json["error"]["message"]
    assert api.get("/projects").json[0]["name"] == project.name  # nothing else was created


def test_patch_with_nul_names_the_field(app: Flask, project):
    response = api_as(app, "mgr").patch(f"/projects/{project.id}", json={"description": "a\0b"})
    assert response.status_code == 422
    assert response.json["error"]["details"] == {"field": "description"}


@pytest.mark.parametrize(
    "body", ['{"username": "\\ud800", "password": "x"}', '{"username": ' + DEEP + "}"]
)
def test_the_unauthenticated_token_endpoint_refuses_bad_json(app: Flask, project, body):
    response = _raw_json(app.test_client(), "POST", "/api/v1/auth/token", body)
    assert response.status_code == 422
    json.loads(response.get_data(as_text=True))  # a valid JSON error, not a crash


UPLOADS = [
    ("deep.jsonl", '{"text": "a", "m": ' + DEEP + "}\n", "deep.jsonl: line 1: arrays and objects"),
    ("deep.json", '[{"text": "a", "m": ' + DEEP + "}]", "deep.json: the array item at line 1"),
    ("wrapped.json", '{"data": [{"text": "a", "m": ' + DEEP + "}]}", "wrapped.json: arrays"),
    ("long.jsonl", '{"text": "a", "n": ' + LONG_INT + "}\n", "line 1: a number is too long"),
    ("text.jsonl", '{"text": "a\\ud800b"}\n', "line 1: text: text contains a lone surrogate"),
    ("meta.jsonl", '{"text": "ok", "m": "\\udc00"}\n', "line 1: m: text contains a lone surrogate"),
    ("nul.jsonl", '{"text": "a\\u0000b"}\n', "text: text contains a NUL character"),
    ("nan.jsonl", '{"text": "ok", "x": NaN}\n', "line 1: NaN is not a JSON number"),
    ("inf.jsonl", '{"text": "ok", "x": 1e999}\n', "line 1: the number 1e999 is out of range"),
    ("inf.json", '[{"text": "ok", "x": -1e999}]', "the array item at line 1: the number -1e999"),
    ("score.jsonl", '{"text": "Ada", "spans": [{"start": 0, "end": 3, "label": "PER", '
     '"score": 1e400}]}\n', "out of range"),
    ("misc.conllu", "1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\tSpacesAfter=\\u0000\n"
     "2\tyou\tyou\tPRON\t_\t_\t1\tvocative\t_\t_\n\n",
     "misc.conllu, line 1: the text: text contains a NUL character"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "message"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_uploads_with_unstorable_values_are_422_with_file_and_line(
    app: Flask, session, project, name, data, message
):
    response = _upload(api_as(app, "mgr"), project, name, data.encode())
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert message in response.json["error"]["message"]
    assert _documents(session) == 0


@pytest.mark.parametrize("encoding", ["rot13", "zlib_codec", "hex", "base64", "unicode_escape"])
def test_only_text_encodings_are_accepted(encoding):
    options = ReadOptions(encoding=encoding)
    with pytest.raises(BadFormat, match="is not a text encoding"):
        list(read_file(io.BytesIO(b"text\nhello\n"), "x.csv", format="csv", options=options))


CONLLU = [
    ("head.conllu", "1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n2\tyou\tyou\tPRON\t_\t_\t\u00b2\t"
     "vocative\t_\t_\n\n", "line 2: HEAD '²' is not a word of the sentence"),
    ("id.conllu", "\u00b2\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n", "line 1: word id '²'"),
    ("range.conllu", "1-0\tHi\t_\t_\t_\t_\t_\t_\t_\t_\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n",
     "line 1: multiword token 1-0 ends before it starts"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "data", "message"), CONLLU, ids=[c[0] for c in CONLLU])
def test_conllu_ids_and_heads_are_ascii_numbers_in_order(name, data, message):
    with pytest.raises(BadFormat, match=message):
        list(read_file(io.BytesIO(data.encode()), name, format="conllu"))


@pytest.mark.parametrize(
    ("name", "data"),
    [("pages.csv", b"text,pages\nhello there,5\n"),
     ("pages.jsonl", b'{"text": "hello pages", "meta": {"pages": 5}}\n'),
     ("offsets.jsonl", b'{"text": "hello pages", "meta": {"pages": [[0, 99], [7]]}}\n')],
)  # fmt: skip
def test_metadata_named_pages_is_the_sources_own(app: Flask, session, project, name, data):
    api = api_as(app, "mgr")
    assert _upload(api, project, name, data).status_code == 201
    document = session.scalar(select(Document))
    browser = sign_in(app.test_client(), "mgr")
    browser.post(f"/documents/{document.id}/annotate", data={"csrf_token": browser.csrf})
    page = browser.get(f"/documents/{document.id}/annotate")
    assert page.status_code == 200 and "annotate-data" in page.get_data(as_text=True)
    assert 'class="pg"' not in page.get_data(as_text=True)
    out = api.get(f"/documents/{document.id}").json
    assert out["pages"] is None and "pages" in out["meta"]


@pytest.mark.parametrize("number", [2**31, 2**63, 10**20])
def test_ids_beyond_the_database_range_are_404(app: Flask, session, project, number):
    api = api_as(app, "mgr")
    assert api.get(f"/documents/{number}").status_code == 404
    assert api.get(f"/projects/{number}").status_code == 404
    browser = sign_in(app.test_client(), "mgr")
    assert browser.get(f"/documents/{number}/annotate").status_code == 404
    assert browser.get(f"/projects/{project.id}?page={number}").status_code == 200


@pytest.mark.parametrize("number", [2**31, 10**20])
def test_page_numbers_beyond_the_range_are_422(app: Flask, project, number):
    response = api_as(app, "mgr").get(f"/projects/{project.id}/documents?page={number}")
    assert response.status_code == 422
    assert "page" in response.json["error"]["details"]


def test_overlong_names_are_refused_or_shortened_never_a_500(app: Flask, session, project):
    api = api_as(app, "mgr")
    response = _upload(api, project, "a" * 300 + ".jsonl", b'{"text": "long name"}\n')
    assert response.status_code == 422
    assert "the file name has 306 characters" in response.json["error"]["message"]
    response = app.test_client().post(
        "/api/v1/auth/token", json={"username": "u" * 300, "password": "x" * 8}
    )
    assert response.status_code == 401  # a failed sign-in; its audit subject is shortened
    subject = session.scalar(select(Event.subject).where(Event.action == "login.failed"))
    assert len(subject) == 200 and subject.endswith("…")
    response = api.post(f"/projects/{project.id}/labels", json={"name": "L" * 300})
    assert response.status_code == 422


@pytest.mark.parametrize(
    "url",
    ["/api/v1/projects?x=a%00b", "/api/v1/projects/1/members/a%00b", "/projects/new?name=%00"],
)
def test_nul_in_the_path_or_query_is_422(app: Flask, project, url):
    response = api_as(app, "mgr").client.open(
        url, method="DELETE" if "members" in url else "GET",
        headers={"Authorization": api_as(app, "mgr").headers["Authorization"]},
    )  # fmt: skip
    assert response.status_code == 422, response.get_data(as_text=True)[:200]


def test_nul_in_a_form_field_is_422(app: Flask, project):
    browser = sign_in(app.test_client(), "mgr")
    response = browser.post(
        f"/projects/{project.id}/settings",
        data={"name": "P", "description": "a\0b", "csrf_token": browser.csrf},
    )
    assert response.status_code == 422
    assert "ield &#39;description&#39;: text contains a NUL" in response.text


def test_form_numbers_are_checked(app: Flask, session, project):
    browser = sign_in(app.test_client(), "mgr")
    response = browser.post(
        f"/projects/{project.id}/settings",
        data={"name": "P", "overlap": "\u00b2", "layers": "entities", "csrf_token": browser.csrf},
    )
    assert response.status_code == 200 and "overlap must be a whole number" in response.text
    response = browser.post(
        "/account", data={"action": "revoke", "token_id": "x9", "csrf_token": browser.csrf}
    )
    assert response.status_code == 200 and "token 0 not found" in response.text
    response = browser.post(
        "/account", data={"action": "revoke", "token_id": str(10**20), "csrf_token": browser.csrf}
    )
    assert response.status_code == 200 and "not found" in response.text


def test_imported_labels_follow_the_label_rules(app: Flask, session, project):
    api = api_as(app, "mgr")
    data = b'{"text": "Ada met O", "spans": [{"start": 8, "end": 9, "label": "O"}]}\n'
    response = _upload(api, project, "o.jsonl", data, add_labels="true")
    assert response.status_code == 422
    assert "o.jsonl, line 1: label name 'O'" in response.json["error"]["message"]
    assert _documents(session) == 0


def test_labels_of_skipped_duplicates_are_not_added(app: Flask, session, project):
    add_documents(session, project, ["Ada met Bob"])
    data = b'{"text": "Ada met Bob", "spans": [{"start": 0, "end": 3, "label": "NEW"}]}\n'
    response = _upload(api_as(app, "mgr"), project, "dup.jsonl", data, add_labels="true")
    assert response.status_code == 201
    assert response.json["skipped"] == 1 and response.json["labels_added"] == []
    assert "NEW" not in set(session.scalars(select(Label.name)))


def test_other_methods_on_a_missing_id_are_404_and_405_says_allow(app: Flask, project):
    api = api_as(app, "mgr")
    assert api.patch(f"/projects/{2**40}", json={"overlap": 2}).status_code == 404
    response = api.delete("/projects")
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_csv_field_may_hold_a_whole_document(app: Flask, session, project):
    """Defect 8: the csv module's 131,072-character field limit is not the document limit
    (1,000,000 characters): a document that long imports, one character more is refused
    by the document limit, with its row."""
    api = api_as(app, "mgr")
    words = ("word " * 200_000).strip()  # 999,999 characters
    ok = _upload(api, project, "long.csv", f'text,n\n"{words}x",1\n'.encode())
    assert ok.status_code == 201 and ok.json["imported"] == 1, ok.json
    assert len(session.scalar(select(Document.text))) == 1_000_000
    over = _upload(api, project, "longer.csv", f'text,n\n"{words}xy",1\n'.encode())
    body = json.dumps(over.json)
    assert over.json.get("imported", 0) == 0 and "row 1" in body, body
    assert "1,000,001 characters; the limit is 1,000,000" in body


@pytest.mark.parametrize(
    ("heads", "message"),
    [(("1", "0"), "line 2: HEAD '1' is the word itself"),
     (("2", "1", "0"), "line 2: HEAD values form a cycle")],
)  # fmt: skip
def test_conllu_heads_that_are_no_tree_are_refused(app: Flask, session, project, heads, message):
    """Defect 8: a head pointing at its own word, or heads in a cycle, are no dependency
    tree; they were stored and exported silently."""
    words = "ABC"[: len(heads)]
    rows = [f"{i}\t{w}\t{w}\tNOUN\t_\t_\t{h}\t{'root' if h == '0' else 'dep'}\t_\t_"
            for i, (w, h) in enumerate(zip(words, heads, strict=True), start=1)]  # fmt: skip
    data = ("# text = " + " ".join(words) + "\n" + "\n".join(rows) + "\n\n").encode()
    response = _upload(api_as(app, "mgr"), project, "tree.conllu", data)
    assert response.status_code == 422 and message in response.json["error"]["message"]
    assert session.scalar(select(Document.id)) is None
