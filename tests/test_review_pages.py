"""Review pages through the Flask test client (both backends): queue, adjudication, history,
feedback, settings form, and who may reach them."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, sign_in
from textlabel.models import ReviewItem

TEXT = "Ada Lovelace met Charles Babbage in London."
ADA = {"start": 0, "end": 12, "label": "PER"}
LONDON = {"start": 36, "end": 42, "label": "LOC"}


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann1", "ann2", "rev", "boss")
    project = make_project(
        session, admin, overlap=2,
        members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer", "boss": "manager"},
    )  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    project.document_id = document.id  # a plain attribute for the tests, not a column
    return project


def _submit(app, project) -> int:
    did = project.document_id
    for name, spans in (("ann1", [ADA, LONDON]), ("ann2", [ADA])):
        got = api_as(app, name).put(
            f"/documents/{did}/annotations/me",
            json={"version": 0, "status": "submitted", "spans": spans},
        )
        assert got.status_code == 200
    return did


def _state(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="review-data">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


def test_queue_page_lists_the_disputed_document_and_filters(app, project) -> None:
    did = _submit(app, project)
    rev = sign_in(app.test_client(), "rev")
    page = rev.get(f"/projects/{project.id}/review").get_data(as_text=True)
    assert f'data-document="{did}"' in page and "Start reviewing" in page
    assert re.search(r"<b>1</b><span>to review</span>", page)
    # Issue 15, defect 8: the queue says its score is the lowest layer's, unlike each tab.
    assert "lowest score over the project" in page and "Agreement page</a> shows each" in page
    partial = rev.get(f"/projects/{project.id}/review?label=ORG", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    assert f'data-document="{did}"' not in partial.get_data(as_text=True)
    with_loc = rev.get(f"/projects/{project.id}/review?label=LOC").get_data(as_text=True)
    assert f'data-document="{did}"' in with_loc


def test_start_takes_the_document_and_the_view_shows_names_and_votes(app, project) -> None:
    did = _submit(app, project)
    rev = sign_in(app.test_client(), "rev")
    start = rev.post(f"/projects/{project.id}/review/next", data={"csrf_token": rev.csrf})
    assert start.status_code == 303 and start.headers["Location"].endswith(
        f"/documents/{did}/review"
    )
    state = _state(rev.get(f"/documents/{did}/review").get_data(as_text=True))
    assert [a["user"] for a in state["annotators"]] == ["ann1", "ann2"]  # blind project
    votes = {(c["start"], c["label"]): c["votes"] for c in state["candidates"]["spans"]}
    assert votes == {(0, "PER"): 2, (36, "LOC"): 1}
    assert state["review"]["reviewer"] == "rev" and state["urls"]["gold"].endswith(f"/{did}/gold")


def _holder(session, did: int) -> int | None:
    return session.scalar(select(ReviewItem.reviewer_id).where(ReviewItem.document_id == did))


def test_a_get_takes_no_hold_the_forms_post_does(app, project, session) -> None:
    """Defect 7: opening the review pages (a link from another site, say) holds nothing."""
    did = _submit(app, project)
    rev = sign_in(app.test_client(), "rev")
    start = rev.get(f"/projects/{project.id}/review/next?label=PER")
    assert start.status_code == 302
    assert start.headers["Location"].endswith(f"/projects/{project.id}/review?label=PER")
    page = rev.get(f"/documents/{did}/review").get_data(as_text=True)
    assert _state(page)["review"]["reviewer"] is None and 'id="hold-review"' in page
    assert rev.post(f"/documents/{did}/review/hold").status_code == 403  # no CSRF token
    assert rev.post(f"/projects/{project.id}/review/next").status_code == 403
    assert _holder(session, did) is None
    held = rev.post(f"/documents/{did}/review/hold", data={"csrf_token": rev.csrf})
    assert held.status_code == 303 and _holder(session, did) is not None
    page = rev.get(f"/documents/{did}/review").get_data(as_text=True)
    assert _state(page)["review"]["reviewer"] == "rev" and 'id="hold-review"' not in page


def test_history_page_shows_who_did_what(app, project) -> None:
    did = _submit(app, project)
    api_as(app, "rev").put(f"/documents/{did}/gold", json={"version": 0, "spans": [ADA]})
    page = sign_in(app.test_client(), "rev").get(f"/documents/{did}/history")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for who, what in (("ann1", "annotation.save"), ("ann2", "annotation.save"),
                      ("rev", "review.decide")):  # fmt: skip
        assert re.search(rf"<td>{who}</td>\s*<td><b>{re.escape(what)}</b>", html), (who, what)


def test_feedback_page_for_managers(app, project) -> None:
    did = _submit(app, project)
    api_as(app, "rev").put(f"/documents/{did}/gold", json={"version": 0, "spans": [ADA]})
    html = sign_in(app.test_client(), "boss").get(f"/projects/{project.id}/feedback")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    # ann1: 1 of 2 spans right (P 50%, R 100%); ann2: exactly gold.
    assert re.search(
        r'data-annotator="ann1">.*?<td>50%</td><td>100%</td><td><b>67%</b>', text, re.S
    )
    assert re.search(
        r'data-annotator="ann2">.*?<td>100%</td><td>100%</td><td><b>100%</b>', text, re.S
    )


def test_settings_form_and_project_links(app, project) -> None:
    boss = sign_in(app.test_client(), "boss")
    settings = boss.get(f"/projects/{project.id}/settings").get_data(as_text=True)
    assert 'id="review-settings"' in settings
    form = {"min_share": "1", "auto_accept": "off", "threshold": "0.8", "csrf_token": boss.csrf}
    saved = boss.post(f"/projects/{project.id}/review/settings", data=form)
    assert saved.status_code == 302
    got = api_as(app, "boss").get(f"/projects/{project.id}/review-settings").json
    assert got == {"min_share": 1.0, "auto_accept": "off", "threshold": 0.8}
    page = boss.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Review queue" in page and "Annotator feedback" in page
    annotator = sign_in(app.test_client(), "ann1").get(f"/projects/{project.id}")
    assert "Review queue" not in annotator.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/projects/{pid}/review", "/projects/{pid}/review/next", "/documents/{did}/review",
     "/documents/{did}/history", "/projects/{pid}/feedback"],
)  # fmt: skip
def test_annotators_get_403_on_review_pages(app, project, path) -> None:
    ann = sign_in(app.test_client(), "ann1")
    got = ann.get(path.format(pid=project.id, did=project.document_id))
    assert got.status_code == 403


SENTENCE = "The committee met again in the old library on Tuesday morning ."
TOKEN = r'<span class="t[^"]*" data-i="(\d+)"'


def _rows(html: str) -> dict[str, list[int]]:
    """Token indices rendered in each row, by the row's owner (``gold`` or a username)."""
    rows: dict[str, list[int]] = {}
    for who, line in re.findall(r'data-who="([^"]+)">.*?<span class="rv-line">(.*?)</span></div>',
                                html, re.S):  # fmt: skip
        rows.setdefault(who, []).extend(int(i) for i in re.findall(TOKEN, line))
    return rows


