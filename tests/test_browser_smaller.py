"""Smaller defects of the annotate and review screens, in Chromium: a failed sign-in keeps
the username; a notice neither moves the text nor leaves text behind when it expires;
coreference mode hides the entity label bar; the help overlay opens at its top; a document
with a reviewer's gold says so to its annotator; the review screen's History is readable."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import PASSWORD, api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program."


@pytest.fixture
def did(app, session) -> int:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann", "rev")
    project = make_project(session, admin, members={"ann": "annotator", "rev": "reviewer"},
                           layers=["entities", "coref"])  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    mine = api_as(app, "ann").put(f"/documents/{document.id}/annotations/me",
                                  json={"version": 0, "status": "submitted"})  # fmt: skip
    assert mine.status_code == 200
    ada = {"start": 0, "end": 12, "label": "PER"}
    rev = api_as(app, "rev")
    auto = rev.get(f"/documents/{document.id}/gold").json  # one annotator: gold by itself
    gold = rev.put(f"/documents/{document.id}/gold",
                   json={"version": auto["version"], "spans": [ada]})  # fmt: skip
    assert gold.status_code == 200, gold.get_data(as_text=True)
    return document.id


def _top(page) -> float:
    return page.locator("#text-window").bounding_box()["y"]


def test_annotate_screen_details(page, did) -> None:
    page.clock.install()  # the notice's expiry, without waiting for it
    page.goto("/login")
    page.fill("input[name=username]", "ann")
    page.fill("input[name=password]", "not the password")
    page.click("button.primary")
    assert page.locator(".flash.error").is_visible()
    assert page.input_value("input[name=username]") == "ann"
    # autofocus lands at the page's next rendering step, not at once: wait for it (fails
    # after the timeout if the password field is never focused)
    page.wait_for_function("() => document.activeElement?.name === 'password'", timeout=5000)
    page.fill("input[name=password]", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/projects")

    page.goto(f"/documents/{did}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    assert "already has gold, decided by rev" in page.locator("#gold-note").inner_text()

    top = _top(page)
    page.keyboard.press("Control+z")
    assert page.locator("#notice").inner_text() == "Nothing to undo."
    assert _top(page) == top
    page.clock.fast_forward(9_000)
    assert page.locator("#notice").inner_text() == "" and not page.locator("#notice").is_visible()
    assert _top(page) == top

    assert page.locator("#label-bar").is_visible()
    page.keyboard.press("Shift+C")  # coreference mode
    page.wait_for_selector("#annotate[data-mode=coref]")
    assert not page.locator("#label-bar").is_visible()
    page.keyboard.press("Shift+C")
    assert page.locator("#label-bar").is_visible()

    page.set_viewport_size({"width": 900, "height": 260})
    box = page.locator("#help .help-box")
    for _ in range(2):
        page.keyboard.press("?")
        assert page.locator("#help").is_visible()
        at = box.evaluate("(el) => [el.scrollTop, el.scrollHeight > el.clientHeight]")
        assert at == [0, True]  # at its top, though it is taller than the screen
        box.evaluate("(el) => { el.scrollTop = el.scrollHeight; }")
        page.keyboard.press("Escape")
        assert not page.locator("#help").is_visible()


def test_review_history_is_readable(page, did) -> None:
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{did}/review")
    page.click("a.button:has-text('History')")
    page.wait_for_url(f"**/documents/{did}/view#history")
    changes = page.locator("#history .doc-history > li").all_inner_texts()
    assert any(c.startswith("ann ") for c in changes) and any(c.startswith("rev ") for c in changes)
    assert "“Ada Lovelace”" in page.locator("#history").inner_text()
    assert '"start"' not in page.locator("#history").inner_text()  # no raw JSON
