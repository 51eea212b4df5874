"""Comments end to end in headless Chromium: an annotator selects words with the keyboard and
comments on them (Shift+Q, Ctrl+Enter) and flags the document; the reviewer finds both in the
project's inbox (filtered to flags; the flag marked read there leaves the unread list),
answers the span's thread on the adjudication screen and resolves the flag; the annotator
sees the reply waiting on the project page and on the annotate page, and the quote leads
back to the words. Text that looks like HTML stays text."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London."
QUESTION = "<b>PER</b> or ORG? <img src=x onerror=window.__pwned=1>"


def test_a_span_comment_is_answered_in_adjudication_and_seen_by_the_annotator(
    app, session, browser, live_server, page
) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann", "rev")
    project = make_project(session, admin, members={"ann": "annotator", "rev": "reviewer"})
    (document,) = add_documents(session, project, [TEXT])

    browser_sign_in(page, "ann")
    page.goto(f"/projects/{project.id}")
    page.click("text=Start annotating")
    page.wait_for_selector("#annotate[data-ready=true]")
    page.wait_for_selector("#comments[data-ready=true]")
    for _ in range(3):  # Ada Lovelace met | Charles
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowRight")  # ... Babbage
    page.keyboard.press("Shift+Q")
    assert page.locator("#comment-anchor").inner_text() == "On “Charles Babbage”"
    assert page.evaluate("() => document.activeElement.name") == "body"
    page.keyboard.type(QUESTION)
    page.keyboard.press("Control+Enter")
    thread = page.locator("#threads .thread").first
    thread.locator(".c-quote").wait_for()
    assert thread.locator(".c-quote").inner_text() == "“Charles Babbage”"
    assert thread.locator(".c-body").inner_text() == QUESTION  # shown as text
    assert page.evaluate("() => document.activeElement.id") == "text"  # back to the text
    marked = page.locator("#text .t.commented .tx").all_inner_texts()
    assert marked == ["Charles", "Babbage"]  # the open thread's words, marked in the text
    assert page.locator("#text .t.ent").count() == 0  # typing labelled nothing
    page.fill("#comment-form textarea", "The text stops mid-sentence.")
    page.check("#comment-form input[name=flag]")
    page.click("#comment-form button[type=submit]")
    page.wait_for_selector("#threads .thread.flag")
    assert page.locator("#comment-count").inner_text() == "2 open · 0 resolved"

    reviewer = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    reviewer.set_default_timeout(10_000)
    rev = reviewer.new_page()
    browser_sign_in(rev, "rev")
    rev.goto(f"/projects/{project.id}")
    rev.click("#inbox-link")
    rev.wait_for_load_state()  # htmx has bound the filters: a change before that sends nothing
    assert rev.locator("#inbox-counts").inner_text().startswith("2 open threads · 1 open flag")
    assert rev.locator("table.inbox tbody tr").count() == 2
    rev.select_option("select[name=kind]", "flag")
    rev.wait_for_function("() => document.querySelectorAll('table.inbox tbody tr').length === 1")
    assert "stops mid-sentence" in rev.locator("table.inbox tbody tr").inner_text()
    rev.select_option("select[name=kind]", "all")
    rev.wait_for_function("() => document.querySelectorAll('table.inbox tbody tr').length === 2")
    assert rev.is_checked("input[name=unread]")  # the project page's link: the unread ones
    rev.click("table.inbox tr.flag button:has-text('mark read')")  # read here: off the list
    rev.wait_for_function("() => document.querySelectorAll('table.inbox tbody tr').length === 1")
    assert rev.inner_text("#inbox-unread-count") == "1"
    rev.click("table.inbox tr:not(.flag) a")  # the span's thread, on the adjudication screen
    rev.wait_for_url(f"**/documents/{document.id}/review#comment-*")
    rev.wait_for_selector("#comments[data-ready=true]")
    span_thread = rev.locator("#threads .thread:not(.flag)")
    assert span_thread.locator(".c-body").inner_text() == QUESTION
    assert span_thread.locator("q.c-quote").inner_text() == "Charles Babbage"  # no cursor to move
    gold_row = rev.locator(".rv-gold .t.commented .tx").all_inner_texts()
    assert gold_row == ["Charles", "Babbage"]  # the words marked in every row
    rev.fill("#threads .thread.flag textarea", "half a thought")  # a draft elsewhere
    span_thread.locator("textarea").fill("PER: <i>he</i> is a person.")
    span_thread.locator("button[type=submit]").click()
    rev.wait_for_selector("#threads .c-replies li")
    assert rev.input_value("#threads .thread.flag textarea") == "half a thought"  # kept
    assert span_thread.locator("textarea").input_value() == ""
    rev.locator("#threads .thread.flag button[data-resolve=true]").click()
    rev.wait_for_selector("#threads .thread.flag.resolved")
    assert rev.locator("#threads .thread.flag .c-resolved").inner_text() == "Resolved by rev"
    reviewer.close()

    page.goto(f"/projects/{project.id}")
    assert page.locator("#inbox-waiting").inner_text() == "1 new"
    page.goto(f"/documents/{document.id}/annotate")
    page.wait_for_selector("#comments[data-ready=true]")
    answered = page.locator("#threads .thread.waiting")
    assert answered.locator(".c-replies .c-body").inner_text() == "PER: <i>he</i> is a person."
    assert answered.locator(".c-new").inner_text() == "1 new"
    assert page.locator("#comment-count").inner_text() == "1 open · 1 resolved"
    page.keyboard.press("End")  # the cursor elsewhere, then the quote leads back to the words
    answered.locator(".c-quote").click()
    page.wait_for_selector("#text .t.cur[data-i='3']")  # the click's effect, not a race with it
    assert page.evaluate("() => window.__pwned") is None
