"""Project guidelines: Markdown a manager writes (API field, settings page), rendered for
annotators with raw HTML escaped and no script links; in Chromium the annotator opens them
from the annotate page, and keys typed while reading them label nothing; a card beside the
text on the annotate and review screens (and the help) shows them, folded as each user left it."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, browser_sign_in, sign_in
from textlabel.projects.guidelines import MAX_CHARS, render_guidelines

GUIDE = """# Persons

Mark **whole names**: *Ada Lovelace*, not *Ada*.

- titles stay outside
- <script>window.__pwned = 1</script> <img src=x onerror="window.__pwned = 2">

[a link](javascript:window.__pwned=3) and [the manual](https://example.org/manual)
"""


def test_rendering_escapes_html_and_drops_script_links() -> None:
    html = render_guidelines(GUIDE)
    assert "<strong>whole names</strong>" in html and "<li>titles stay outside</li>" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    assert '<a href="https://example.org/manual">the manual</a>' in html
    assert render_guidelines("") == ""


def test_guidelines_through_the_api_and_the_settings_page(app: Flask, session) -> None:
    make_user(session, "mgr")
    api = api_as(app, "mgr")
    created = api.post("/projects", json={"name": "G", "guidelines": "  Mark *names*.\n"})
    assert created.status_code == 201, created.json
    pid = created.json["id"]
    assert api.get(f"/projects/{pid}").json["guidelines"] == "Mark *names*."
    changed = api.patch(f"/projects/{pid}", json={"guidelines": GUIDE})
    assert changed.status_code == 200, changed.json
    assert api.get(f"/projects/{pid}").json["guidelines"] == GUIDE.strip()
    too_long = api.patch(f"/projects/{pid}", json={"guidelines": "x" * (MAX_CHARS + 1)})
    assert too_long.status_code == 422 and "guidelines" in too_long.json["error"]["message"]
    browser = sign_in(app.test_client(), "mgr")
    page = browser.get(f"/projects/{pid}/settings").get_data(as_text=True)
    assert "&lt;script&gt;" in page and 'name="guidelines"' in page
    saved = browser.post(f"/projects/{pid}/settings", data={
        "csrf_token": browser.csrf, "name": "G", "layers": ["entities"], "overlap": "1",
        "guidelines": "Tag *places* too."})  # fmt: skip
    assert saved.status_code == 302
    assert api.get(f"/projects/{pid}").json["guidelines"] == "Tag *places* too."


@pytest.mark.browser
def test_annotator_reads_the_guidelines_on_the_annotate_page(app, session, page) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    project.labels[0].hotkey = "p"
    project.settings = {"guidelines": GUIDE}
    session.commit()
    (document,) = add_documents(session, project, ["Ada Lovelace met Charles Babbage in London."])
    browser_sign_in(page, "ann")
    page.goto(f"/projects/{project.id}")
    page.click("text=Start annotating")
    page.wait_for_selector("#annotate[data-ready=true]")
    assert not page.locator("#guidelines").is_visible()
    page.click("#open-guidelines")
    overlay = page.locator("#guidelines")
    assert overlay.is_visible()
    assert overlay.locator("strong").inner_text() == "whole names"
    assert "<script>window.__pwned = 1</script>" in overlay.inner_text()  # shown as text
    page.keyboard.press("p")  # read, not annotate: the label key does nothing here
    page.keyboard.press("Escape")
    assert not overlay.is_visible()
    assert page.locator("#text .t.ent").count() == 0
    assert page.evaluate("() => window.__pwned") is None
    page.keyboard.press("Shift+G")
    assert overlay.is_visible()
    page.keyboard.press("Escape")

    # Beside the text: the same rendering, folded and unfolded as this user left it.
    card = page.locator("#guidelines-card")
    body = card.locator(".guidelines-body")
    assert body.locator("strong").inner_text() == "whole names" and body.is_visible()
    assert "<script>window.__pwned = 1</script>" in body.inner_text()
    assert body.locator("script, img").count() == 0
    card.locator("summary").click()
    assert not body.is_visible()
    page.reload()
    page.wait_for_selector("#guidelines-card[data-ready=true]")
    assert not body.is_visible()  # still folded for ann
    # Enter on the card's toggle unfolds it (annotate.js leaves the key to the browser) and
    # accepts no suggestion.
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    assert body.is_visible()
    page.keyboard.press("Enter")
    assert not body.is_visible()
    assert page.locator("#text .t.ent").count() == 0
    page.keyboard.press("?")
    help_box = page.locator("#help .guidelines-body")
    assert help_box.is_visible() and help_box.locator("strong").inner_text() == "whole names"

    # The reviewer's screen has the card too, unfolded: the fold is ann's own.
    page.context.clear_cookies()
    browser_sign_in(page, "admin")
    page.goto(f"/documents/{document.id}/review")
    page.wait_for_selector("#review[data-ready=true]")
    page.wait_for_selector("#guidelines-card[data-ready=true]")
    body = page.locator("#guidelines-card .guidelines-body")
    assert body.is_visible() and body.locator("strong").inner_text() == "whole names"
    assert "<script>window.__pwned = 1</script>" in body.inner_text()
    assert page.evaluate("() => window.__pwned") is None
    # review.js leaves Enter on the toggle to the browser too: it folds the card.
    page.locator("#guidelines-card summary").focus()
    page.keyboard.press("Enter")
    assert not body.is_visible()
