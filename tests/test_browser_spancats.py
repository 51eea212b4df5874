"""Span categories on the annotation page in real Chromium: keyboard selection and span
label keys add nested spans drawn as stacked underlines; a click picks the innermost span
and the next click the one around it; relabel, undo, delete; submit saves them."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_user
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Taxes should rise because schools need money."
# Tokens: 0 Taxes, 1 should, 2 rise, 3 because, 4 schools, 5 need, 6 money, 7 "."


@pytest.fixture
def url(app, session) -> str:
    from textlabel.models import Project

    for name in ("mgr", "ann"):
        make_user(session, name)
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Arguments", "overlap": 1, "layers": ["entities", "spans"],
        "labels": [{"name": "ORG", "hotkey": "o"}],
        "span_labels": [{"name": "ARG", "hotkey": "g", "color": "#e63946"},
                        {"name": "CLAIM", "hotkey": "c", "color": "#2a9d8f"}],
    }).json  # fmt: skip
    manager.post(f"/projects/{project['id']}/members", json={"username": "ann",
                                                            "role": "annotator"})  # fmt: skip
    (document,) = add_documents(session, session.get(Project, project["id"]), [TEXT])
    taken = api_as(app, "ann").put(f"/documents/{document.id}/annotations/me", json={"version": 0})
    assert taken.status_code == 200
    return f"/documents/{document.id}"


def _sc(page, i: int) -> str | None:
    return page.get_attribute(f'#text .t[data-i="{i}"]', "data-sc")


def _active(page) -> list[str]:
    return page.eval_on_selector_all("#text .t.sc-active", "els => els.map(e => e.dataset.i)")


def test_nested_span_categories_with_keyboard_and_clicks(app, page, url) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "ann")
    page.goto(f"{url}/annotate")
    page.wait_for_selector("#annotate[data-ready=true]")
    page.keyboard.press("Shift+O")
    assert page.get_attribute("#annotate", "data-mode") == "span"
    for _ in range(6):  # select tokens 0-6, the whole sentence
        page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("g")
    page.keyboard.press("ArrowLeft")  # the cursor alone, then select "schools need money"
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("c")
    # nested: the outer span at level 0, the claim stacked above it
    assert _sc(page, 1) == "ARG@0"
    assert _sc(page, 5) == "ARG@0 CLAIM@1"
    assert page.locator("#span-cats li").count() == 2
    # a click picks the innermost span, the next click the one around it
    page.click('#text .t[data-i="5"]')
    assert _active(page) == ["4", "5", "6"]
    page.click('#text .t[data-i="5"]')
    assert _active(page) == [str(i) for i in range(7)]
    page.keyboard.press("c")  # relabels the picked ARG
    assert _sc(page, 1) == "CLAIM@0"
    page.keyboard.press("Control+z")
    assert _sc(page, 1) == "ARG@0"
    # Enter picks the innermost span at the cursor; Delete removes it
    page.click('#text .t[data-i="4"]')
    page.keyboard.press("Escape")
    page.keyboard.press("Enter")
    assert _active(page) == ["4", "5", "6"]
    page.keyboard.press("Delete")
    assert _sc(page, 5) == "ARG@0"
    assert page.locator("#span-cats li").count() == 1
    page.keyboard.press("Control+Enter")
    page.wait_for_url(lambda address: "/annotate" not in address)
    saved = api_as(app, "ann").get(f"{url}/annotations/me").json
    assert saved["status"] == "submitted"
    assert [(s["start"], s["end"], s["label"]) for s in saved["span_cats"]] == [
        (0, TEXT.index("."), "ARG")
    ]
    assert errors == []
