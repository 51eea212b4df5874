"""Relations, document labels and span categories as adjudication candidates: votes, the
share rule, unanimity, the reviewer's decisions and the gold they make (pure and API)."""

from __future__ import annotations

import pytest

from tests.factories import add_documents, make_user
from tests.helpers import api_as
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.review.draft import draft_document
from textlabel.review.layer_candidates import cat_candidates, span_cat_candidates

TEXT = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine."
ADA, BABBAGE, LONDON = (0, 12), (25, 40), (44, 50)
NAMES = ("ann1", "ann2", "ann3")


def _accepted(candidates) -> dict:
    return {c.item: (c.votes, c.accepted) for c in candidates}


def test_document_labels_single_choice_takes_one_and_multi_every_majority() -> None:
    cats = {"a": ["arts", "science"], "b": ["science"], "c": ["arts"]}
    multi = cat_candidates(cats, categories=("science", "arts"))
    assert _accepted(multi) == {("science",): (2, True), ("arts",): (2, True)}
    assert [c.item for c in multi] == [("science",), ("arts",)]  # the project's order
    # at least a third: both reach it, a single-choice project keeps the first in order
    single = cat_candidates(cats, categories=("arts", "science"), single=True, min_share=0.3)
    assert _accepted(single) == {("arts",): (2, True), ("science",): (2, False)}


def test_span_categories_nest_unless_the_project_keeps_them_apart() -> None:
    spans = {"a": [(0, 10, "NP"), (0, 3, "NP")], "b": [(0, 10, "NP"), (0, 3, "NP")], "c": []}
    assert _accepted(span_cat_candidates(spans)) == {(0, 10, "NP"): (2, True),
                                                     (0, 3, "NP"): (2, True)}  # fmt: skip
    apart = span_cat_candidates(spans, overlap="none")
    assert sorted(c.accepted for c in apart) == [False, True]


def test_a_relation_needs_both_entities_accepted_and_unanimity_needs_every_layer() -> None:
    entities = [(*ADA, "PER"), (*LONDON, "LOC")]
    lives = (*ADA, *LONDON, "lives_in")
    doc = DocumentAnnotations(1, [], spans={"a": entities, "b": entities},
                              relations={"a": [lives], "b": [lives]},
                              cats={"a": ["science"], "b": ["science"]},
                              span_cats={"a": [(0, 12, "NAME")], "b": [(0, 12, "NAME")]},
                              categories=("science",))  # fmt: skip
    layers = ["entities", "relations", "cats", "spans"]
    draft = draft_document(doc, layers=layers)
    assert draft.unanimous and draft.disputed == 0
    gold = draft.gold_payload()
    assert [(r.head, r.child, r.label) for r in gold.relations] == [(ADA, LONDON, "lives_in")]
    assert gold.cats == (("science", 1.0),) and [s.label for s in gold.span_cats] == ["NAME"]
    # London left out by one of two: its relation loses an end and is not accepted
    doc.spans["b"] = entities[:1]
    doc.relations["b"] = []
    draft = draft_document(doc, layers=layers)
    assert not draft.unanimous
    assert [(c.kind, c.votes, c.accepted) for c in draft.items if c.kind == "relation"] == [
        ("relation", 1, False)
    ]


def test_the_queue_score_is_the_lowest_over_the_new_layers_too() -> None:
    entities = [(*ADA, "PER"), (*LONDON, "LOC")]
    lives = (*ADA, *LONDON, "lives_in")
    name = [(0, 12, "NAME")]
    doc = DocumentAnnotations(1, [], spans={"a": entities, "b": entities},
                              relations={"a": [lives], "b": []},
                              span_cats={"a": name, "b": name})  # fmt: skip
    assert draft_document(doc, layers=["entities", "spans"]).score == 1.0
    # the relation drawn by one of two: relation F1 0, the document's lowest score
    assert draft_document(doc, layers=["entities", "relations", "spans"]).score == 0.0


@pytest.fixture
def review(app, session):
    from textlabel.models import Project

    for name in ("mgr", "rev", *NAMES):
        make_user(session, name)
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Adjudicate", "overlap": 3, "layers": ["entities", "relations", "cats", "spans"],
        "labels": [{"name": "PER"}, {"name": "LOC"}],
        "relation_labels": [{"name": "lives_in", "heads": ["PER"], "children": ["LOC"]},
                            {"name": "knows", "directed": False}],
        "categories": [{"name": "science"}, {"name": "politics"}], "cats_mode": "multi",
        "span_labels": [{"name": "NAME"}, {"name": "PLACE"}],
    }).json  # fmt: skip
    members = {**dict.fromkeys(NAMES, "annotator"), "rev": "reviewer"}
    for name, role in members.items():
        manager.post(f"/projects/{project['id']}/members", json={"username": name, "role": role})
    (document,) = add_documents(session, session.get(Project, project["id"]), [TEXT])
    return document.id


