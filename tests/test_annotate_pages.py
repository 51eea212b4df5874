"""The annotation pages and partials through the Flask test client (both backends)."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in
from textlabel.annotate.view import WINDOW_TOKENS
from textlabel.models import Annotation, Document

TEXT = "Ada Lovelace met Charles Babbage in London."


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    for name in ("ann1", "ann2", "rev"):
        make_user(session, name)
    project = make_project(
        session, admin, members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"},
        overlap=2,
    )  # fmt: skip
    add_documents(session, project, [TEXT])
    return project


def _state(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="annotate-data">(.*?)</script>', html)
    assert match
    return json.loads(match.group(1))


def test_project_page_shows_start_and_progress_to_annotators_only(app, project) -> None:
    ann = sign_in(app.test_client(), "ann1")
    page = ann.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Start annotating" in page
    assert re.search(r"<b>0</b> done · <b>0</b> assigned · <b>1</b> total", page)
    rev = sign_in(app.test_client(), "rev")
    assert "Start annotating" not in rev.get(f"/projects/{project.id}").get_data(as_text=True)
    assert rev.get(f"/projects/{project.id}/annotate").status_code == 403


def test_start_opens_the_document_and_nothing_left_goes_back(app, project, session) -> None:
    ann = sign_in(app.test_client(), "ann1")
    start = ann.post(f"/projects/{project.id}/annotate", data={"csrf_token": ann.csrf})
    assert start.status_code == 303
    page = ann.get(start.headers["Location"])
    state = _state(page.get_data(as_text=True))
    assert (state["version"], state["status"], state["entities"]) == (1, "draft", [])
    offsets = state["tokens"]["offsets"]
    words = [TEXT[s:e] for s, e in zip(offsets[::2], offsets[1::2], strict=True)]
    assert words[:3] == ["Ada", "Lovelace", "met"]
    api_as(app, "ann1").put(
        f"/documents/{state['document']}/annotations/me", json={"version": 1, "status": "submitted"}
    )
    done = ann.post(
        f"/projects/{project.id}/annotate", data={"csrf_token": ann.csrf}, follow_redirects=True
    )
    assert "Nothing left for you here" in done.get_data(as_text=True)
    assert re.search(r"<b>1</b> done · <b>1</b> assigned", done.get_data(as_text=True))


def test_blind_pages_never_show_another_annotators_spans(app, project, session) -> None:
    one, two = api_as(app, "ann1"), api_as(app, "ann2")
    did = one.get(f"/projects/{project.id}/next").json["document"]["id"]
    one.put(f"/documents/{did}/annotations/me",
            json={"version": 1, "spans": [{"start": 17, "end": 32, "label": "ORG"}]})  # fmt: skip
    browser = sign_in(app.test_client(), "ann2")
    browser.post(f"/documents/{did}/annotate", data={"csrf_token": browser.csrf})
    page = browser.get(f"/documents/{did}/annotate").get_data(as_text=True)
    partial = browser.get(f"/documents/{did}/annotate", headers={"HX-Request": "true"})
    for html in (page, partial.get_data(as_text=True)):
        assert not re.search(r'class="t ent', html) and "Charles Babbage ORG" not in html
        assert "Other annotators" not in html
    assert _state(page)["entities"] == []
    assert two.get(f"/documents/{did}/annotations/me").json["spans"] == []
    project.blind = False
    session.commit()
    page = browser.get(f"/documents/{did}/annotate").get_data(as_text=True)
    assert "Other annotators" in page and "Charles Babbage ORG" in page


def test_window_partial_is_only_the_window(app, project) -> None:
    ann = sign_in(app.test_client(), "ann1")
    did = api_as(app, "ann1").get(f"/projects/{project.id}/next").json["document"]["id"]
    response = ann.get(f"/documents/{did}/annotate?w=0", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]
    assert html.lstrip().startswith('<div class="window"') and "<html" not in html


def test_a_long_document_renders_one_window_at_a_time(app, project, session) -> None:
    sentence = "The committee met again in the old library on Tuesday morning ."
    long_text = " ".join([sentence] * 1800)  # 21,600 tokens
    (document,) = add_documents(session, project, [long_text])
    ann = sign_in(app.test_client(), "ann1")
    ann.post(f"/documents/{document.id}/annotate", data={"csrf_token": ann.csrf})
    first = ann.get(f"/documents/{document.id}/annotate").get_data(as_text=True)
    state = _state(first)
    n_tokens = len(state["tokens"]["offsets"]) // 2
    assert n_tokens >= 20_000
    rendered = re.findall(r'class="t[^"]*" data-i="(\d+)"', first)
    assert 0 < len(rendered) <= WINDOW_TOKENS
    count = int(re.search(r'data-count="(\d+)"', first).group(1))
    seen = [int(i) for i in rendered]
    for number in range(1, count):
        html = ann.get(f"/documents/{document.id}/annotate?w={number}",
                       headers={"HX-Request": "true"}).get_data(as_text=True)  # fmt: skip
        tokens = [int(i) for i in re.findall(r'class="t[^"]*" data-i="(\d+)"', html)]
        assert len(tokens) <= WINDOW_TOKENS
        seen += tokens
    assert seen == list(range(n_tokens))


def test_a_document_with_all_its_annotators_is_refused(app, project) -> None:
    for name in ("ann1", "ann2"):
        did = api_as(app, name).get(f"/projects/{project.id}/next").json["document"]["id"]
    admin = sign_in(app.test_client(), "admin")
    response = admin.post(f"/documents/{did}/annotate", data={"csrf_token": admin.csrf})
    assert response.status_code == 409
    assert "already has its 2 annotator" in response.get_data(as_text=True)


def _manual(session, did: int) -> list[tuple[int, str]]:
    rows = select(Annotation.user_id, Annotation.status).where(
        Annotation.document_id == did, Annotation.kind == "manual"
    )
    return list(session.execute(rows).all())


def test_a_get_claims_nothing_a_post_with_the_csrf_token_does(app, project, session) -> None:
    """Defect 7: a link from another site (a GET, or a POST without the session's CSRF
    token) must not hand a document to whoever follows it."""
    did = session.scalar(select(Document.id).where(Document.project_id == project.id))
    ann = sign_in(app.test_client(), "ann1")
    start = ann.get(f"/projects/{project.id}/annotate")
    assert start.status_code == 302 and start.headers["Location"].endswith("#start-annotating")
    shown = ann.get(f"/documents/{did}/annotate")
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Annotate this document" in html and "annotate-data" not in html
    window = ann.get(f"/documents/{did}/annotate?w=0", headers={"HX-Request": "true"})
    assert window.status_code == 409
    assert ann.post(f"/projects/{project.id}/annotate").status_code == 403  # no CSRF token
    assert ann.post(f"/documents/{did}/annotate").status_code == 403
    assert _manual(session, did) == []
    # The form's POST takes it; a GET afterwards shows the draft and takes nothing more.
    assert ann.post(f"/documents/{did}/annotate", data={"csrf_token": ann.csrf}).status_code == 303
    assert (
        ann.get(f"/projects/{project.id}/annotate")
        .headers["Location"]
        .endswith(f"/documents/{did}/annotate")
    )
    assert "annotate-data" in ann.get(f"/documents/{did}/annotate").get_data(as_text=True)
    assert len(_manual(session, did)) == 1
