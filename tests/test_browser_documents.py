"""The project's document list in Chromium: a manager finds a document by a word in it,
filters, pages through the hits with the search kept, and opens the read-only view."""

from __future__ import annotations

import re
from html import unescape

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_users
from tests.helpers import browser_sign_in, sign_in
from textlabel.projects import documents

TEXTS = [f"Report number {i} from Berlin." for i in range(60)] + [
    "The zebra escaped from the Paris zoo.",
    "A second zebra, seen near Lyon.",
]


@pytest.fixture
def project(session):
    boss, *_ = make_users(session, "boss", "ann")
    project = make_project(session, boss, members={"ann": "annotator"})
    add_documents(session, project, TEXTS)
    return project


@pytest.mark.browser
def test_manager_finds_a_document_by_a_word_and_opens_it(app: Flask, project, page) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_sign_in(page, "boss")
    page.goto(f"/projects/{project.id}")
    assert page.inner_text("#documents-total") == "62"
    page.fill("input[type=search]", "Zebra")
    page.wait_for_selector("#documents-total:has-text('2 found')")
    assert page.locator("#documents td.preview").all_inner_texts() == TEXTS[60:]
    assert "q=Zebra" in page.url  # the address keeps the search
    page.select_option("select[name=sort]", "-id")
    page.wait_for_url("**sort=-id**")
    assert page.locator("#documents td.preview").all_inner_texts() == TEXTS[60:][::-1]
    page.fill("input[type=search]", "berlin")
    page.wait_for_selector("#documents-total:has-text('60 found')")
    page.click("#documents .next-page")
    page.wait_for_selector("#documents .pager span:has-text('page 2 of 2')")
    assert page.locator("#documents td.preview").count() == 10  # the search stayed on
    page.fill("input[type=search]", "unicorn")
    page.wait_for_selector("#no-match")
    page.fill("input[type=search]", "zebra")
    page.wait_for_selector("#documents-total:has-text('2 found')")
    page.click("#documents tbody tr:first-child a[href$='/view']")
    page.wait_for_url("**/view")
    assert "zebra" in page.inner_text(".doc-text")
    assert errors == []


def _link(html: str, kind: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*class="{kind}"', html)
    assert found, html
    return unescape(found.group(1))


def _ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'name="ids" value="(\d+)"', html)]


def test_the_pager_goes_past_a_capped_count_by_key(app: Flask, project, monkeypatch) -> None:
    """Next and previous carry a keyset cursor (``after`` / ``before``) beside the page
    number, so a deep page costs what the first does; a bare ``?page=N`` still works."""
    monkeypatch.setattr(documents, "COUNT_CAP", 50)
    client = sign_in(app.test_client(), "boss")
    pid = project.id
    first = client.get(f"/projects/{pid}?q=berlin").get_data(as_text=True)
    assert ">50+ found</span>" in first and "page 1 of 1+" in first
    assert _ids(first) == list(range(1, 51))
    forward = _link(first, "next-page")
    assert "after=50" in forward and "page=2" in forward and "q=berlin" in forward
    second = client.get(forward).get_data(as_text=True)
    assert "page 2 of 2<" in second and _ids(second) == list(range(51, 61))
    assert 'class="next-page"' not in second
    backward = _link(second, "prev-page")
    assert "before=51" in backward and "page=1" in backward
    back = client.get(backward).get_data(as_text=True)
    assert _ids(back) == list(range(1, 51)) and "page 1 of 1+" in back
    # An old link by page number pages by offset, to the same rows.
    assert _ids(client.get(f"/projects/{pid}?q=berlin&page=2").get_data(as_text=True)) == list(
        range(51, 61)
    )
    # Unfiltered the count is exact (62) and newest first pages by key backwards too.
    newest = client.get(f"/projects/{pid}?sort=-id").get_data(as_text=True)
    assert ">62 found</span>" in newest and _ids(newest) == list(range(62, 12, -1))
    older = client.get(_link(newest, "next-page")).get_data(as_text=True)
    assert _ids(older) == list(range(12, 0, -1))
    assert _ids(client.get(_link(older, "prev-page")).get_data(as_text=True)) == _ids(newest)
    # "Last" reads the final page from the end (offered with an exact count only): the 12
    # an offset read of page 2 gives, numbered 2, and "First" / "Previous" lead back.
    assert 'class="last-page"' not in first and 'class="first-page"' not in newest
    oldest = client.get(f"/projects/{pid}").get_data(as_text=True)
    final = client.get(_link(oldest, "last-page")).get_data(as_text=True)
    assert "last=1" in _link(oldest, "last-page") and "page=" not in _link(oldest, "last-page")
    assert _ids(final) == list(range(51, 63)) and "page 2 of 2<" in final
    assert 'class="last-page"' not in final and 'class="next-page"' not in final
    assert "page=" not in _link(final, "first-page")
    assert _ids(client.get(_link(final, "first-page")).get_data(as_text=True)) == _ids(oldest)
    assert _ids(client.get(_link(final, "prev-page")).get_data(as_text=True)) == _ids(oldest)


def test_a_refused_filter_is_shown_on_the_page(app: Flask, project) -> None:
    client = sign_in(app.test_client(), "boss")
    body = client.get(f"/projects/{project.id}?status=finished").get_data(as_text=True)
    assert 'role="alert"' in body and "status" in body and "Must be one of" in body
    hits = client.get(f"/projects/{project.id}?q=zebra", headers={"HX-Request": "true"})
    html = hits.get_data(as_text=True)
    assert "<html" not in html and "2 found" in html and "Lyon" in html
    # Annotators of a blind project are not offered who-did-what filters.
    annotator = sign_in(app.test_client(), "ann").get(f"/projects/{project.id}")
    assert 'name="annotator"' not in annotator.get_data(as_text=True)