def _ent(span, label):
    return {"start": span[0], "end": span[1], "label": label}


def _rel(head, child, label):
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip


def test_adjudication_shows_votes_and_records_decisions_into_gold(app, review) -> None:
    entities = [_ent(ADA, "PER"), _ent(BABBAGE, "PER"), _ent(LONDON, "LOC")]
    lives, knows = _rel(ADA, LONDON, "lives_in"), _rel(ADA, BABBAGE, "knows")
    name_span, place = _ent((0, 12), "NAME"), _ent(LONDON, "PLACE")
    plans = {  # lives_in by all, knows by one; science by two, politics by one
        "ann1": {"relations": [lives, knows], "cats": {"science": 1.0},
                 "span_cats": [name_span, place]},
        "ann2": {"relations": [lives], "cats": {"science": 1.0}, "span_cats": [name_span]},
        "ann3": {"relations": [lives], "cats": {"politics": 1.0}, "span_cats": [name_span]},
    }  # fmt: skip
    for name, plan in plans.items():
        saved = api_as(app, name).put(f"/documents/{review}/annotations/me", json={
            "version": 0, "status": "submitted", "spans": entities, **plan})  # fmt: skip
        assert saved.status_code == 200, saved.json
    rev = api_as(app, "rev")
    view = rev.get(f"/documents/{review}/review").json
    candidates = view["candidates"]
    votes = {c["key"]: (c["votes"], c["accepted"]) for kind in ("relations", "cats", "span_cats")
             for c in candidates[kind]}  # fmt: skip
    assert votes == {
        "relation:0:12:44:50:lives_in": (3, True),
        "relation:0:12:25:40:knows": (1, False),
        "cat:science": (2, True),
        "cat:politics": (1, False),
        "spancat:0:12:NAME": (3, True),
        "spancat:44:50:PLACE": (1, False),
    }
    assert candidates["cats"][0]["voters"] == ["ann1", "ann2"]
    assert view["draft"]["relations"] == [lives] and view["draft"]["cats"] == {"science": 1.0}
    assert view["unanimous"] is False
    # the reviewer rejects science for politics, accepts the lone knows and PLACE
    body = {"version": 0, "spans": entities, "relations": [lives, knows],
            "cats": {"politics": 1.0}, "span_cats": [name_span, place]}  # fmt: skip
    saved = rev.put(f"/documents/{review}/gold", json=body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    decisions = {k: v["decision"] for k, v in saved.json["info"]["decisions"].items()
                 if not k.startswith("span:")}  # fmt: skip
    assert decisions == {
        "relation:0:12:44:50:lives_in": "accepted",
        "relation:0:12:25:40:knows": "accepted",
        "cat:science": "rejected",
        "cat:politics": "accepted",
        "spancat:0:12:NAME": "accepted",
        "spancat:44:50:PLACE": "accepted",
    }
    gold = rev.get(f"/documents/{review}/gold").json
    assert gold["cats"] == {"politics": 1.0} and len(gold["relations"]) == 2
    assert len(gold["span_cats"]) == 2


def test_unanimous_layers_are_auto_accepted(app, review) -> None:
    body = {"version": 0, "status": "submitted", "spans": [_ent(ADA, "PER"), _ent(LONDON, "LOC")],
            "relations": [_rel(ADA, LONDON, "lives_in")], "cats": {"science": 1.0},
            "span_cats": [_ent((0, 12), "NAME")]}  # fmt: skip
    for name in NAMES:
        assert api_as(app, name).put(f"/documents/{review}/annotations/me",
                                     json=body).status_code == 200  # fmt: skip
    gold = api_as(app, "rev").get(f"/documents/{review}/gold").json
    assert gold["info"]["auto_accepted"] is True
    assert gold["relations"] == body["relations"] and gold["cats"] == {"science": 1.0}
    assert [(s["start"], s["end"], s["label"]) for s in gold["span_cats"]] == [(0, 12, "NAME")]
