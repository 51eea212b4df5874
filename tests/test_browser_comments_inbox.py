"""The inbox's *mark all read* and the Comments card of an archived document, in Chromium."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_users
from tests.helpers import browser_sign_in, client_of

pytestmark = pytest.mark.browser


def test_mark_all_read_and_an_archived_documents_closed_card(
    app: Flask, session, live_server, page
) -> None:
    boss, *_ = make_users(session, "boss", "ann", "rev")
    project = make_project(session, boss, members={"ann": "annotator", "rev": "reviewer"})
    first, second = add_documents(session, project, ["Ada met Babbage.", "Rain in Lyon."])
    ann = client_of(app, "ann")
    thread = ann.post(f"/documents/{first.id}/comments", json={"body": "PER?"}).json
    ann.post(f"/documents/{second.id}/comments", json={"body": "Odd", "kind": "flag"})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # The reviewer's inbox: two unread threads, one click reads them all, without a reload.
    browser_sign_in(page, "rev")
    page.goto(f"/projects/{project.id}/comments")
    assert page.locator("table.inbox tbody tr.unread").count() == 2
    assert page.inner_text("#inbox-unread-count") == "2"
    page.click("#mark-all-read")
    page.wait_for_selector("#inbox-unread-count:text-is('0')")
    assert page.locator("table.inbox tbody tr").count() == 2  # still listed, read
    assert page.locator("table.inbox tbody tr.unread").count() == 0
    assert page.locator("#mark-all-read").count() == 0
    assert page.url.endswith(f"/projects/{project.id}/comments")  # filters kept, none here

    # An archived document: the card says why there is nothing to write in, and a reply
    # sent anyway (an older page, a script) is refused saying so.
    client_of(app, "boss").post(f"/documents/{first.id}/archive")
    page.goto(f"/documents/{first.id}/view")
    page.wait_for_selector("#comments[data-ready=true]")
    closed = page.inner_text("#comments-closed")
    assert "archived (read-only)" in closed and "unarchives" in closed
    assert page.locator("#comment-form").is_hidden()
    assert page.locator(f"#comment-{thread['id']} .c-body").inner_text() == "PER?"
    assert page.locator(f"#comment-{thread['id']} textarea").count() == 0
    refused = client_of(app, "rev").post(f"/comments/{thread['id']}/replies", json={"body": "?"})
    assert refused.status_code == 409 and "archived" in refused.json["error"]["message"]
    assert errors == []
