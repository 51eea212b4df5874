"""The team's chain in one go, in Chromium (issue 15's "done when"): a manager finds a
document by a word in the document list and assigns it to a named annotator; the annotator
opens it and asks about a span; the reviewer finds the question unread on the project page,
follows the inbox's link to the adjudication screen and answers; the annotator's open page
shows the answer without a reload, marked new, then read."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_users
from tests.helpers import browser_sign_in, client_of

pytestmark = pytest.mark.browser

TEXTS = ["A report from Berlin.", "The zebra escaped from the Paris zoo.", "Rain in Lyon."]


def test_find_assign_comment_answer_and_read(app: Flask, session, browser, live_server, page):
    app.config["COMMENTS_POLL_S"] = 0.5  # the card's polling, quick for the test
    boss, *_ = make_users(session, "boss", "ann", "ann2", "rev")
    members = {"ann": "annotator", "ann2": "annotator", "rev": "reviewer"}
    project = make_project(session, boss, members=members)
    zebra = add_documents(session, project, TEXTS)[1]
    errors: list[str] = []

    def tab(name: str):
        context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        opened = context.new_page()
        opened.on("pageerror", lambda error: errors.append(f"{name}: {error}"))
        browser_sign_in(opened, name)
        return opened

    # The manager finds the document by a word and assigns it to ann.
    browser_sign_in(page, "boss")
    page.goto(f"/projects/{project.id}")
    page.fill("input[type=search]", "zebra")
    page.wait_for_selector("#documents-total:has-text('1 found')")
    page.check(f"input[aria-label='select document {zebra.id}']")
    page.select_option("select[name=action]", "assign")
    page.select_option("select[name=annotators]", ["ann"])
    page.click("button:has-text('Review…')")
    page.click("button:has-text('Assign 1 document')")
    page.wait_for_url(f"**/projects/{project.id}")

    # The annotator's next document is the assigned one; a comment on "Paris".
    ann = tab("ann")
    ann.goto(f"/projects/{project.id}")
    ann.click("text=Start annotating")
    ann.wait_for_url(f"**/documents/{zebra.id}/annotate")
    ann.wait_for_selector("#comments[data-ready=true]")
    for _ in range(5):  # The zebra escaped from the | Paris
        ann.keyboard.press("ArrowRight")
    ann.keyboard.press("Shift+Q")
    assert ann.locator("#comment-anchor").inner_text() == "On “Paris”"
    ann.keyboard.type("Is the Paris zoo an ORG or a LOC?")
    ann.keyboard.press("Control+Enter")
    ann.locator("#threads .thread .c-quote").wait_for()

    # The reviewer: unread on the project page, the inbox's link, the answer.
    rev = tab("rev")
    rev.goto(f"/projects/{project.id}")
    assert rev.inner_text("#inbox-unread") == "1 unread"
    rev.click("#inbox-link")
    assert rev.locator("table.inbox tbody tr.unread").count() == 1
    rev.click("table.inbox tbody tr a")
    rev.wait_for_url(f"**/documents/{zebra.id}/review#comment-*")
    rev.wait_for_selector("#threads .thread .c-new.seen")  # new to rev, on screen: read
    thread = rev.locator("#threads .thread")
    assert thread.locator(".c-body").inner_text() == "Is the Paris zoo an ORG or a LOC?"
    thread.locator("textarea").fill("LOC: a place, as the guidelines say.")
    thread.locator("button[type=submit]").click()
    rev.wait_for_selector("#threads .c-replies li")

    # The annotator's page, never reloaded: the answer arrives marked new, then read.
    reply = ann.locator("#threads .c-replies .c-body")
    reply.wait_for()
    assert reply.inner_text() == "LOC: a place, as the guidelines say."
    mark = ann.locator("#threads .thread .c-new")
    assert mark.inner_text() == "1 new"
    ann.wait_for_selector("#threads .thread .c-new.seen")  # on screen, so marked read
    inbox = client_of(app, "ann").get(f"/projects/{project.id}/comments?state=all").json
    assert (inbox["unread"], inbox["waiting"]) == (0, 0)
    rev.goto(f"/projects/{project.id}")
    assert rev.locator("#inbox-unread").count() == 0  # the reviewer's own reply is read
    assert errors == []
