"""Adjudication in Chromium never settles undecided candidates silently: saving with open
POS tokens or links pending asks first with their count, they stay pending after the save
and a reload, and a candidate changed since the last save never shows the old decision as
if it were its own."""

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
    # A tie everywhere: the first tag and both links are open.
    for name, pos, chain in (("ann1", "PROPN", [ADA, SHE]), ("ann2", "NOUN", [BOB, SHE])):
        body = {"version": 0, "status": "submitted", "pos": [pos, *rest], "coref": [chain]}
        got = api_as(app, name).put(f"/documents/{did}/annotations/me", json=body)
        assert got.status_code == 200
    asked: list[str] = []
    answers = [False, True]

    def answer(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept() if answers.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    browser_sign_in(page, "rev")
    page.goto(f"/documents/{did}/review")
    page.keyboard.press("j")  # Ada - She
    page.keyboard.press("j")  # Bob - She
    page.keyboard.press("a")
    page.keyboard.press("Control+Enter")  # asked (confirm blocks the key's handler), declined
    assert len(asked) == 1 and "1 POS tag and 1 coreference link undecided" in asked[0]
    assert page.locator("#save-state").get_attribute("data-state") == "dirty"
    assert api_as(app, "rev").get(f"/documents/{did}/gold").json["version"] == 0
    page.keyboard.press("Control+Enter")  # asked again, and confirmed
    page.wait_for_selector("#save-state[data-state=saved]:has-text('gold v')")
    assert len(asked) == 2
    gold = api_as(app, "rev").get(f"/documents/{did}/gold").json
    decisions = {k: v["decision"] for k, v in gold["info"]["decisions"].items()}
    assert decisions == {"pos:0": "undecided", ADA_SHE: "undecided", BOB_SHE: "accepted"}
    assert gold["undecided"] == {"pos": 1, "links": 1}

    page.reload()
    assert _states(page, "pos") == [("pending", ["left undecided by rev"])]
    assert _states(page, "link") == [("pending", ["left undecided by rev"]),
                                     ("accepted", ["accepted by rev"])]  # fmt: skip
    assert page.locator("#count-link").inner_text() == "2 · 1 undecided"
    page.keyboard.press("j")  # Ada - She, accepted now: the saved decision is not its own
    page.keyboard.press("a")
    assert _states(page, "link")[0] == ("accepted", ["not saved yet (saved: undecided by rev)"])
    page.keyboard.press("r")
    assert _states(page, "link")[0] == ("rejected", ["not saved yet (saved: undecided by rev)"])
