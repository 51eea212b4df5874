"""The adjudication view in headless Chromium: a reviewer accepts one candidate and rejects
another with the keyboard, saves, and after a reload the gold shows exactly that."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London."


def _span(word: str, label: str) -> dict:
    start = TEXT.index(word)
    return {"start": start, "end": start + len(word), "label": label}


ADA, BABBAGE, LONDON = (
    _span("Ada Lovelace", "PER"),
    _span("Charles Babbage", "PER"),
    _span("London", "LOC"),
)


@pytest.fixture
def document_id(app, session) -> int:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2", "ann3")
    project = make_project(
        session, admin, overlap=3,
        members={"ann1": "annotator", "ann2": "annotator", "ann3": "annotator", "rev": "reviewer"},
    )  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    plans = {"ann1": [ADA, LONDON], "ann2": [ADA, BABBAGE], "ann3": [ADA]}
    for name, spans in plans.items():
        got = api_as(app, name).put(
            f"/documents/{document.id}/annotations/me",
            json={"version": 0, "status": "submitted", "spans": spans},
        )
        assert got.status_code == 200
    return document.id


def _candidate_states(page) -> dict[str, str]:
    rows = page.locator("#cand-span .cand")
    return {rows.nth(i).locator("q").inner_text(): rows.nth(i).get_attribute("data-state")
            for i in range(rows.count())}  # fmt: skip


def _gold_row_entities(page) -> list[str]:
    return page.eval_on_selector_all(".rv-gold .t.ent .tx", "els => els.map(e => e.textContent)")


def test_reviewer_accepts_one_rejects_another_and_gold_survives_reload(
    app, page, document_id
) -> None:
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{document_id}/review")
    assert _candidate_states(page) == {
        "Ada Lovelace": "accepted",  # three votes
        "Charles Babbage": "pending",
        "London": "pending",
    }
    assert page.locator("#count-span").inner_text() == "3 · 2 undecided"
    assert page.locator(".rv-row").count() == 4  # gold + three annotators, names shown
    assert page.locator(".rv-row .rv-who").all_inner_texts() == ["gold", "ann1", "ann2", "ann3"]
    page.keyboard.press("j")  # Charles Babbage
    page.keyboard.press("a")
    page.keyboard.press("j")  # London
    page.keyboard.press("r")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")

    page.reload()
    assert _candidate_states(page) == {
        "Ada Lovelace": "accepted",
        "Charles Babbage": "accepted",
        "London": "rejected",
    }
    assert _gold_row_entities(page) == ["Ada", "Lovelace", "Charles", "Babbage"]
    assert "accepted by rev" in page.locator("#cand-span .cand").nth(1).inner_text()
    assert "rejected by rev" in page.locator("#cand-span .cand").nth(2).inner_text()
    gold = api_as(app, "rev").get(f"/documents/{document_id}/gold").json
    assert [{k: s[k] for k in ("start", "end", "label")} for s in gold["spans"]] == [ADA, BABBAGE]


def test_pos_and_coreference_disagreements_by_keyboard(app, session, page) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2", "ann3")
    members = {"ann1": "annotator", "ann2": "annotator", "ann3": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=3, members=members,
                           layers=["entities", "pos", "coref"])  # fmt: skip
    text = "Ada met Bob. She smiled."
    (document,) = add_documents(session, project, [text])
    ada, bob, she = ({"start": text.index(w), "end": text.index(w) + len(w)}
                     for w in ("Ada", "Bob", "She"))  # fmt: skip
    api_as(app, "ann1").put(f"/documents/{document.id}/annotations/me", json={"version": 0})
    n = len(api_as(app, "rev").get(f"/documents/{document.id}").json["tokens"])
    rest = ["X"] * (n - 1)
    plans = {"ann1": (["PROPN", *rest], [[ada, she]]), "ann2": (["PROPN", *rest], [[ada, she]]),
             "ann3": (["NOUN", *rest], [[bob, she]])}  # fmt: skip
    for name, (pos, coref) in plans.items():
        client = api_as(app, name)
        version = client.get(f"/documents/{document.id}/annotations/me").json["version"]
        body = {"version": version, "status": "submitted", "pos": pos, "coref": coref}
        assert client.put(f"/documents/{document.id}/annotations/me", json=body).status_code == 200
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{document.id}/review")
    assert page.locator("#cand-pos .cand").count() == 1
    assert page.locator("#cand-link .cand").count() == 2
    page.keyboard.press("2")  # the POS candidate comes first: its second tag, NOUN (1 vote)
    page.keyboard.press("j")  # Ada - She (2 votes, accepted by the majority)
    page.keyboard.press("r")
    page.keyboard.press("j")  # Bob - She
    page.keyboard.press("a")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")
    page.reload()
    assert page.locator("#cand-pos .cand button.chosen").inner_text().startswith("2. NOUN")
    assert errors == []
    gold = api_as(app, "rev").get(f"/documents/{document.id}/gold").json
    assert gold["pos"] == ["NOUN", *rest]
    assert gold["coref"] == [[bob, she]]


LONG = "Ada Lovelace met Charles Babbage in London. She wrote to Mary Somerville in Paris."


def test_a_candidate_in_the_second_window_is_accepted_and_gold_shows_it(app, session, page) -> None:
    app.config["REVIEW_WINDOW_TOKENS"] = 8  # one sentence a window
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2", "ann3")
    members = {"ann1": "annotator", "ann2": "annotator", "ann3": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=3, members=members)
    (document,) = add_documents(session, project, [LONG])

    def span(word: str, label: str) -> dict:
        return {"start": LONG.index(word), "end": LONG.index(word) + len(word), "label": label}

    ada, mary, paris = (
        span("Ada Lovelace", "PER"),
        span("Mary Somerville", "PER"),
        span("Paris", "LOC"),
    )
    for name, spans in {"ann1": [ada, paris], "ann2": [ada, mary], "ann3": [ada]}.items():
        got = api_as(app, name).put(
            f"/documents/{document.id}/annotations/me",
            json={"version": 0, "status": "submitted", "spans": spans},
        )
        assert got.status_code == 200
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{document.id}/review")
    assert page.locator(".rv-gold .t .tx").all_inner_texts()[:2] == ["Ada", "Lovelace"]
    assert page.locator(".rv-row").count() == 4  # one sentence: gold + three annotators
    assert "Mary" not in page.locator("#rv-rows").inner_text()
    page.keyboard.press("j")  # Mary Somerville: its window comes in
    page.wait_for_selector(".rv-gold .t.focus:has-text('Mary')")
    assert "Ada" not in page.locator("#rv-rows").inner_text()
    page.keyboard.press("a")
    page.keyboard.press("j")  # Paris, same window
    page.keyboard.press("r")
    assert _gold_row_entities(page) == ["Mary", "Somerville"]
    page.keyboard.press("k")
    page.keyboard.press("k")  # back to Ada: the first window again
    page.wait_for_selector(".rv-gold .t.focus:has-text('Ada')")
    assert _gold_row_entities(page) == ["Ada", "Lovelace"]
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")

    page.reload()
    assert _candidate_states(page) == {
        "Ada Lovelace": "accepted",
        "Mary Somerville": "accepted",
        "Paris": "rejected",
    }
    page.keyboard.press("PageDown")
    page.wait_for_selector(".rv-gold .t:has-text('Paris')")
    assert _gold_row_entities(page) == ["Mary", "Somerville"]
    assert page.locator(".rv-row").count() == 4
    assert errors == []
    gold = api_as(app, "rev").get(f"/documents/{document.id}/gold").json
    assert [{k: s[k] for k in ("start", "end", "label")} for s in gold["spans"]] == [ada, mary]
