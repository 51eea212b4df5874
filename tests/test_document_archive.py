"""Archiving one document (``POST /documents/{did}/archive`` / ``unarchive``, the bulk action and
the read-only view's button): what it affects is said first; an archived document leaves the
annotation queue, agreement, the review queue and exports, stays listed and readable, and
refuses saves with a 409 that says why, until it is unarchived."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as, browser_sign_in, sign_in
from textlabel.models import Document, Event

TEXTS = [
    "Ada Lovelace met Charles Babbage in London.",
    "Grace Hopper worked in Arlington for the Navy.",
    "Alan Turing was born in Maida Vale.",
]


def _put(app, name: str, did: int, spans, status: str = "submitted", version: int = 0):
    marked = [{"start": s, "end": e, "label": label} for s, e, label in spans]
    body = {"version": version, "status": status, "spans": marked}
    return api_as(app, name).put(f"/documents/{did}/annotations/me", json=body)


@pytest.fixture
def setup(app, session):
    boss, *_ = make_users(session, "boss", "ann1", "ann2", "rev")
    project = make_project(session, boss, members={"ann1": "annotator", "ann2": "annotator",
                                                   "rev": "reviewer"}, overlap=2)  # fmt: skip
    a, b, c = (d.id for d in add_documents(session, project, TEXTS))
    # A and B: both annotators submitted, disagreeing (both go to review); C: ann1's draft.
    for did, extra in ((a, (35, 41, "LOC")), (b, (24, 34, "LOC"))):
        assert _put(app, "ann1", did, [(0, 12, "PER"), extra]).status_code == 200
        assert _put(app, "ann2", did, [(0, 12, "PER")]).status_code == 200
    assert _put(app, "ann1", c, [(0, 11, "PER")], status="draft").status_code == 200
    return project, a, b, c


def _ids(api, url: str) -> list[int]:
    response = api.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item.get("id", item.get("document_id")) for item in response.json["items"]]


def _exported(api, pid: int) -> list[str]:
    response = api.get(f"/projects/{pid}/export?format=jsonl&source=annotations&dev=0")
    assert response.status_code == 200, response.get_data(as_text=True)
    lines = response.get_data(as_text=True).splitlines()
    return sorted({json.loads(line)["text"] for line in lines})  # a line per annotator


def test_archive_says_first_what_it_affects_then_sets_the_document_aside(
    app, session, setup
) -> None:
    project, a, b, c = setup
    boss, rev = api_as(app, "boss"), api_as(app, "rev")
    queue = f"/projects/{project.id}/review-queue"
    assert sorted(_ids(rev, queue)) == [a, b]
    agreement = boss.get(f"/projects/{project.id}/agreement").json
    assert agreement["n_documents"] == 2
    assert _exported(boss, project.id) == sorted(TEXTS[:2])

    preview = boss.post(f"/documents/{a}/archive?preview=true")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert preview.json["annotations"] == {"submitted": 2} and preview.json["in_review"] == 1
    assert preview.json["changed"] == [a] and preview.json["done"] is False
    assert session.scalar(select(Document.archived_at).where(Document.id == a)) is None
    assert api_as(app, "ann1").post(f"/documents/{a}/archive").status_code == 403
    assert rev.post(f"/documents/{a}/archive").status_code == 403

    done = boss.post(f"/documents/{a}/archive")
    assert done.status_code == 200 and done.json["done"] is True
    assert boss.get(f"/documents/{a}").json["archived_at"] is not None
    # Out of the review queue, agreement and exports; still listed, and filterable.
    assert _ids(rev, queue) == [b]
    assert boss.get(f"/projects/{project.id}/agreement").json["n_documents"] == 1
    assert _exported(boss, project.id) == [TEXTS[1]]
    listing = boss.get(f"/projects/{project.id}/documents").json["items"]
    assert [(d["id"], d["archived"]) for d in listing] == [(a, True), (b, False), (c, False)]
    assert _ids(boss, f"/projects/{project.id}/documents?archived=true") == [a]
    assert _ids(boss, f"/projects/{project.id}/documents?archived=false") == [b, c]
    # Saves are refused, saying why; reading is not.
    version = api_as(app, "ann1").get(f"/documents/{a}/annotations/me").json["version"]
    refused = _put(app, "ann1", a, [(0, 12, "PER")], version=version)
    assert refused.status_code == 409 and "archived" in refused.json["error"]["message"]
    assert refused.json["error"]["details"]["archived"] is True
    gold = rev.get(f"/documents/{a}/gold").json
    spans = [{"start": 0, "end": 12, "label": "PER"}]
    body = {"version": gold["version"], "status": "submitted", "spans": spans}
    put_gold = rev.put(f"/documents/{a}/gold", json=body)
    assert put_gold.status_code == 409 and "archived" in put_gold.json["error"]["message"]
    assert boss.post(f"/documents/{a}/archive").json["changed"] == []  # already archived

    back = boss.post(f"/documents/{a}/unarchive")
    assert back.status_code == 200 and back.json["changed"] == [a]
    assert sorted(_ids(rev, queue)) == [a, b]
    assert boss.get(f"/projects/{project.id}/agreement").json["n_documents"] == 2
    version = api_as(app, "ann1").get(f"/documents/{a}/annotations/me").json["version"]
    again = _put(app, "ann1", a, [(0, 12, "PER")], version=version)
    assert again.status_code == 200, again.json
    session.expire_all()
    actions = session.scalars(select(Event.action).where(Event.project_id == project.id)).all()
    assert actions.count("documents.archive") == 1 and "documents.unarchive" in actions


def test_an_archived_document_leaves_the_annotation_queue_with_its_drafts(
    app, session, setup
) -> None:
    project, a, b, c = setup
    boss = api_as(app, "boss")
    bulk = f"/projects/{project.id}/documents/bulk"
    preview = boss.post(bulk, json={"action": "archive", "ids": [c], "preview": True})
    assert preview.json["drafts"] == {"ann1": 1} and preview.json["annotations"] == {"draft": 1}
    assert boss.post(bulk, json={"action": "archive", "ids": [c]}).json["done"] is True
    nxt = f"/projects/{project.id}/next"
    # A and B have their two annotators; C is archived: nothing for either, ann1's draft waits.
    assert api_as(app, "ann2").get(nxt).json["document"] is None
    waiting = api_as(app, "ann1").get(nxt).json
    assert waiting["document"] is None
    assert waiting["progress"] == {"done": 2, "assigned": 2, "total": 2}, "C is out of the count"
    claimed = api_as(app, "ann2").post(f"/documents/{c}/annotations/me/accept-chains")
    assert claimed.status_code == 409
    assert boss.post(bulk, json={"action": "unarchive", "ids": [c]}).json["changed"] == [c]
    back = api_as(app, "ann1").get(nxt).json
    assert back["document"]["id"] == c
    assert back["progress"] == {"done": 2, "assigned": 3, "total": 3}
    assert api_as(app, "ann2").get(nxt).json["document"]["id"] == c


def test_the_pages_show_what_archiving_does_and_mark_the_document(app, session, setup) -> None:
    project, a, _b, _c = setup
    client = sign_in(app.test_client(), "boss")
    view = client.get(f"/documents/{a}/view").get_data(as_text=True)
    assert 'id="archive-document">Archive…' in view and "archived-notice" not in view
    form = {"csrf_token": client.csrf, "action": "archive", "ids": str(a)}
    confirm = client.post(f"/projects/{project.id}/documents/bulk", data=form)
    text = confirm.get_data(as_text=True)
    assert "archive 1 document: read-only" in text and "annotations kept: submitted 2" in text
    assert "1 open in the review queue" in text
    assert session.scalar(select(Document.archived_at).where(Document.id == a)) is None
    done = client.post(f"/projects/{project.id}/documents/bulk", data={**form, "confirm": "1"})
    assert done.status_code == 302
    view = client.get(f"/documents/{a}/view").get_data(as_text=True)
    assert 'id="archive-document">Unarchive…' in view and 'id="archived-notice"' in view
    listing = client.get(f"/projects/{project.id}?archived=true").get_data(as_text=True)
    assert listing.count('<span class="status status-archived"') == 1 and ">1 found<" in listing


@pytest.mark.browser
def test_an_open_annotate_page_says_the_document_was_archived(app, session, setup, page) -> None:
    project, _a, _b, c = setup
    project.labels[0].hotkey = "p"
    session.commit()
    browser_sign_in(page, "ann1")
    page.goto(f"/documents/{c}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    assert api_as(app, "boss").post(f"/documents/{c}/archive").status_code == 200
    page.click('#text .t[data-i="3"]')  # "in"
    page.keyboard.press("p")
    page.wait_for_selector("#save-state[data-state=error]")
    assert "archived" in page.locator("#notice").inner_text()
    assert page.locator("#conflict").is_hidden()  # no version to merge with
