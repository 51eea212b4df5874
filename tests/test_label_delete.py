"""Deleting a label in use (issue 15, defect 3): the counts first, then relabel or remove its
entities in one audited step; no saved annotation is left holding an unknown label, and save
errors quote the words of the span, not its offsets."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as, browser_sign_in
from textlabel.models import Event

TEXT = "Ada Lovelace met Charles Babbage in London."
ADA = {"start": 0, "end": 12, "label": "PER"}
CHARLES = {"start": 17, "end": 32, "label": "PER"}
LONDON = {"start": 36, "end": 42, "label": "LOC"}


@pytest.fixture
def project(session):
    boss, *_ = make_users(session, "boss", "ann")
    project = make_project(session, boss, members={"ann": "annotator"})
    add_documents(session, project, [TEXT])
    return project


def _save(app: Flask, project, spans: list, status: str = "draft") -> dict:
    api = api_as(app, "ann")
    taken = api.get(f"/projects/{project.id}/next").json
    did, version = taken["document"]["id"], taken["annotation"]["version"]
    saved = api.put(f"/documents/{did}/annotations/me",
                    json={"version": version, "status": status, "spans": spans})  # fmt: skip
    assert saved.status_code == 200, saved.json
    return saved.json


def _label_id(project, name: str) -> int:
    return next(label.id for label in project.labels if label.name == name)


def test_a_label_in_use_is_refused_with_its_counts(app: Flask, project) -> None:
    _save(app, project, [ADA, LONDON])
    boss = api_as(app, "boss")
    per = _label_id(project, "PER")
    usage = boss.get(f"/projects/{project.id}/labels/{per}/usage").json
    assert usage == {"entities": 1, "manual": 1, "gold": 0, "prediction": 0,
                     "annotations": 1, "documents": 1}  # fmt: skip
    refused = boss.delete(f"/projects/{project.id}/labels/{per}")
    assert refused.status_code == 409
    assert "PER is used by 1 entities (1 by annotators) in 1 documents" in (
        refused.json["error"]["message"])  # fmt: skip
    assert [lb["name"] for lb in boss.get(f"/projects/{project.id}").json["labels"]] == [
        "PER", "ORG", "LOC"]  # fmt: skip
    unused = boss.delete(f"/projects/{project.id}/labels/{_label_id(project, 'ORG')}")
    assert unused.status_code == 204


def test_relabel_keeps_the_work_and_an_open_editor_must_reload(app: Flask, project, session):
    saved = _save(app, project, [ADA, LONDON])
    boss = api_as(app, "boss")
    per = _label_id(project, "PER")
    bad = boss.delete(f"/projects/{project.id}/labels/{per}?spans=relabel&relabel_to=PER")
    assert bad.status_code == 422 and "another label" in bad.json["error"]["message"]
    done = boss.delete(f"/projects/{project.id}/labels/{per}?spans=relabel&relabel_to=ORG")
    assert done.status_code == 204, done.json
    ann = api_as(app, "ann")
    did = 1
    mine = ann.get(f"/documents/{did}/annotations/me").json
    assert [(s["start"], s["end"], s["label"]) for s in mine["spans"]] == [
        (0, 12, "ORG"), (36, 42, "LOC")]  # fmt: skip
    assert mine["version"] == saved["version"] + 1
    # The editor still open on the old version gets 409 (reload), not "unknown label".
    old = {"version": saved["version"], "status": "draft", "spans": [ADA]}
    stale = ann.put(f"/documents/{did}/annotations/me", json=old)
    assert stale.status_code == 409
    event = session.scalar(select(Event).where(Event.action == "label.delete"))
    assert event.subject == "PER" and event.before["usage"]["entities"] == 1
    assert event.after["relabel_to"] == "ORG"


def test_remove_deletes_the_entities_of_the_label_only(app: Flask, project) -> None:
    saved = _save(app, project, [ADA, LONDON], status="submitted")
    boss = api_as(app, "boss")
    loc = _label_id(project, "LOC")
    assert boss.delete(f"/projects/{project.id}/labels/{loc}?spans=remove").status_code == 204
    mine = api_as(app, "ann").get("/documents/1/annotations/me").json
    assert [s["label"] for s in mine["spans"]] == ["PER"]
    assert mine["status"] == "submitted" and mine["version"] == saved["version"] + 1


def test_save_errors_quote_the_words(app: Flask, project) -> None:
    api = api_as(app, "ann")
    taken = api.get(f"/projects/{project.id}/next").json
    body = {"version": taken["annotation"]["version"], "status": "draft",
            "spans": [{"start": 17, "end": 32, "label": "GHOST"}]}  # fmt: skip
    refused = api.put("/documents/1/annotations/me", json=body)
    assert refused.status_code == 422
    message = refused.json["error"]["message"]
    assert "'Charles Babbage'" in message and "GHOST" in message and "[17" not in message
    body["spans"] = [ADA, {"start": 4, "end": 12, "label": "LOC"}]
    overlap = api.put("/documents/1/annotations/me", json=body).json["error"]["message"]
    assert "'Lovelace' (LOC) overlaps entity 'Ada Lovelace' (PER)" in overlap


@pytest.mark.browser
def test_deleting_a_used_label_in_the_browser_offers_relabel(app: Flask, project, page) -> None:
    _save(app, project, [ADA])
    page.on("dialog", lambda dialog: dialog.accept())
    browser_sign_in(page, "boss")
    page.goto(f"/projects/{project.id}/settings")
    page.click("button[aria-label='delete label PER']")
    page.wait_for_selector("#label-usage")
    assert "1 entities (1 by annotators) in 1 documents" in page.inner_text("#label-usage")
    page.select_option("select[name=relabel_to]", "LOC")
    page.click("button:has-text('Delete label PER')")
    page.wait_for_url(f"**/projects/{project.id}/settings")
    assert "relabelled LOC" in page.inner_text("body")
    assert page.locator("button[aria-label='delete label PER']").count() == 0
    mine = api_as(app, "ann").get("/documents/1/annotations/me").json
    assert [s["label"] for s in mine["spans"]] == ["LOC"]


def test_removing_entities_drops_the_relations_at_them(app: Flask, session) -> None:
    make_users(session, "mgr", "ann")
    mgr = api_as(app, "mgr")
    body = {"name": "Rel", "labels": [{"name": "PER"}, {"name": "LOC"}],
            "layers": ["entities", "relations"],
            "relation_labels": [{"name": "knows"}, {"name": "lives_in"}]}  # fmt: skip
    project = mgr.post("/projects", json=body).json
    mgr.post(f"/projects/{project['id']}/members", json={"username": "ann", "role": "annotator"})
    from textlabel.models import Project

    add_documents(session, session.get(Project, project["id"]), [TEXT])
    ada, charles, london = (0, 12), (17, 32), (36, 42)

    def rel(head, child, label):
        return {"head": {"start": head[0], "end": head[1]},
                "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip

    api = api_as(app, "ann")
    api.get(f"/projects/{project['id']}/next")
    saved = api.put("/documents/1/annotations/me", json={
        "version": 1, "spans": [ADA, {**CHARLES}, LONDON],
        "relations": [rel(ada, charles, "knows"), rel(ada, london, "lives_in")]})  # fmt: skip
    assert saved.status_code == 200, saved.json
    loc = next(lb["id"] for lb in project["labels"] if lb["name"] == "LOC")
    done = mgr.delete(f"/projects/{project['id']}/labels/{loc}?spans=remove")
    assert done.status_code == 204, done.get_data(as_text=True)
    mine = api.get("/documents/1/annotations/me").json
    assert [s["label"] for s in mine["spans"]] == ["PER", "PER"]
    assert mine["relations"] == [rel(ada, charles, "knows")]
