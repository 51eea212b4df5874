"""At a phone's width (390 px) the annotate page does not overflow sideways (Skip and Submit
on screen) and the document table scrolls inside its own box, not the page."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user
from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

WIDTH = 390
TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program for a machine."

# The page's width, and the elements past the right edge (outside boxes that scroll).
OVERFLOW = """() => [document.documentElement.scrollWidth, [...document.querySelectorAll("body *")]
  .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5)
  .filter((el) => !el.closest(".table-scroll, .text"))
  .map((el) => `${el.tagName}.${el.className}`).slice(0, 12)]"""


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(base_url=live_server, viewport={"width": WIDTH, "height": 844})
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_annotate_page_and_document_table_fit_a_phone(app, session, phone) -> None:
    admin = make_user(session, "admin", admin=True)
    make_user(session, "ann")
    labels = ("PERSON", "ORGANIZATION", "LOCATION", "MISC", "DATE", "EVENT")
    project = make_project(session, admin, name="A project with a rather long name for a phone",
                           labels=labels, members={"ann": "annotator"},
                           layers=["entities", "pos", "coref"])  # fmt: skip
    add_documents(session, project, [TEXT] * 3)
    browser_sign_in(phone, "ann")
    phone.goto(f"/projects/{project.id}")
    phone.click("text=Start annotating")
    phone.wait_for_selector("#annotate[data-ready=true]")
    width, wide = phone.evaluate(OVERFLOW)
    assert (width, wide) == (WIDTH, []), wide
    for action in ("skip", "submit"):
        box = phone.locator(f"button[data-action={action}]").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, action

    phone.context.clear_cookies()
    browser_sign_in(phone, "admin")
    phone.goto(f"/projects/{project.id}")
    table = phone.locator("table.documents")
    table.wait_for()
    width, wide = phone.evaluate(OVERFLOW)
    assert (width, wide) == (WIDTH, []), wide
    scroller = table.locator("xpath=..")
    assert scroller.evaluate("(el) => getComputedStyle(el).overflowX") == "auto"
    assert scroller.evaluate("(el) => el.scrollWidth > el.clientWidth")  # it scrolls itself
