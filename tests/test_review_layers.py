"""POS and coreference through review: tag and link candidates with votes, gold decisions,
and what the export reads; auto-accepted gold withdrawn when its agreement goes away."""

from __future__ import annotations

import json

import pytest

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import api_as

TEXT = "Ada met Bob. She smiled."
NAMES = ("ann1", "ann2", "ann3")


def mention(word: str) -> dict:
    start = TEXT.index(word)
    return {"start": start, "end": start + len(word)}


ADA, BOB, SHE = mention("Ada"), mention("Bob"), mention("She")


@pytest.fixture
def did(app, session) -> int:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "rev", *NAMES, "boss")
    members = {**dict.fromkeys(NAMES, "annotator"), "rev": "reviewer", "boss": "manager"}
    project = make_project(session, admin, overlap=3, members=members,
                           layers=["entities", "pos", "coref"])  # fmt: skip
    (document,) = add_documents(session, project, [TEXT])
    return document.id


def _put(app, name: str, did: int, **body) -> dict:
    got = api_as(app, name).put(f"/documents/{did}/annotations/me", json={"version": 0, **body})
    assert got.status_code == 200, got.get_data(as_text=True)
    return got.json


def _n_tokens(app, did: int) -> int:
    api_as(app, "ann1").put(f"/documents/{did}/annotations/me", json={"version": 0})
    return len(api_as(app, "rev").get(f"/documents/{did}").json["tokens"])


def test_pos_and_coref_candidates_decisions_and_export(app, did) -> None:
    n = _n_tokens(app, did)
    base = ["X"] * n
    noun_first = ["NOUN", *base[1:]]
    plans = {
        "ann1": {"pos": ["PROPN", *base[1:]], "coref": [[ADA, SHE]]},
        "ann2": {"pos": ["PROPN", *base[1:]], "coref": [[SHE, ADA]]},  # order does not matter
        "ann3": {"pos": noun_first, "coref": [[BOB, SHE]]},
    }
    for name, plan in plans.items():
        version = api_as(app, name).get(f"/documents/{did}/annotations/me").json["version"]
        body = {"version": version, "status": "submitted", **plan}
        got = api_as(app, name).put(f"/documents/{did}/annotations/me", json=body)
        assert got.status_code == 200, got.get_data(as_text=True)
    rev = api_as(app, "rev")
    view = rev.get(f"/documents/{did}/review").json
    assert view["candidates"]["pos"] == [
        {"index": 0, "votes": {"PROPN": ["ann1", "ann2"], "NOUN": ["ann3"]}, "accepted": "PROPN"}
    ]
    links = {(c["a"]["start"], c["b"]["start"]): (c["votes"], c["accepted"])
             for c in view["candidates"]["links"]}  # fmt: skip
    assert links == {
        (ADA["start"], SHE["start"]): (2, True),
        (BOB["start"], SHE["start"]): (1, False),
    }
    assert view["draft"]["pos"] == ["PROPN", *base[1:]]
    assert view["draft"]["coref"] == [[ADA, SHE]]

    # The reviewer sides with the minority on both.
    saved = rev.put(f"/documents/{did}/gold",
                    json={"version": 0, "pos": noun_first, "coref": [[BOB, SHE]]})  # fmt: skip
    assert saved.status_code == 200, saved.get_data(as_text=True)
    decisions = {k: v["decision"] for k, v in saved.json["info"]["decisions"].items()}
    assert decisions == {
        "pos:0": "tag NOUN",
        f"link:{ADA['start']}:{ADA['end']}:{SHE['start']}:{SHE['end']}": "rejected",
        f"link:{BOB['start']}:{BOB['end']}:{SHE['start']}:{SHE['end']}": "accepted",
    }
    export = api_as(app, "boss").get(
        f"/projects/{view['document']['project_id']}/export?format=jsonl&source=gold"
    )
    (record,) = [json.loads(line) for line in export.get_data(as_text=True).splitlines() if line]
    assert record["pos"] == noun_first
    assert [[(m["start"], m["end"]) for m in chain] for chain in record["coref"]] == [
        [(BOB["start"], BOB["end"]), (SHE["start"], SHE["end"])]
    ]


def test_auto_accepted_gold_is_withdrawn_when_an_annotator_takes_back(app, did) -> None:
    ada_per = {**ADA, "label": "PER"}
    for name in NAMES:
        _put(app, name, did, status="submitted", spans=[ada_per])
    rev = api_as(app, "rev")
    gold = rev.get(f"/documents/{did}/gold").json
    assert gold["info"]["auto_accepted"] and [s["label"] for s in gold["spans"]] == ["PER"]
    mine = api_as(app, "ann3").get(f"/documents/{did}/annotations/me").json
    body = {"version": mine["version"], "status": "draft"}
    back = api_as(app, "ann3").put(f"/documents/{did}/annotations/me", json=body)
    assert back.status_code == 200
    assert rev.get(f"/documents/{did}/gold").json["version"] == 0
    history = [h["action"] for h in rev.get(f"/documents/{did}/history").json]
    assert history.count("gold.auto_accept") == 1 and history[-1] == "gold.withdraw"
    # Submitted again, now disagreeing: it waits for a reviewer instead.
    again = api_as(app, "ann3").put(f"/documents/{did}/annotations/me",
                                    json={"version": back.json["version"], "status": "submitted",
                                          "spans": []})  # fmt: skip
    assert again.status_code == 200
    assert rev.get(f"/documents/{did}/gold").json["version"] == 0
    view = rev.get(f"/documents/{did}/review").json
    assert view["review"]["state"] == "open" and view["unanimous"] is False
