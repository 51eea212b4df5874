"""Gold never settles undecided candidates silently: open POS tokens (no majority tag) and
open coreference links (the share did not accept them) that a gold save leaves as the
draft had them are refused (422 `undecided`) unless the client lists the ones it leaves
undecided; those are recorded as undecided, counted in the gold, and asked about again."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as

TEXT = "Ada met Bob. She smiled."


def mention(word: str) -> dict:
    start = TEXT.index(word)
    return {"start": start, "end": start + len(word)}


ADA, BOB, SHE = mention("Ada"), mention("Bob"), mention("She")
ADA_SHE = f"link:{ADA['start']}:{ADA['end']}:{SHE['start']}:{SHE['end']}"
BOB_SHE = f"link:{BOB['start']}:{BOB['end']}:{SHE['start']}:{SHE['end']}"


@pytest.fixture
def setup(app, session):
    """Two annotators who disagree on the first tag and on which mention "She" refers to:
    a tie everywhere, so the POS token and both links are open."""
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", "ann1", "ann2")
    members = {"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, overlap=2, members=members,
                           layers=["entities", "pos", "coref"])  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    did = document.id
    n = len(api_as(app, "rev").get(f"/documents/{did}").json["tokens"])
    base = ["X"] * n
    plans = {"ann1": (["PROPN", *base[1:]], [[ADA, SHE]]),
             "ann2": (["NOUN", *base[1:]], [[BOB, SHE]])}  # fmt: skip
    for name, (pos, coref) in plans.items():
        got = api_as(app, name).put(f"/documents/{did}/annotations/me", json={
            "version": 0, "status": "submitted", "pos": pos, "coref": coref})  # fmt: skip
        assert got.status_code == 200, got.get_data(as_text=True)
    rev = api_as(app, "rev")
    draft = rev.get(f"/documents/{did}/review").json["draft"]
    return rev, did, draft


def _decisions(gold: dict) -> dict[str, str]:
    return {k: v["decision"] for k, v in gold["info"]["decisions"].items()}


def test_a_gold_that_leaves_open_candidates_as_they_were_is_refused(setup) -> None:
    rev, did, draft = setup
    got = rev.put(f"/documents/{did}/gold", json={"version": 0, "pos": draft["pos"],
                                                  "coref": draft["coref"]})  # fmt: skip
    assert got.status_code == 422, got.get_data(as_text=True)
    error = got.json["error"]
    assert error["code"] == "undecided"
    assert error["details"] == {"pos": 1, "links": 2, "keys": ["pos:0", ADA_SHE, BOB_SHE]}
    assert "1 POS tag(s) and 2 coreference link(s) are undecided" in error["message"]
    assert rev.get(f"/documents/{did}/gold").json["version"] == 0  # nothing saved


def test_undecided_candidates_are_recorded_counted_and_asked_again(setup) -> None:
    rev, did, draft = setup
    # The reviewer accepts Bob–She and leaves the tag and Ada–She undecided.
    body = {"version": 0, "pos": draft["pos"], "coref": [[BOB, SHE]]}
    saved = rev.put(f"/documents/{did}/gold", json={**body, "undecided": ["pos:0", ADA_SHE]})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert _decisions(saved.json) == {"pos:0": "undecided", ADA_SHE: "undecided",
                                      BOB_SHE: "accepted"}  # fmt: skip
    assert saved.json["undecided"] == {"pos": 1, "links": 1}
    assert rev.get(f"/documents/{did}/gold").json["undecided"] == {"pos": 1, "links": 1}
    # Saving again without saying anything: still undecided, so asked again.
    body["version"] = saved.json["version"]
    again = rev.put(f"/documents/{did}/gold", json=body)
    assert again.status_code == 422
    assert again.json["error"]["details"] == {"pos": 1, "links": 1, "keys": ["pos:0", ADA_SHE]}
    # An explicit empty list lets the gold decide them (the tag kept, the link rejected).
    decided = rev.put(f"/documents/{did}/gold", json={**body, "undecided": []})
    assert decided.status_code == 200, decided.get_data(as_text=True)
    assert _decisions(decided.json)[ADA_SHE] == "rejected"
    assert decided.json["undecided"] == {"pos": 0, "links": 0}
    # Decided once by a reviewer, the same gold is no longer asked about.
    body["version"] = decided.json["version"]
    assert rev.put(f"/documents/{did}/gold", json=body).status_code == 200


def test_a_gold_that_decides_visibly_needs_no_list(setup) -> None:
    rev, did, draft = setup
    pos = ["NOUN", *draft["pos"][1:]]
    saved = rev.put(f"/documents/{did}/gold",
                    json={"version": 0, "pos": pos, "coref": [[ADA, BOB, SHE]]})  # fmt: skip
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.json["undecided"] == {"pos": 0, "links": 0}
    assert _decisions(saved.json)["pos:0"] == "tag NOUN"


def test_only_open_candidates_can_be_left_undecided(setup) -> None:
    rev, did, draft = setup
    got = rev.put(f"/documents/{did}/gold", json={"version": 0, "pos": draft["pos"],
                                                  "undecided": ["pos:3"]})  # fmt: skip
    assert got.status_code == 422
    assert got.json["error"]["code"] == "invalid" and "'pos:3'" in got.json["error"]["message"]