def _marked(html: str, who: str) -> set[int]:
    lines = re.findall(rf'data-who="{who}">.*?<span class="rv-line">(.*?)</span></div>', html, re.S)
    return {
        int(i) for line in lines for i in re.findall(r'class="t ent[^"]*" data-i="(\d+)"', line)
    }


@pytest.fixture
def long_document(app, session) -> dict:
    """A 21,600-token document submitted by three annotators, who disagree on a span near the
    start and on one near the end."""
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2", "ann3")
    members = {"ann1": "annotator", "ann2": "annotator", "ann3": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=3, members=members)
    text = " ".join([SENTENCE] * 1800)
    (document,) = add_documents(session, project, [text])
    early = {"start": text.index("library"), "end": text.index("library") + 7, "label": "LOC"}
    late_at = text.rindex("committee")
    late = {"start": late_at, "end": late_at + len("committee"), "label": "ORG"}
    plans = {"ann1": [early, late], "ann2": [early], "ann3": [late]}
    for name, spans in plans.items():
        got = api_as(app, name).put(
            f"/documents/{document.id}/annotations/me",
            json={"version": 0, "status": "submitted", "spans": spans},
        )
        assert got.status_code == 200, got.json
    return {"id": document.id, "text": text, "early": early, "late": late}


def _token_at(state: dict, char: int) -> int:
    return next(i for i, t in enumerate(state["document"]["tokens"]) if t["start"] == char)


def test_a_long_document_renders_one_window_of_rows(app, long_document) -> None:
    rev = sign_in(app.test_client(), "rev")
    html = rev.get(f"/documents/{long_document['id']}/review").get_data(as_text=True)
    state = _state(html)
    tokens, sent_starts = state["document"]["tokens"], state["document"]["sent_starts"]
    assert len(tokens) >= 20_000 and len(state["annotators"]) == 3
    rows = _rows(html)
    assert list(rows) == ["gold", "ann1", "ann2", "ann3"]
    shown = rows["gold"]
    # One window: a run of whole sentences from the start, the same tokens in every row.
    assert 0 < len(shown) < len(tokens) / 10
    assert shown == list(range(len(shown))) and all(r == shown for r in rows.values())
    assert shown[-1] + 1 in sent_starts
    assert len(re.findall(TOKEN, html)) == 4 * len(shown)  # nothing else renders tokens
    # The annotators' own spans are marked in their rows; gold is painted in the browser.
    library = {_token_at(state, long_document["early"]["start"])}
    assert _marked(html, "ann1") == library == _marked(html, "ann2")
    assert _marked(html, "ann3") == set() == _marked(html, "gold")
    # The candidates cover the whole document, not only the window.
    starts = sorted(c["start"] for c in state["candidates"]["spans"])
    assert starts == [long_document["early"]["start"], long_document["late"]["start"]]


def test_window_partials_page_through_the_whole_document(app, long_document) -> None:
    rev = sign_in(app.test_client(), "rev")
    did = long_document["id"]
    state = _state(rev.get(f"/documents/{did}/review").get_data(as_text=True))
    n_tokens = len(state["document"]["tokens"])
    sentence_starts = {0, *state["document"]["sent_starts"]}
    late = _token_at(state, long_document["late"]["start"])
    seen: list[int] = []
    firsts: list[int] = []
    number = 0
    while True:
        response = rev.get(f"/documents/{did}/review?w={number}", headers={"HX-Request": "true"})
        html = response.get_data(as_text=True)
        assert "HX-Request" in response.headers["Vary"]
        assert html.lstrip().startswith('<div class="rv-window"') and "<html" not in html
        rows = _rows(html)
        assert all(r == rows["gold"] for r in rows.values()) and len(rows) == 4
        assert rows["gold"][0] in sentence_starts
        firsts.append(rows["gold"][0])
        seen += rows["gold"]
        if late in rows["gold"]:
            assert _marked(html, "ann1") == {late} == _marked(html, "ann3")
            assert _marked(html, "ann2") == set()
        if 'class="next-window"' not in html:
            break
        number += 1
    assert seen == list(range(n_tokens))  # every token once, in order, across the windows
    assert firsts == state["windows"]  # what static/review.js uses to find a token's window
