"""The metadata filter of the document list (``meta=FIELD=VALUE``) on both backends, checked
against the same filter written in Python over random metadata: strings as they are, numbers
as written, true / false, absent fields and objects matching nothing."""

from __future__ import annotations

import json
import random
from urllib.parse import quote

import pytest

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in

VALUES = ["bbc", "BBC", "reuters", "a=b", "", "2017", 2017, 2018, 3.5, True, False, None,
          {"x": 1}, [1, 2], "ünïcode", "with space"]  # fmt: skip


def _as_text(value) -> str | None:
    """What the filter compares, computed independently: JSON's own text of scalars."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    return None  # objects, arrays, null: nothing the filter matches by value


@pytest.fixture
def documents(session):
    rng = random.Random(7)
    owner = make_user(session, "boss")
    project = make_project(session, owner)
    added = add_documents(session, project, [f"Document number {i}." for i in range(60)])
    metas = []
    for document in added:
        meta = {field: rng.choice(VALUES) for field in ("source", "year", "odd key.x")
                if rng.random() < 0.8}  # fmt: skip
        document.meta = meta
        metas.append((document.id, meta))
    session.commit()
    return project, metas


def _ids(app, project, query: str, status: int = 200):
    response = api_as(app, "boss").get(f"/projects/{project.id}/documents?per_page=100&{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]] if status == 200 else response.json


@pytest.mark.parametrize("field", ["source", "year", "odd key.x"])
def test_meta_filter_matches_a_python_filter(app, documents, field: str) -> None:
    project, metas = documents
    found = 0
    for value in ["bbc", "BBC", "a=b", "", "2017", "2018", "3.5", "true", "false", "ünïcode",
                  "with space", "missing"]:  # fmt: skip
        expected = [did for did, meta in metas if field in meta and _as_text(meta[field]) == value]
        got = _ids(app, project, "meta=" + quote(f"{field}={value}"))
        assert got == expected, (field, value)
        found += len(got)
    assert found > 20  # the values above do occur: the comparison is not between empty lists


def test_meta_filter_combines_with_the_others_and_refuses_bad_input(app, documents) -> None:
    project, metas = documents
    expected = [did for did, meta in metas if _as_text(meta.get("source")) == "bbc"][::-1]
    assert _ids(app, project, "meta=source%3Dbbc&sort=-id") == expected
    assert _ids(app, project, "meta=source%3Dbbc&q=number") == expected[::-1]
    assert _ids(app, project, "meta=source%3Dbbc&gold=true") == []
    refused = _ids(app, project, "meta=source", status=422)
    assert "FIELD=VALUE" in refused["error"]["message"]
    assert "quotes" in _ids(app, project, "meta=" + quote('a"b=1'), status=422)["error"]["message"]
    assert "NUL" in _ids(app, project, "meta=source%3Da%00b", status=422)["error"]["message"]


def test_the_document_list_page_filters_by_metadata(app, documents) -> None:
    project, metas = documents
    bbc = {did for did, meta in metas if _as_text(meta.get("source")) == "bbc"}
    page = sign_in(app.test_client(), "boss").get(f"/projects/{project.id}?meta=source%3Dbbc")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'value="source=bbc"' in html
    shown = {did for did, _ in metas if f'name="ids" value="{did}"' in html}
    assert shown == bbc
