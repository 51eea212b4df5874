"""Find in the document, in Chromium: hits anywhere in a long document (not only the window
shown), Enter walks them across windows, and the hit lands selected, ready for a label key."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program for Babbage."


def _texts(page, selector: str) -> list[str]:
    return [text.strip() for text in page.locator(selector).all_inner_texts()]


def test_find_walks_hits_across_windows_and_selects_them(app, session, page) -> None:
    app.config["ANNOTATE_WINDOW_TOKENS"] = 8  # "Ada ... London" | ". She wrote ... Babbage."
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    project.labels[0].hotkey = "p"  # PER
    (document,) = add_documents(session, project, [TEXT])
    browser_sign_in(page, "ann")
    page.goto(f"/documents/{document.id}/annotate")
    page.click("#claim-document button")  # take the document (a POST)
    page.wait_for_selector("#annotate[data-ready=true]")
    assert page.locator("#find").is_hidden()

    page.locator("#text").focus()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement === document.querySelector('#find input')")
    page.keyboard.type("BABBAGE")  # case-insensitive, whole text
    assert page.locator("#find [data-find=count]").inner_text() == "2 matches"
    assert _texts(page, "#text .t.hit") == ["Babbage"]  # this window's

    page.keyboard.press("Enter")
    assert page.locator("#find [data-find=count]").inner_text() == "1 of 2"
    assert _texts(page, "#text .t.hit-cur") == ["Babbage"]
    page.keyboard.press("Enter")  # the second is in the next window: it opens there
    page.wait_for_selector("#text .t.hit-cur >> text=Babbage")
    assert page.locator("#find [data-find=count]").inner_text() == "2 of 2"
    assert page.locator('#text .t[data-i="8"]').count() == 1  # the second window is shown
    page.keyboard.press("Shift+Enter")  # back, wrapping across windows again
    page.wait_for_selector('#text .t[data-i="0"]')
    assert page.locator("#find [data-find=count]").inner_text() == "1 of 2"

    page.keyboard.press("Enter")
    page.wait_for_selector("#text .t.hit-cur >> text=Babbage")
    page.keyboard.press("Escape")  # back in the text, the hit selected: label it
    assert page.locator("#find").is_hidden()
    assert page.locator("#text .t.hit").count() == 0
    assert "selection “Babbage”" in page.locator("#cursor-info").inner_text()
    page.keyboard.press("p")
    page.wait_for_selector("#save-state[data-state=saved]")
    saved = api_as(app, "ann").get(f"/documents/{document.id}/annotations/me").json
    start = TEXT.rindex("Babbage")
    spans = [(s["start"], s["end"], s["label"]) for s in saved["spans"]]
    assert spans == [(start, start + len("Babbage"), "PER")]


def test_find_says_no_match_and_marks_nothing(app, session, page) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"})
    (document,) = add_documents(session, project, [TEXT])
    browser_sign_in(page, "ann")
    page.goto(f"/documents/{document.id}/annotate")
    page.click("#claim-document button")  # take the document (a POST)
    page.wait_for_selector("#annotate[data-ready=true]")
    page.click("[data-action=find]")
    page.keyboard.type("Turing")
    assert page.locator("#find [data-find=count]").inner_text() == "no match"
    page.keyboard.press("Enter")
    assert page.locator("#text .t.hit, #text .t.hit-cur").count() == 0
