"""The read-only document view (issue 15, defect 4): managers and reviewers see the text, every
annotation, gold, the history as readable changes and the comment threads (answered there),
and looking creates no draft."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as, browser_sign_in, sign_in
from textlabel.models import Annotation

TEXT = "Ada Lovelace met Charles Babbage in London."
ADA = {"start": 0, "end": 12, "label": "PER"}
CHARLES = {"start": 17, "end": 32, "label": "PER"}
LONDON = {"start": 36, "end": 42, "label": "LOC"}


@pytest.fixture
def project(session):
    boss, *_ = make_users(session, "boss", "ann1", "ann2", "rev")
    project = make_project(
        session, boss, members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"},
        overlap=2,
    )  # fmt: skip
    add_documents(session, project, [TEXT])
    return project


def _saves(app: Flask, project, username: str, *payloads: tuple[list, str]) -> None:
    """Take the next document and save it once per payload (autosaves, then a submit)."""
    api = api_as(app, username)
    version = api.get(f"/projects/{project.id}/next").json["annotation"]["version"]
    for spans, status in payloads:
        saved = api.put("/documents/1/annotations/me",
                        json={"version": version, "status": status, "spans": spans})  # fmt: skip
        assert saved.status_code == 200, saved.json
        version = saved.json["version"]


def _annotations(session) -> int:
    return session.scalar(select(func.count(Annotation.id)))


def test_the_view_shows_every_annotation_and_creates_no_draft(app: Flask, project, session):
    _saves(app, project, "ann1", ([ADA], "draft"), ([ADA, LONDON], "submitted"))
    _saves(app, project, "ann2", ([ADA, {**LONDON, "label": "ORG"}], "draft"))
    before = _annotations(session)
    for username in ("boss", "rev"):
        page = sign_in(app.test_client(), username).get("/documents/1/view")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "Ada Lovelace" in html and "<th>ann1</th>" in html and "<th>ann2</th>" in html
        assert 'class="disagreed"><td>London</td>' in html  # LOC against ORG
    assert _annotations(session) == before  # nobody's slot taken
    refused = sign_in(app.test_client(), "ann1").get("/documents/1/view")
    assert refused.status_code == 403


def test_history_reads_as_words_and_merges_autosaves(app: Flask, project) -> None:
    _saves(app, project, "ann1", ([ADA], "draft"), ([ADA, CHARLES], "draft"),
           ([ADA, LONDON], "draft"), ([ADA, LONDON], "submitted"))  # fmt: skip
    _saves(app, project, "ann2", ([{**ADA, "label": "ORG"}], "draft"))
    changes = api_as(app, "rev").get("/documents/1/changes").json
    saves = [c for c in changes if c["action"] == "saved"]
    assert [(c["user"], c["saves"]) for c in saves] == [("ann1", 4), ("ann2", 1)]
    first = saves[0]
    # Charles was added then removed within the run of autosaves: no line for him.
    assert [(x["sign"], x["words"], x["detail"]) for x in first["lines"]] == [
        ("+", "Ada Lovelace", "PER"), ("+", "London", "LOC")]  # fmt: skip
    assert first["summary"] == "draft → submitted, v1 → v5"
    only = api_as(app, "rev").get("/documents/1/changes?user=ann2").json
    assert {c["user"] for c in only} == {"ann2"}
    page = sign_in(app.test_client(), "boss").get("/documents/1/view?who=ann2")
    html = page.get_data(as_text=True)
    assert "“Ada Lovelace” ORG" in html and "“London” LOC" not in html
    assert api_as(app, "ann1").get("/documents/1/changes").status_code == 403
    # By label or words: only the lines naming them (whole words, any case), the rest counted.
    london = api_as(app, "rev").get("/documents/1/changes?match=london").json
    assert [(c["user"], [x["words"] for x in c["lines"]], c["hidden"]) for c in london] == [
        ("ann1", ["London"], 1)]  # fmt: skip
    org = api_as(app, "rev").get("/documents/1/changes?match=org").json
    assert [(c["user"], [x["detail"] for x in c["lines"]]) for c in org] == [("ann2", ["ORG"])]
    assert api_as(app, "rev").get("/documents/1/changes?match=lond").json == []
    boss = sign_in(app.test_client(), "boss")
    html = boss.get("/documents/1/view?match=PER&who=ann1").get_data(as_text=True)
    assert "“Ada Lovelace” PER" in html and "“London” LOC" not in html
    assert "and 1 other line" in html


@pytest.mark.browser
def test_manager_reads_a_document_in_the_browser(app: Flask, project, page) -> None:
    _saves(app, project, "ann1", ([ADA, LONDON], "submitted"))
    _saves(app, project, "ann2", ([CHARLES], "draft"))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_sign_in(page, "boss")
    page.goto("/documents/1/view")
    assert page.locator(".doc-text mark").all_inner_texts() == ["Ada LovelacePER", "LondonLOC"]
    page.click(".doc-sources a:has-text('ann2')")
    page.wait_for_url("**show=ann2**")
    assert page.locator(".doc-text mark").all_inner_texts() == ["Charles BabbagePER"]
    page.select_option("#history select[name=who]", "ann1")
    page.wait_for_url("**who=ann1**")
    assert "ann2" not in page.inner_text("#history ol")
    assert "“London” LOC" in page.inner_text("#history ol")
    page.fill("#history-match", "per")
    page.press("#history-match", "Enter")
    page.wait_for_url("**match=per**")
    assert page.locator("#history ol .diff li").all_inner_texts() == ["+ entity “Ada Lovelace” PER"]
    assert page.evaluate("() => document.activeElement.id") == "history-match"

    # The document's comment threads: an annotator's question on words, answered here, and a
    # new thread on the whole document (no words to select on this page).
    question = {"body": "PER <b>or</b> ORG?", "start": LONDON["start"], "end": LONDON["end"]}
    asked = api_as(app, "ann1").post("/documents/1/comments", json=question)
    assert asked.status_code == 201, asked.json
    page.reload()
    page.wait_for_selector("#comments[data-ready=true]")
    thread = page.locator("#threads .thread")
    assert thread.locator("q.c-quote").inner_text() == "London"
    assert thread.locator(".c-body").inner_text() == "PER <b>or</b> ORG?"  # text, not HTML
    assert page.locator("#comments [data-comment-on=selection]").count() == 0
    thread.locator("textarea").fill("LOC: a city.")
    thread.locator("button[type=submit]").click()
    page.wait_for_selector("#threads .c-replies li")
    page.fill("#comment-form textarea", "Checked the whole text.")
    page.click("#comment-form button[type=submit]")
    page.wait_for_function("() => document.querySelectorAll('#threads .thread').length === 2")
    threads = api_as(app, "ann1").get("/documents/1/comments").json["threads"]
    assert [(t["quote"], [r["body"] for r in t["replies"]]) for t in threads] == [
        (None, []), ("London", ["LOC: a city."])]  # fmt: skip
    assert threads[1]["replies"][0]["author"] == "boss"
    assert errors == []
