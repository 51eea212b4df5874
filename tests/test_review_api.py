"""Review through the API with three real annotator accounts: consolidation under majority
and unanimity, auto-accept, queue order, gold (what export reads), decisions, history,
feedback and permissions."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from sklearn.metrics import precision_recall_fscore_support
from sqlalchemy import update

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import client_of
from textlabel.models import ReviewItem
from textlabel.models.base import utcnow
from textlabel.review import queue

ANNOTATORS = ("ann1", "ann2", "ann3")
TEXTS = [
    "Alice met Bob in Paris on Monday.",
    "Carol works for Acme in Berlin.",
    "Dave visited Rome with Erin.",
    "Frank left Oslo for Lima.",
]


def span(text: str, word: str, label: str) -> dict:
    start = text.index(word)
    return {"start": start, "end": start + len(word), "label": label}


as_ = client_of


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    make_users(session, *ANNOTATORS, "rev1", "rev2", "boss")
    members = {**dict.fromkeys(ANNOTATORS, "annotator"), "rev1": "reviewer", "rev2": "reviewer",
               "boss": "manager"}  # fmt: skip
    project = make_project(session, admin, members=members, overlap=3)
    add_documents(session, project, TEXTS)
    return project


def settings(app: Flask, project, **values) -> None:
    got = as_(app, "boss").put(f"/projects/{project.id}/review-settings", json=values)
    assert got.status_code == 200, got.get_data(as_text=True)


def submit(app: Flask, did: int, plan: dict[str, list[dict]]) -> None:
    for name, spans in plan.items():
        got = as_(app, name).put(
            f"/documents/{did}/annotations/me",
            json={"version": 0, "status": "submitted", "spans": spans},
        )
        assert got.status_code == 200, got.get_data(as_text=True)


def doc_ids(app: Flask, project) -> list[int]:
    items = as_(app, "boss").get(f"/projects/{project.id}/documents?per_page=50").json["items"]
    return sorted(item["id"] for item in items)


def test_majority_and_unanimity_consolidate_as_expected(app: Flask, project) -> None:
    settings(app, project, auto_accept="off")
    did = doc_ids(app, project)[0]
    text = TEXTS[0]
    alice_per, alice_org = span(text, "Alice", "PER"), span(text, "Alice", "ORG")
    paris = span(text, "Paris", "LOC")
    bob = span(text, "Bob", "PER")
    submit(app, did, {"ann1": [alice_per, bob, paris], "ann2": [alice_per, bob],
                      "ann3": [alice_org, bob]})  # fmt: skip
    reviewer = as_(app, "rev1")
    view = reviewer.get(f"/documents/{did}/review").json
    votes = {
        (c["start"], c["label"]): (c["votes"], c["accepted"]) for c in view["candidates"]["spans"]
    }
    assert votes == {
        (alice_per["start"], "PER"): (2, True),
        (alice_org["start"], "ORG"): (1, False),
        (bob["start"], "PER"): (3, True),
        (paris["start"], "LOC"): (1, False),
    }
    assert view["draft"]["spans"] == [alice_per, bob]
    assert {a["user"] for a in view["annotators"]} == set(ANNOTATORS)  # names even when blind
    assert view["unanimous"] is False

    settings(app, project, min_share=1.0)
    view = reviewer.get(f"/documents/{did}/review").json
    assert view["draft"]["spans"] == [bob]
    assert [c["accepted"] for c in view["candidates"]["spans"] if c["votes"] == 2] == [False]


def test_unanimous_documents_are_accepted_as_gold_without_a_reviewer(app: Flask, project) -> None:
    first, second = doc_ids(app, project)[:2]
    agreed = [span(TEXTS[0], "Alice", "PER"), span(TEXTS[0], "Paris", "LOC")]
    submit(app, first, dict.fromkeys(ANNOTATORS, agreed))
    submit(app, second, {"ann1": [span(TEXTS[1], "Acme", "ORG")], "ann2": [], "ann3": []})
    queue = as_(app, "rev1").get(f"/projects/{project.id}/review-queue").json
    assert queue["counts"] == {"to_review": 1, "in_review": 0, "reviewed": 0,
                               "auto_accepted": 1, "waiting": 0}  # fmt: skip
    assert [item["document_id"] for item in queue["items"]] == [second]
    gold = as_(app, "rev1").get(f"/documents/{first}/gold").json
    assert [{k: s[k] for k in ("start", "end", "label")} for s in gold["spans"]] == agreed
    assert gold["info"]["auto_accepted"] is True and gold["version"] >= 1


def test_threshold_setting_accepts_documents_above_it(app: Flask, project) -> None:
    settings(app, project, auto_accept="threshold", threshold=0.5)
    did = doc_ids(app, project)[0]
    alice, bob = span(TEXTS[0], "Alice", "PER"), span(TEXTS[0], "Bob", "PER")
    # pairwise exact span F1 pooled: pairs (1-2) 2/2, (1-3) 1 of 2/1, (2-3) 1 of 2/1 -> 8/10
    submit(app, did, {"ann1": [alice, bob], "ann2": [alice, bob], "ann3": [bob]})
    queue = as_(app, "rev1").get(f"/projects/{project.id}/review-queue?state=all").json
    assert [(i["state"], round(i["score"], 6)) for i in queue["items"]] == [("auto_accepted", 0.8)]


def test_queue_order_follows_agreement(app: Flask, project) -> None:
    settings(app, project, auto_accept="off")
    ids = doc_ids(app, project)
    plans = {
        ids[0]: {"ann1": [span(TEXTS[0], "Alice", "PER")], "ann2": [span(TEXTS[0], "Alice", "PER")],
                 "ann3": [span(TEXTS[0], "Alice", "ORG")]},
        ids[1]: {"ann1": [span(TEXTS[1], "Carol", "PER")], "ann2": [span(TEXTS[1], "Acme", "ORG")],
                 "ann3": [span(TEXTS[1], "Berlin", "LOC")]},
        ids[2]: {name: [span(TEXTS[2], "Dave", "PER"), span(TEXTS[2], "Rome", "LOC")]
                 for name in ANNOTATORS},
        ids[3]: {"ann1": [span(TEXTS[3], "Oslo", "LOC"), span(TEXTS[3], "Lima", "LOC")],
                 "ann2": [span(TEXTS[3], "Oslo", "LOC")], "ann3": [span(TEXTS[3], "Oslo", "LOC")]},
    }  # fmt: skip
    for did, plan in plans.items():
        submit(app, did, plan)
    queue = as_(app, "rev1").get(f"/projects/{project.id}/review-queue").json
    order = [item["document_id"] for item in queue["items"]]
    # The agreement report (issue 5) scores the same documents independently.
    report = as_(app, "boss").get(f"/projects/{project.id}/agreement?layer=entities").json
    scores = {d["id"]: d["score"] for d in report["documents"]}
    assert order == sorted(scores, key=lambda d: (scores[d], d))
    assert order[0] == ids[1] and order[-1] == ids[2]  # nothing shared first, full agreement last
    # Filters: a disputed label, an annotator.
    got = as_(app, "rev1").get(f"/projects/{project.id}/review-queue?label=ORG").json
    assert [i["document_id"] for i in got["items"]] == [ids[1], ids[0]]
    got = as_(app, "rev1").get(f"/projects/{project.id}/review-queue?annotator=nobody").json
    assert got["items"] == [] and got["counts"]["to_review"] == 4
    # Taking documents follows the same order and never hands out one twice.
    taken = [as_(app, name).get(f"/projects/{project.id}/review-queue/next").json["document_id"]
             for name in ("rev1", "rev2")]  # fmt: skip
    assert taken == order[:2]
    again = as_(app, "rev1").get(f"/projects/{project.id}/review-queue/next").json
    assert again["document_id"] == order[0]  # the one they hold


def _plain(spans: list[dict]) -> list[tuple]:
    return [(s["start"], s["end"], s["label"]) for s in spans]


def test_gold_saved_by_a_reviewer_is_what_export_reads(app: Flask, project) -> None:
    settings(app, project, auto_accept="off")
    did = doc_ids(app, project)[0]
    text = TEXTS[0]
    alice, bob, paris = (
        span(text, "Alice", "PER"),
        span(text, "Bob", "PER"),
        span(text, "Paris", "LOC"),
    )
    submit(app, did, {"ann1": [alice, bob], "ann2": [alice], "ann3": [alice, paris]})
    rev = as_(app, "rev1")
    assert rev.get(f"/documents/{did}/gold").json["version"] == 0
    monday = span(text, "Monday", "ORG")  # a span no annotator made
    saved = rev.put(f"/documents/{did}/gold", json={"version": 0, "spans": [alice, paris, monday]})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    decisions = {k: v["decision"] for k, v in saved.json["info"]["decisions"].items()}
    assert decisions == {
        f"span:{alice['start']}:{alice['end']}:PER": "accepted",
        f"span:{bob['start']}:{bob['end']}:PER": "rejected",
        f"span:{paris['start']}:{paris['end']}:LOC": "accepted",
        f"span:{monday['start']}:{monday['end']}:ORG": "added",
    }
    stale = rev.put(f"/documents/{did}/gold", json={"version": 0, "spans": []})
    assert (
        stale.status_code == 409
        and stale.json["error"]["details"]["version"] == saved.json["version"]
    )

    export = as_(app, "boss").get(f"/projects/{project.id}/export?format=jsonl&source=gold")
    assert export.status_code == 200
    records = [json.loads(line) for line in export.get_data(as_text=True).splitlines() if line]
    assert len(records) == 1 and records[0]["text"] == text
    assert sorted(_plain(records[0]["spans"])) == sorted(_plain([alice, paris, monday]))

    # A second reviewer changes one decision: the others keep their first decider.
    rev2 = as_(app, "rev2")
    again = rev2.put(f"/documents/{did}/gold", json={"version": saved.json["version"],
                                                     "spans": [alice, monday]})  # fmt: skip
    who = {k: (v["decision"], v["by"]) for k, v in again.json["info"]["decisions"].items()}
    assert who[f"span:{alice['start']}:{alice['end']}:PER"] == ("accepted", "rev1")
    assert who[f"span:{paris['start']}:{paris['end']}:LOC"] == ("rejected", "rev2")
    view = rev2.get(f"/documents/{did}/review").json
    assert view["review"]["state"] == "reviewed" and view["review"]["decided_by"] == "rev2"

    history = rev2.get(f"/documents/{did}/history").json
    actions = [(h["action"], h["user"]) for h in history]
    assert ("review.decide", "rev1") in actions and ("review.decide", "rev2") in actions
    saves = [h for h in history if h["action"] == "annotation.save" and h["user"] == "rev2"]
    assert saves and saves[-1]["before"]["spans"] == [
        {"layer": "ent", "start": paris["start"], "end": paris["end"], "label": "LOC"}
    ]
    assert {h["user"] for h in history if h["action"] == "annotation.save"} >= set(ANNOTATORS)


def test_feedback_matches_sklearn(app: Flask, project) -> None:
    settings(app, project, auto_accept="off")
    ids = doc_ids(app, project)[:2]
    made = {
        ids[0]: {"ann1": [span(TEXTS[0], "Alice", "PER"), span(TEXTS[0], "Paris", "ORG")],
                 "ann2": [span(TEXTS[0], "Alice", "PER")], "ann3": [span(TEXTS[0], "Bob", "PER")]},
        ids[1]: {"ann1": [span(TEXTS[1], "Acme", "ORG")], "ann2": [span(TEXTS[1], "Acme", "LOC")],
                 "ann3": [span(TEXTS[1], "Acme", "ORG"), span(TEXTS[1], "Berlin", "LOC")]},
    }  # fmt: skip
    gold = {
        ids[0]: [span(TEXTS[0], "Alice", "PER"), span(TEXTS[0], "Bob", "PER"),
                 span(TEXTS[0], "Paris", "LOC")],
        ids[1]: [span(TEXTS[1], "Acme", "ORG"), span(TEXTS[1], "Berlin", "LOC")],
    }  # fmt: skip
    for did in ids:
        submit(app, did, made[did])
        saved = as_(app, "rev1").put(
            f"/documents/{did}/gold", json={"version": 0, "spans": gold[did]}
        )
        assert saved.status_code == 200
    got = as_(app, "boss").get(f"/projects/{project.id}/feedback")
    assert got.status_code == 200
    by_name = {row["annotator"]: row for row in got.json}
    for name in ANNOTATORS:
        # Reference: every span either side is an item; y_true = in gold, y_pred = made.
        items = sorted({(d, *_plain([s])[0]) for d in ids for s in made[d][name] + gold[d]})
        truth = [any((d, *_plain([s])[0]) == i for d in ids for s in gold[d]) for i in items]
        pred = [any((d, *_plain([s])[0]) == i for d in ids for s in made[d][name]) for i in items]
        p, r, f, _ = precision_recall_fscore_support(truth, pred, average="binary", zero_division=0)
        assert (by_name[name]["precision"], by_name[name]["recall"], by_name[name]["f1"]) == (
            pytest.approx(p),
            pytest.approx(r),
            pytest.approx(f),
        )
        for label, row in by_name[name]["per_label"].items():
            keep = [i[3] == label for i in items]
            t = [x for x, k in zip(truth, keep, strict=True) if k]
            q = [x for x, k in zip(pred, keep, strict=True) if k]
            _, _, f_label, _ = precision_recall_fscore_support(
                t, q, average="binary", zero_division=0
            )
            assert row["f1"] == pytest.approx(f_label)
    assert as_(app, "rev1").get(f"/projects/{project.id}/feedback").status_code == 403


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/projects/{pid}/review-queue"),
        ("get", "/projects/{pid}/review-queue/next"),
        ("get", "/documents/{did}/review"),
        ("get", "/documents/{did}/gold"),
        ("put", "/documents/{did}/gold"),
        ("get", "/documents/{did}/history"),
        ("get", "/projects/{pid}/feedback"),
        ("put", "/projects/{pid}/review-settings"),
    ],
)
def test_annotators_cannot_reach_review_or_gold(app: Flask, project, method, path) -> None:
    did = doc_ids(app, project)[0]
    url = path.format(pid=project.id, did=did)
    got = getattr(as_(app, "ann1"), method)(url, json={"version": 0, "spans": []})
    assert got.status_code == 403, got.get_data(as_text=True)


def test_review_settings_are_checked(app: Flask, project) -> None:
    boss = as_(app, "boss")
    assert (
        boss.put(f"/projects/{project.id}/review-settings", json={"min_share": 0}).status_code
        == 422
    )
    bad = boss.put(f"/projects/{project.id}/review-settings", json={"auto_accept": "maybe"})
    assert bad.status_code == 422
    assert boss.get(f"/projects/{project.id}/review-settings").json == {
        "min_share": 0.5, "auto_accept": "unanimous", "threshold": 0.9}  # fmt: skip


def test_a_lapsed_hold_goes_to_the_next_reviewer(app: Flask, project, session) -> None:
    settings(app, project, auto_accept="off")
    did = doc_ids(app, project)[0]
    submit(app, did, {"ann1": [span(TEXTS[0], "Alice", "PER")], "ann2": [], "ann3": []})
    next_url = f"/projects/{project.id}/review-queue/next"
    assert as_(app, "rev1").get(next_url).json["document_id"] == did
    assert as_(app, "rev2").get(next_url).json["document_id"] is None  # held by rev1
    session.execute(
        update(ReviewItem)
        .where(ReviewItem.document_id == did)
        .values(claimed_at=utcnow() - timedelta(hours=queue.HOLD_HOURS, minutes=1))
    )
    assert as_(app, "rev2").get(next_url).json["document_id"] == did
    assert as_(app, "rev1").get(next_url).json["document_id"] is None
