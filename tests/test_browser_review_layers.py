"""Relations, document labels and span categories on the adjudication screen in Chromium:
candidates with votes, accept / reject by keyboard, one label in a single-choice project,
saved into gold and shown as decided after a reload."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_user
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada Lovelace met Charles Babbage in London."
ADA, CHARLES, LONDON = (0, 12), (17, 32), (36, 42)
NAMES = ("ann1", "ann2", "ann3")


def _ent(span, label):
    return {"start": span[0], "end": span[1], "label": label}


def _rel(head, child, label):
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip


@pytest.fixture
def did(app, session) -> int:
    from textlabel.models import Project

    for name in ("mgr", "rev", *NAMES):
        make_user(session, name)
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Adjudicate", "overlap": 3, "layers": ["entities", "relations", "cats", "spans"],
        "labels": [{"name": "PER"}, {"name": "LOC"}],
        "relation_labels": [{"name": "lives_in"}, {"name": "knows", "directed": False}],
        "categories": [{"name": "science"}, {"name": "politics"}], "cats_mode": "single",
        "span_labels": [{"name": "NAME"}, {"name": "PLACE"}],
    }).json  # fmt: skip
    for name, role in {**dict.fromkeys(NAMES, "annotator"), "rev": "reviewer"}.items():
        manager.post(f"/projects/{project['id']}/members", json={"username": name, "role": role})
    (document,) = add_documents(session, session.get(Project, project["id"]), [TEXT])
    entities = [_ent(ADA, "PER"), _ent(CHARLES, "PER"), _ent(LONDON, "LOC")]
    lives, knows = _rel(ADA, LONDON, "lives_in"), _rel(ADA, CHARLES, "knows")
    name_span, place = _ent(ADA, "NAME"), _ent(LONDON, "PLACE")
    plans = {
        "ann1": {"relations": [lives], "cats": {"science": 1.0}, "span_cats": [name_span, place]},
        "ann2": {"relations": [lives], "cats": {"science": 1.0}, "span_cats": [name_span]},
        "ann3": {"relations": [knows], "cats": {"politics": 1.0}, "span_cats": [name_span]},
    }
    for name, plan in plans.items():
        saved = api_as(app, name).put(f"/documents/{document.id}/annotations/me", json={
            "version": 0, "status": "submitted", "spans": entities, **plan})  # fmt: skip
        assert saved.status_code == 200, saved.json
    return document.id


def _states(page, kind: str) -> dict[str, tuple[str, str]]:
    """Each candidate of a list as its text (quotes and label) -> (votes, state)."""
    rows = page.eval_on_selector_all(
        f"#cand-{kind} .cand",
        """els => els.map(e => [
        [...e.querySelectorAll('q, .label')].map(x => x.textContent).join(' '),
        [e.querySelector('.votes').textContent, e.dataset.state]])""",
    )
    return {text: tuple(state) for text, state in rows}


def test_reviewer_decides_relations_labels_and_span_categories(app, page, did) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{did}/review")
    page.wait_for_selector("#review[data-ready=true]")
    assert _states(page, "relation") == {
        "Ada Lovelace Charles Babbage": ("1/3", "pending"),
        "Ada Lovelace London": ("2/3", "accepted"),
    }
    assert _states(page, "cat") == {"science": ("2/3", "accepted"), "politics": ("1/3", "pending")}
    assert _states(page, "spancat") == {
        "Ada Lovelace NAME": ("3/3", "accepted"),
        "London PLACE": ("1/3", "pending"),
    }
    # the keyboard walks into the new lists: j from the last entity reaches the relations
    page.click("#cand-span .cand >> nth=2")
    page.keyboard.press("j")
    assert "knows" in page.locator('.cand[aria-current="true"]').inner_text()
    page.keyboard.press("a")  # accept the minority relation
    page.click("#cand-cat .cand:has-text('politics')")
    page.keyboard.press("a")  # single choice: science is rejected with it
    page.click("#cand-spancat .cand:has-text('PLACE')")
    page.keyboard.press("r")
    assert _states(page, "cat") == {"science": ("2/3", "rejected"), "politics": ("1/3", "accepted")}
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")

    gold = api_as(app, "rev").get(f"/documents/{did}/gold").json
    assert sorted(r["label"] for r in gold["relations"]) == ["knows", "lives_in"]
    assert gold["cats"] == {"politics": 1.0}
    assert [(s["start"], s["end"], s["label"]) for s in gold["span_cats"]] == [(*ADA, "NAME")]
    page.reload()
    page.wait_for_selector("#review[data-ready=true]")
    assert _states(page, "cat") == {"science": ("2/3", "rejected"), "politics": ("1/3", "accepted")}
    assert _states(page, "spancat")["London PLACE"] == ("1/3", "rejected")
    decided = page.locator("#cand-relation .cand:has-text('Charles') .decided").inner_text()
    assert decided == "accepted by rev"
    assert errors == []


def test_undecided_relations_labels_and_span_categories_are_asked_about(app, page, did) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))  # none expected
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{did}/review")
    page.wait_for_selector("#review[data-ready=true]")
    # One label per document: science (2/3) is chosen, so politics is decided too.
    assert page.locator("#count-cat").inner_text() == "2"
    assert page.locator("#count-spancat").inner_text() == "2 · 1 undecided"
    page.click("#cand-cat .cand:has-text('science')")
    page.keyboard.press("r")  # no label chosen now
    assert page.locator("#count-cat").inner_text() == "2 · 1 undecided"
    page.keyboard.press("Control+Enter")
    asked = page.locator("dialog.confirm-dialog")
    assert asked.locator("li").all_inner_texts() == [
        "1 relation with nothing chosen: left out of the gold",
        "1 span category with nothing chosen: left out of the gold",
        "1 document label with nothing chosen: left out of the gold",
    ]
    page.keyboard.press("Escape")
    # Shift+N with unsaved decisions asks in the page too; Esc stays, Enter leaves.
    url = page.url
    page.keyboard.press("Shift+N")
    assert asked.locator("h2").inner_text() == "Leave without saving the gold?"
    page.keyboard.press("Escape")
    assert asked.count() == 0 and page.url == url
    page.keyboard.press("Shift+N")
    with page.expect_navigation():  # the next document (the one held: this one again)
        page.keyboard.press("Enter")
    assert dialogs == []
    assert api_as(app, "rev").get(f"/documents/{did}/gold").json["version"] == 0
