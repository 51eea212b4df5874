"""Bulk actions on a selection of documents (issue 15): assign to named annotators, reset,
delete (each previewed first and audited), export the selection; API and Chromium."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as, browser_sign_in
from textlabel.models import Annotation, Document, Event

TEXTS = ["Ada met Charles.", "Paris is big.", "Rome is old.", "Berlin is far."]


@pytest.fixture
def project(session):
    boss, *_ = make_users(session, "boss", "ann1", "ann2", "rev")
    project = make_project(
        session, boss, members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"},
        overlap=1,
    )  # fmt: skip
    add_documents(session, project, TEXTS)
    return project


def _bulk(app: Flask, project, user: str = "boss", status: int = 200, **body):
    response = api_as(app, user).post(f"/projects/{project.id}/documents/bulk", json=body)
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def test_assign_gives_named_annotators_those_documents_first(app: Flask, project) -> None:
    preview = _bulk(app, project, action="assign", ids=[3, 4], annotators=["ann2"], preview=True)
    assert preview["assigned"] == {"ann2": 2} and preview["done"] is False
    assert api_as(app, "ann2").get("/documents/3/annotations/me").json["version"] == 0
    done = _bulk(app, project, action="assign", ids=[3, 4], annotators=["ann2"])
    assert done["assigned"] == {"ann2": 2} and done["done"] is True
    # The queue hands out the assigned drafts before new documents.
    ann2 = api_as(app, "ann2")
    assert ann2.get(f"/projects/{project.id}/next").json["document"]["id"] == 3
    # Overlap 1: ann1 cannot also get documents 3 and 4; document 1 is free.
    again = _bulk(app, project, action="assign", ids=[1, 3, 4], annotators=["ann1", "ann2"])
    assert again["assigned"] == {"ann1": 1, "ann2": 0} and again["full"] == [1, 3, 4]
    assert again["already"] == {"ann1": 0, "ann2": 2}
    refused = _bulk(app, project, status=422, action="assign", ids=[1], annotators=["rev"])
    assert "rev" in refused["error"]["message"]
    assert _bulk(app, project, "ann1", 403, action="assign", ids=[1], annotators=["ann1"])


def test_reset_and_delete_say_what_they_remove_then_do_it(app: Flask, project, session) -> None:
    ann = api_as(app, "ann1")
    taken = ann.get(f"/projects/{project.id}/next").json
    ann.put("/documents/1/annotations/me", json={"version": taken["annotation"]["version"],
            "status": "submitted", "spans": [{"start": 0, "end": 3, "label": "PER"}]})  # fmt: skip
    preview = _bulk(app, project, action="reset", ids=[1, 2], preview=True)
    # Overlap 1: the submission became gold at once; both go, the model's would stay.
    assert preview["annotations"] == {"manual": 1, "gold": 1} and preview["entities"] == 2
    assert session.scalar(select(func.count(Annotation.id))) >= 1  # nothing removed yet
    _bulk(app, project, action="reset", ids=[1, 2])
    assert session.scalar(select(func.count(Annotation.id))) == 0
    deleted = _bulk(app, project, action="delete", ids=[2, 3])
    assert deleted["documents"] == 2 and deleted["done"]
    left = session.scalars(select(Document.id).order_by(Document.id)).all()
    assert left == [1, 4]
    events = session.scalars(select(Event.action).where(Event.action.like("documents.%")))
    assert sorted(events) == ["documents.delete", "documents.reset"]
    missing = _bulk(app, project, status=422, action="delete", ids=[2])
    assert "2" in missing["error"]["message"]


def test_export_takes_a_selection(app: Flask, project) -> None:
    ann = api_as(app, "ann1")
    for _ in TEXTS:  # overlap 1: each submission is gold at once
        taken = ann.get(f"/projects/{project.id}/next").json
        did, version = taken["document"]["id"], taken["annotation"]["version"]
        ann.put(f"/documents/{did}/annotations/me",
                json={"version": version, "status": "submitted", "spans": []})  # fmt: skip
    api = api_as(app, "boss")
    response = api.get(f"/projects/{project.id}/export?format=jsonl&source=gold&ids=2,4&dev=0")
    assert response.status_code == 200, response.get_data(as_text=True)
    lines = [json.loads(line) for line in response.get_data(as_text=True).splitlines() if line]
    assert [line["text"] for line in lines] == [TEXTS[1], TEXTS[3]]


@pytest.mark.browser
def test_bulk_assign_and_delete_in_the_browser(app: Flask, project, page, session) -> None:
    browser_sign_in(page, "boss")
    page.goto(f"/projects/{project.id}")
    page.check("input[aria-label='select document 2']")
    page.check("input[aria-label='select document 3']")
    page.select_option("select[name=action]", "assign")
    page.select_option("select[name=annotators]", ["ann1"])
    page.click("button:has-text('Review…')")
    assert "assign 2 to ann1 of 2 documents" in page.inner_text("#bulk-summary")
    page.click("button:has-text('Assign 2 documents')")
    page.wait_for_url(f"**/projects/{project.id}")
    assert "Done: assign 2 to ann1" in page.inner_text("body")
    page.check("input[data-select-all]")
    assert page.locator("input[name=ids]:checked").count() == 4
    page.select_option("select[name=action]", "delete")
    page.click("button:has-text('Review…')")
    assert "delete 4 documents, removing annotations: 2 manual" in page.inner_text("#bulk-summary")
    page.click("button:has-text('Delete 4 documents')")
    page.wait_for_url(f"**/projects/{project.id}")
    assert session.scalar(select(func.count(Document.id))) == 0
