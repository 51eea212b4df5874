"""Relations, document labels and span categories through the REST API (both backends):
project settings, versioned saves, the 422s of the contract and the audit trail."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_user
from tests.helpers import api_as
from textlabel.models import Event

TEXT = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine."
ADA, BABBAGE, LONDON = (0, 12), (25, 40), (44, 50)
ENGINE = (58, 75)  # "Analytical Engine"
LAYERS = ["entities", "relations", "cats", "spans"]


def _project_body(**extra) -> dict:
    return {
        "name": "Layers",
        "labels": [{"name": "PER", "hotkey": "p"}, {"name": "LOC", "hotkey": "l"},
                   {"name": "MISC"}],
        "layers": LAYERS,
        "relation_labels": [
            {"name": "knows", "hotkey": "k", "directed": False},
            {"name": "lives_in", "hotkey": "i", "heads": ["PER"], "children": ["LOC"]},
        ],
        "categories": [{"name": "science", "hotkey": "s"}, {"name": "politics"}],
        "cats_mode": "single",
        "span_labels": [{"name": "NP", "hotkey": "n"}, {"name": "NAME"}],
        **extra,
    }  # fmt: skip


@pytest.fixture
def setup(app: Flask, session):
    make_user(session, "mgr")
    make_user(session, "ann1")
    manager = api_as(app, "mgr")
    response = manager.post("/projects", json=_project_body())
    assert response.status_code == 201, response.get_data(as_text=True)
    project = response.json
    manager.post(f"/projects/{project['id']}/members", json={"username": "ann1",
                                                            "role": "annotator"})  # fmt: skip
    from textlabel.models import Project

    document = add_documents(session, session.get(Project, project["id"]), [TEXT])[0]
    return manager, api_as(app, "ann1"), project, document.id


def _ent(span, label):
    return {"start": span[0], "end": span[1], "label": label}


def _rel(head, child, label):
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip


ENTITIES = [_ent(ADA, "PER"), _ent(BABBAGE, "PER"), _ent(LONDON, "LOC"), _ent(ENGINE, "MISC")]


def test_project_carries_the_layer_settings(setup) -> None:
    manager, _, project, _ = setup
    assert project["layers"] == LAYERS
    assert [(r["name"], r["hotkey"], r["heads"], r["children"], r["directed"])
            for r in project["relation_labels"]] == [
        ("knows", "k", None, None, False), ("lives_in", "i", ["PER"], ["LOC"], True)]  # fmt: skip
    assert [c["name"] for c in project["categories"]] == ["science", "politics"]
    assert project["cats_mode"] == "single" and project["span_overlap"] == "any"
    changed = manager.patch(
        f"/projects/{project['id']}",
        json={"categories": [{"name": "politics"}, {"name": "sports news", "hotkey": "x"}],
              "cats_mode": "multi", "span_overlap": "none"},
    ).json  # fmt: skip
    ids = {c["name"]: c["id"] for c in project["categories"]}
    assert [c["name"] for c in changed["categories"]] == ["politics", "sports news"]
    assert changed["categories"][0]["id"] == ids["politics"]  # kept, not re-created
    assert (changed["cats_mode"], changed["span_overlap"]) == ("multi", "none")
    assert changed["relation_labels"] == project["relation_labels"]  # untouched


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"relation_labels": [{"name": "x", "hotkey": "p"}]}, 409, "entity label PER"),
        ({"relation_labels": [{"name": "x", "heads": ["NOPE"]}]}, 422, "NOPE"),
        ({"relation_labels": [{"name": "x"}, {"name": "x"}]}, 422, "given twice"),
        ({"span_labels": [{"name": "two words"}]}, 422, "without spaces"),
        ({"layers": ["relations"]}, 422, "entities layer too"),
        ({"cats_mode": "both"}, 422, "cats_mode"),
    ],
)
def test_bad_layer_settings_are_refused_by_name(app, session, body, status, words) -> None:
    make_user(session, "mgr")
    response = api_as(app, "mgr").post("/projects", json=_project_body(**body))
    assert response.status_code == status, response.get_data(as_text=True)
    assert words in response.get_data(as_text=True)


def test_relations_cats_and_span_cats_save_versioned_and_omitted_keys_keep(setup) -> None:
    _, api, _, did = setup
    url = f"/documents/{did}/annotations/me"
    body = {
        "version": 0, "spans": ENTITIES,
        "relations": [_rel(BABBAGE, ADA, "knows"), _rel(ADA, LONDON, "lives_in"),
                      _rel(ADA, BABBAGE, "knows")],
        "cats": {"science": 1.0},
        "span_cats": [{"start": 44, "end": 50, "label": "NAME"}, _ent((54, 75), "NP"),
                      _ent((58, 75), "NP"), _ent((58, 68), "NP")],
    }  # fmt: skip
    saved = api.put(url, json=body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    out = saved.json
    # a symmetric relation is kept once, its earlier entity first
    assert out["relations"] == [_rel(ADA, BABBAGE, "knows"), _rel(ADA, LONDON, "lives_in")]
    assert out["cats"] == {"science": 1.0}
    # nested spans of one label are all kept, outermost first
    assert [(s["start"], s["end"], s["label"]) for s in out["span_cats"]] == [
        (44, 50, "NAME"), (54, 75, "NP"), (58, 75, "NP"), (58, 68, "NP")]  # fmt: skip
    version = out["version"]
    # omitted keys keep what is stored
    again = api.put(url, json={"version": version, "status": "draft"}).json
    assert again["relations"] == out["relations"] and again["cats"] == out["cats"]
    assert again["span_cats"] == out["span_cats"]
    # a stale version answers 409, whatever the layer
    stale = api.put(url, json={"version": version - 1, "cats": {}})
    assert stale.status_code == 409 and stale.json["error"]["details"]["version"] == version
    cleared = api.put(url, json={"version": version, "cats": {}, "relations": []}).json
    assert cleared["cats"] == {} and cleared["relations"] == []
    assert cleared["spans"] == out["spans"] and cleared["version"] == version + 1


@pytest.mark.parametrize(
    ("relations", "words"),
    [
        ([_rel(ADA, (13, 19), "knows")], "is not an entity"),  # "worked" is no entity
        ([_rel(ADA, ADA, "knows")], "links an entity to itself"),
        ([_rel(LONDON, ADA, "lives_in")], "does not link LOC to PER"),
        ([_rel(ADA, BABBAGE, "lives_in")], "does not link PER to PER"),
        ([_rel(ADA, BABBAGE, "married")], "unknown relation label"),
    ],
)
def test_bad_relations_answer_422_naming_the_relation(setup, relations, words) -> None:
    _, api, _, did = setup
    response = api.put(f"/documents/{did}/annotations/me",
                       json={"version": 0, "spans": ENTITIES, "relations": relations})  # fmt: skip
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.json["error"]
    assert words in error["message"] and error["details"]["layer"] == "relations"
    assert error["details"]["index"] == 0


def test_relations_are_checked_against_stored_entities_when_spans_are_omitted(setup) -> None:
    _, api, _, did = setup
    url = f"/documents/{did}/annotations/me"
    first = api.put(url, json={"version": 0, "spans": ENTITIES[:2]}).json
    refused = api.put(url, json={"version": first["version"],
                                 "relations": [_rel(ADA, LONDON, "lives_in")]})  # fmt: skip
    assert refused.status_code == 422 and "child" in refused.json["error"]["message"]
    ok = api.put(url, json={"version": first["version"],
                            "relations": [_rel(BABBAGE, ADA, "knows")]})  # fmt: skip
    assert ok.status_code == 200 and ok.json["relations"] == [_rel(ADA, BABBAGE, "knows")]


def test_removing_an_entity_removes_its_relations_in_the_audit_trail(setup, session) -> None:
    _, api, _, did = setup
    url = f"/documents/{did}/annotations/me"
    first = api.put(url, json={"version": 0, "spans": ENTITIES, "relations": [
        _rel(ADA, LONDON, "lives_in"), _rel(ADA, BABBAGE, "knows")]}).json  # fmt: skip
    without_london = [e for e in ENTITIES if e["label"] != "LOC"]
    saved = api.put(url, json={"version": first["version"], "spans": without_london}).json
    assert saved["relations"] == [_rel(ADA, BABBAGE, "knows")]
    assert saved["removed_relations"] == [_rel(ADA, LONDON, "lives_in")]  # the notice
    event = session.scalars(select(Event).order_by(Event.id.desc())).first()
    assert event.before["relations"] == [_rel(ADA, LONDON, "lives_in")]
    assert event.after["relations"] == []


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"cats": {"science": 1.0, "politics": 1.0}}, "one document label"),
        ({"cats": {"weather": 1.0}}, "unknown document label"),
        ({"span_cats": [_ent(ADA, "PER")]}, "unknown label"),
        ({"span_cats": [_ent((200, 210), "NP")]}, "outside the text"),
    ],
)
def test_bad_cats_and_span_cats_answer_422(setup, body, words) -> None:
    _, api, _, did = setup
    response = api.put(f"/documents/{did}/annotations/me", json={"version": 0, **body})
    assert response.status_code == 422, response.get_data(as_text=True)
    assert words in response.json["error"]["message"]


def test_schema_refuses_malformed_relations_and_values(setup) -> None:
    _, api, _, did = setup
    url = f"/documents/{did}/annotations/me"
    for body in ({"relations": [{"head": {"start": 0}, "child": {"start": 25, "end": 40},
                                 "label": "knows"}]},
                 {"relations": [{"head": [0, 12], "label": "knows"}]},
                 {"cats": {"science": 2.0}}):  # fmt: skip
        response = api.put(url, json={"version": 0, **body})
        assert response.status_code == 422, body


def test_no_overlap_policy_keeps_span_categories_apart(setup, app) -> None:
    manager, api, project, did = setup
    manager.patch(f"/projects/{project['id']}", json={"span_overlap": "none"})
    response = api.put(f"/documents/{did}/annotations/me", json={
        "version": 0, "span_cats": [_ent((54, 75), "NP"), _ent((58, 68), "NP")]})  # fmt: skip
    assert response.status_code == 422 and "keeps them apart" in response.json["error"]["message"]


def test_a_layer_the_project_lacks_is_refused(app, session) -> None:
    make_user(session, "mgr")
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={"name": "Plain", "labels": [{"name": "PER"}]}).json
    from textlabel.models import Project

    did = add_documents(session, session.get(Project, project["id"]), [TEXT])[0].id
    response = manager.put(f"/documents/{did}/annotations/me",
                           json={"version": 0, "cats": {"science": 1.0}})  # fmt: skip
    assert response.status_code == 422, response.get_data(as_text=True)
    assert response.json["error"]["details"] == {"layer": "cats"}


def test_deleting_an_entity_label_removes_the_relations_on_its_entities(setup) -> None:
    manager, api, project, did = setup
    url = f"/documents/{did}/annotations/me"
    api.put(url, json={"version": 0, "spans": ENTITIES, "relations": [
        _rel(ADA, LONDON, "lives_in"), _rel(ADA, BABBAGE, "knows")]})  # fmt: skip
    loc = next(label["id"] for label in project["labels"] if label["name"] == "LOC")
    deleted = manager.delete(f"/projects/{project['id']}/labels/{loc}?spans=remove")
    assert deleted.status_code == 204, deleted.get_data(as_text=True)
    now = api.get(url).json
    assert [s["label"] for s in now["spans"]] == ["PER", "PER", "MISC"]
    assert now["relations"] == [_rel(ADA, BABBAGE, "knows")]


def test_gold_carries_relations_cats_and_span_cats(setup) -> None:
    manager, _, _, did = setup
    body = {
        "version": 0, "spans": ENTITIES, "relations": [_rel(ADA, LONDON, "lives_in")],
        "cats": {"science": 1.0}, "span_cats": [_ent((54, 75), "NP")],
    }  # fmt: skip
    saved = manager.put(f"/documents/{did}/gold", json=body)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    gold = manager.get(f"/documents/{did}/gold").json
    assert gold["relations"] == [_rel(ADA, LONDON, "lives_in")]
    assert gold["cats"] == {"science": 1.0}
    assert [(s["start"], s["end"], s["label"]) for s in gold["span_cats"]] == [(54, 75, "NP")]
    stale = manager.put(f"/documents/{did}/gold", json={**body, "version": 0})
    assert stale.status_code == 409
