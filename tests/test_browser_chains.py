"""The chain panel in Chromium lists the chains of the part of the text shown, not all of a
long document's chains; its search finds a chain anywhere, and a mention elsewhere opens the
window that holds it."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program."


def _m(words: str) -> dict:
    return {"start": TEXT.index(words), "end": TEXT.index(words) + len(words)}


def _chains(page) -> list[tuple[str, list[str]]]:
    items = page.locator("#chains li")
    return [
        (item.locator(".chain-n").inner_text(), item.locator(".mention").all_inner_texts())
        for item in (items.nth(i) for i in range(items.count()))
    ]


def test_chain_panel_shows_the_windows_chains_and_finds_others(app, session, page) -> None:
    app.config["ANNOTATE_WINDOW_TOKENS"] = 8  # "Ada ... London" | ". She wrote ..."
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    project = make_project(session, admin, members={"ann": "annotator"},
                           layers=["entities", "coref"])  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    chains = [[_m("Ada Lovelace"), _m("London")], [_m("She"), _m("program")]]
    saved = api_as(app, "ann").put(f"/documents/{document.id}/annotations/me",
                                   json={"version": 0, "coref": chains})  # fmt: skip
    assert saved.status_code == 200, saved.get_data(as_text=True)
    browser_sign_in(page, "ann")
    page.goto(f"/documents/{document.id}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    assert _chains(page) == [("1", ["Ada Lovelace", "London"])]
    assert page.locator("#chain-count").inner_text() == "1 of 2 in this part of the text"

    page.keyboard.press("PageDown")
    page.wait_for_selector('#text .t[data-i="8"]')
    assert _chains(page) == [("2", ["She", "program"])]

    page.fill("#chain-search", "lovelace")
    assert _chains(page) == [("1", ["Ada Lovelace", "London"])]
    assert page.locator("#chain-count").inner_text() == "1 of 2 matching “lovelace”"
    assert page.locator("#chains .mention.elsewhere").count() == 2
    page.click("#chains .mention >> text=London")  # in the other window: it opens there
    page.wait_for_selector('#text .t[data-i="6"].cur')
    page.fill("#chain-search", "")
    assert _chains(page) == [("1", ["Ada Lovelace", "London"])]
