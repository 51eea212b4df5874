"""At a phone's width (390 px) the annotate page does not overflow sideways (Skip and Submit
on screen) and the document table scrolls inside its own box, not the page."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

WIDTH = 390
TEXT = "Ada Lovelace met Charles Babbage in London. She wrote the first program for a machine."

# The page's width, and the elements past the right edge outside any box that scrolls (or
# clips) sideways: those a phone user cannot reach.
OVERFLOW = """() => {
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (["auto", "scroll", "hidden"].includes(getComputedStyle(p).overflowX)) return true;
    }
    return false;
  };
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > innerWidth + 0.5 && !clipped(el));
  const names = wide.map((el) => `${el.tagName}.${el.className}`).slice(0, 12);
  return [document.documentElement.scrollWidth, names];
}"""


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


def test_review_queue_and_document_view_fit_a_phone(app, session, phone) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2")
    members = {"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=2, members=members)
    (document,) = add_documents(session, project, [TEXT])
    ada = {"start": 0, "end": 12, "label": "PER"}
    for name, spans in (("ann1", [ada]), ("ann2", [])):  # they disagree: it waits for review
        body = {"version": 0, "status": "submitted", "spans": spans}
        got = api_as(app, name).put(f"/documents/{document.id}/annotations/me", json=body)
        assert got.status_code == 200
    browser_sign_in(phone, "rev")
    for url in (f"/projects/{project.id}/review", f"/documents/{document.id}/view",
                f"/documents/{document.id}/review"):  # fmt: skip
        phone.goto(url)
        phone.wait_for_selector("table, #review[data-ready=true]")
        width, wide = phone.evaluate(OVERFLOW)
        assert (width, wide) == (WIDTH, []), (url, wide)
