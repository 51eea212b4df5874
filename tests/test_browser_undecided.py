"""Adjudication in Chromium never settles undecided candidates silently: saving with open
POS tokens, links, or entity spans the annotators disagree on pending asks first in a dialog
on the page with the counts per layer (focus in it, Esc goes back, Enter saves); POS tokens
and links stay pending after the save and a reload, and a candidate changed since the last
save never shows the old decision as if it were its own."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as, browser_sign_in

pytestmark = pytest.mark.browser

TEXT = "Ada met Bob. She smiled."


def _m(word: str) -> dict:
    return {"start": TEXT.index(word), "end": TEXT.index(word) + len(word)}


ADA, BOB, SHE = _m("Ada"), _m("Bob"), _m("She")
ADA_SHE = f"link:{ADA['start']}:{ADA['end']}:{SHE['start']}:{SHE['end']}"
BOB_SHE = f"link:{BOB['start']}:{BOB['end']}:{SHE['start']}:{SHE['end']}"


def _states(page, kind: str) -> list[tuple[str, list[str]]]:
    rows = page.locator(f"#cand-{kind} .cand")
    return [
        (row.get_attribute("data-state"), row.locator(".decided").all_inner_texts())
        for row in (rows.nth(i) for i in range(rows.count()))
    ]


def test_saving_with_undecided_candidates_asks_and_keeps_them_undecided(app, session, page) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2")
    members = {"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=2, members=members,
                           layers=["entities", "pos", "coref"])  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    did = document.id
    n = len(api_as(app, "rev").get(f"/documents/{did}").json["tokens"])
    rest = ["X"] * (n - 1)
    # A tie everywhere: the first tag, both links and Ada's label are open; Bob is agreed.
    bob = {**BOB, "label": "PER"}
    for name, pos, chain, label in (("ann1", "PROPN", [ADA, SHE], "PER"),
                                    ("ann2", "NOUN", [BOB, SHE], "ORG")):  # fmt: skip
        body = {"version": 0, "status": "submitted", "pos": [pos, *rest], "coref": [chain],
                "spans": [{**ADA, "label": label}, bob]}  # fmt: skip
        got = api_as(app, name).put(f"/documents/{did}/annotations/me", json=body)
        assert got.status_code == 200
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))  # none expected
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{did}/review")
    page.wait_for_selector("#review[data-ready=true]")
    page.locator("#cand-link .cand").nth(1).locator("[data-act=accept]").click()  # Bob - She
    page.keyboard.press("Control+Enter")
    asked = page.locator("dialog.confirm-dialog")
    assert asked.is_visible()
    assert page.evaluate("() => !!document.activeElement.closest('dialog.confirm-dialog')")
    assert asked.locator("li").all_inner_texts() == [
        "2 entity spans with nothing chosen: left out of the gold",
        "1 POS tag undecided: the draft's tag is kept and asked about again",
        "1 coreference link undecided: left out of the chains and asked about again",
    ]
    page.keyboard.press("j")  # the page's keys wait while it is open
    page.keyboard.press("Escape")  # back to deciding: nothing saved
    assert asked.count() == 0
    assert page.locator("#count-span").inner_text() == "3 · 2 undecided"  # as the dialog says
    assert page.locator("#save-state").get_attribute("data-state") == "dirty"
    assert api_as(app, "rev").get(f"/documents/{did}/gold").json["version"] == 0
    assert page.locator("#cand-link .cand").nth(1).get_attribute("aria-current") == "true"
    ada_per = page.locator("#cand-span .cand:has(.label:text-is('PER'))").first
    ada_per.locator("[data-act=accept]").click()  # Ada PER chosen: Ada ORG counts as decided
    assert page.locator("#count-span").inner_text() == "3"  # the badge agrees
    page.keyboard.press("Control+Enter")
    assert asked.locator("li").all_inner_texts() == [
        "1 POS tag undecided: the draft's tag is kept and asked about again",
        "1 coreference link undecided: left out of the chains and asked about again",
    ]
    page.keyboard.press("Enter")  # save anyway
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")
    assert asked.count() == 0 and dialogs == []
    gold = api_as(app, "rev").get(f"/documents/{did}/gold").json
    assert sorted((s["start"], s["label"]) for s in gold["spans"]) == [(0, "PER"), (8, "PER")]
    decisions = {k: v["decision"] for k, v in gold["info"]["decisions"].items()
                 if k.startswith(("pos:", "link:"))}  # fmt: skip
    assert decisions == {"pos:0": "undecided", ADA_SHE: "undecided", BOB_SHE: "accepted"}
    assert gold["undecided"] == {"pos": 1, "links": 1}

    page.reload()
    assert _states(page, "pos") == [("pending", ["left undecided by rev"])]
    assert _states(page, "link") == [("pending", ["left undecided by rev"]),
                                     ("accepted", ["accepted by rev"])]  # fmt: skip
    assert page.locator("#count-link").inner_text() == "2 · 1 undecided"
    page.locator("#cand-link .cand q").first.click()  # Ada - She
    # accepted now: the saved decision is not its own
    page.keyboard.press("a")
    assert _states(page, "link")[0] == ("accepted", ["not saved yet (saved: undecided by rev)"])
    page.keyboard.press("r")
    assert _states(page, "link")[0] == ("rejected", ["not saved yet (saved: undecided by rev)"])
