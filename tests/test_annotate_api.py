"""The task queue and saving annotations through the REST API (both database backends)."""

from __future__ import annotations

from collections import Counter

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, at_once, make_project, make_user
from tests.helpers import api_as
from textlabel.models import Annotation, Event, Span

TEXTS = [
    "Ada Lovelace met Charles Babbage in London.",
    "Grace Hopper worked at Harvard.",
    "Alan Turing was born in Maida Vale.",
]


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    for name in ("ann1", "ann2", "rev"):
        make_user(session, name)
    project = make_project(
        session, admin, members={"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"},
        layers=["entities", "pos", "coref"], overlap=1,
    )  # fmt: skip
    add_documents(session, project, TEXTS)
    return project


def _next(api, project) -> dict:
    response = api.get(f"/projects/{project.id}/next")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def _put(api, did: int, **body):
    return api.put(f"/documents/{did}/annotations/me", json=body)


def test_next_gives_own_draft_back_then_new_documents_and_progress(app: Flask, project) -> None:
    api = api_as(app, "ann1")
    first = _next(api, project)
    assert first["document"]["text"] == TEXTS[0]
    assert first["annotation"] == {**first["annotation"], "version": 1, "status": "draft"}
    assert first["progress"] == {"done": 0, "assigned": 1, "total": 3}
    tokens = first["document"]["tokens"]
    assert [TEXTS[0][t["start"] : t["end"]] for t in tokens][:3] == ["Ada", "Lovelace", "met"]
    assert _next(api, project)["document"]["id"] == first["document"]["id"]  # draft first
    did = first["document"]["id"]
    assert _put(api, did, version=1, status="submitted").status_code == 200
    second = _next(api, project)
    assert second["document"]["text"] == TEXTS[1]
    assert second["progress"] == {"done": 1, "assigned": 2, "total": 3}


def test_overlap_one_gives_each_document_to_one_annotator(app: Flask, project) -> None:
    one, two = api_as(app, "ann1"), api_as(app, "ann2")
    got = [_next(one, project)["document"]["id"], _next(two, project)["document"]["id"]]
    assert len(set(got)) == 2
    _put(one, got[0], version=1, status="submitted")
    _put(two, got[1], version=1, status="submitted")
    third = _next(one, project)["document"]["id"]
    assert third not in got
    _put(one, third, version=1, status="submitted")
    assert _next(two, project)["document"] is None
    assert _next(two, project)["progress"] == {"done": 1, "assigned": 1, "total": 3}


def test_skipped_documents_come_back_last_oldest_skip_first(app: Flask, project) -> None:
    api = api_as(app, "ann1")
    order = []
    for status in ("skipped", "submitted", "skipped"):
        nxt = _next(api, project)
        order.append(nxt["document"]["id"])
        saved = _put(api, order[-1], version=nxt["annotation"]["version"], status=status)
        assert saved.status_code == 200
    back = _next(api, project)
    assert back["document"]["id"] == order[0]
    assert back["annotation"]["status"] == "draft"
    skipped = _put(api, order[0], version=back["annotation"]["version"], status="skipped")
    assert skipped.status_code == 200
    assert _next(api, project)["document"]["id"] == order[2]


def test_save_snaps_spans_and_keeps_layers_and_records_audit(app: Flask, project, session) -> None:
    api = api_as(app, "ann1")
    nxt = _next(api, project)
    did = nxt["document"]["id"]
    n_tokens = len(nxt["document"]["tokens"])
    pos = [None] * n_tokens
    pos[2] = "VERB"
    body = {
        "version": 1,
        "spans": [{"start": 1, "end": 5, "label": "PER"}, {"start": 36, "end": 40, "label": "LOC"}],
        "pos": pos,
        "coref": [[{"start": 0, "end": 12}, {"start": 17, "end": 24}]],
    }
    saved = _put(api, did, **body)
    assert saved.status_code == 200, saved.json
    assert saved.json["version"] == 2
    assert [(s["start"], s["end"], s["label"]) for s in saved.json["spans"]] == [
        (0, 12, "PER"),  # "da L" widened to "Ada Lovelace"
        (36, 42, "LOC"),
    ]
    assert saved.json["pos"] == pos
    assert saved.json["coref"] == [[{"start": 0, "end": 12}, {"start": 17, "end": 24}]]
    # Spans only: coreference and POS stay as they were.
    again = _put(api, did, version=2, spans=[{"start": 0, "end": 3, "label": "ORG"}])
    assert again.json["spans"] == [{"start": 0, "end": 3, "label": "ORG", "score": None}]
    assert again.json["coref"] == saved.json["coref"]
    assert again.json["pos"] == pos
    assert api.get(f"/documents/{did}/annotations/me").json == again.json
    events = session.scalars(
        select(Event).where(Event.action == "annotation.save").order_by(Event.id)
    ).all()
    assert len(events) == 2
    last = events[-1]
    assert last.user_id is not None and last.document_id == did
    assert sorted((s["start"], s["end"], s["label"]) for s in last.before["spans"]) == [
        (0, 12, "PER"),
        (36, 42, "LOC"),
    ]
    assert last.after["spans"] == [{"layer": "ent", "start": 0, "end": 3, "label": "ORG"}]
    assert (last.before["version"], last.after["version"]) == (2, 3)
    assigned = session.scalars(select(Event).where(Event.action == "annotation.assign")).all()
    assert [(e.document_id, e.after["user"]) for e in assigned] == [(did, "ann1")]


def test_unchanged_save_does_not_bump_the_version(app: Flask, project) -> None:
    api = api_as(app, "ann1")
    did = _next(api, project)["document"]["id"]
    assert _put(api, did, version=1, spans=[]).json["version"] == 1


@pytest.mark.parametrize(
    ("body", "message", "detail"),
    [
        ({"spans": [{"start": 0, "end": 99, "label": "PER"}]}, "outside the text", {"index": 0}),
        ({"spans": [{"start": 3, "end": 4, "label": "PER"}]}, "covers no token", {"index": 0}),
        ({"spans": [{"start": 0, "end": 3, "label": "CAT"}]}, "unknown label", {"index": 0}),
        (
            {
                "spans": [
                    {"start": 0, "end": 3, "label": "PER"},
                    {"start": 1, "end": 12, "label": "ORG"},
                ]
            },  # noqa: E501
            "overlaps",
            {"layer": "entities"},
        ),
        ({"pos": ["NOUN"]}, "tags but the document has", {"layer": "pos"}),
        ({"coref": [[{"start": 0, "end": 3}], [{"start": 0, "end": 2}]]}, "twice", {"chain": 1}),
        ({"status": "done"}, None, None),
        ({"spans": [{"start": "x", "end": 3, "label": "PER"}]}, None, None),
    ],
)
def test_invalid_saves_answer_422_naming_the_span(app, project, body, message, detail) -> None:
    api = api_as(app, "ann1")
    did = _next(api, project)["document"]["id"]
    response = _put(api, did, version=1, **body)
    assert response.status_code == 422, response.json
    error = response.json["error"]
    if message:
        assert message in error["message"]
        assert detail.items() <= error["details"].items()
    assert api.get(f"/documents/{did}/annotations/me").json["version"] == 1


def test_stale_version_answers_409_with_the_current_version(app: Flask, project) -> None:
    api = api_as(app, "ann1")
    did = _next(api, project)["document"]["id"]
    first = _put(api, did, version=1, spans=[{"start": 0, "end": 3, "label": "PER"}])
    assert first.status_code == 200
    stale = _put(api, did, version=1, spans=[{"start": 17, "end": 24, "label": "PER"}])
    assert stale.status_code == 409
    assert stale.json["error"]["details"] == {"version": 2}
    kept = api.get(f"/documents/{did}/annotations/me").json
    assert [s["start"] for s in kept["spans"]] == [0]


def test_version_zero_claims_a_free_document_but_not_a_full_one(app: Flask, project) -> None:
    one, two = api_as(app, "ann1"), api_as(app, "ann2")
    did = _next(one, project)["document"]["id"]
    assert two.get(f"/documents/{did}/annotations/me").json["version"] == 0
    full = _put(two, did, version=0, spans=[])
    assert full.status_code == 409
    free = project.id and _put(
        two, did + 1, version=0, spans=[{"start": 0, "end": 5, "label": "PER"}]
    )
    assert free.status_code == 200 and free.json["version"] == 2


def test_blind_mode_hides_other_annotators_work(app: Flask, project, session) -> None:
    project.overlap = 2
    session.commit()
    one, two, rev = api_as(app, "ann1"), api_as(app, "ann2"), api_as(app, "rev")
    did = _next(one, project)["document"]["id"]
    assert _next(two, project)["document"]["id"] == did
    _put(one, did, version=1, spans=[{"start": 0, "end": 12, "label": "PER"}])
    _put(two, did, version=1, spans=[{"start": 36, "end": 42, "label": "LOC"}])
    mine = two.get(f"/documents/{did}/annotations").json
    assert [(a["user"], [s["label"] for s in a["spans"]]) for a in mine] == [("ann2", ["LOC"])]
    assert "PER" not in two.get(f"/documents/{did}/annotations/me").get_data(as_text=True)
    everyone = rev.get(f"/documents/{did}/annotations").json
    assert sorted(a["user"] for a in everyone) == ["ann1", "ann2"]
    project.blind = False
    session.commit()
    open_ = two.get(f"/documents/{did}/annotations").json
    assert sorted(a["user"] for a in open_) == ["ann1", "ann2"]


def test_reviewers_may_not_take_documents(app: Flask, project) -> None:
    assert api_as(app, "rev").get(f"/projects/{project.id}/next").status_code == 403


def test_overlap_holds_under_ten_concurrent_next_requests(app, session, live_server) -> None:
    admin = make_user(session, "admin", admin=True)
    names = [f"a{i}" for i in range(10)]
    for name in names:
        make_user(session, name)
    project = make_project(session, admin, members=dict.fromkeys(names, "annotator"), overlap=3)
    add_documents(session, project, [f"Document number {i} is here." for i in range(4)])
    headers = [api_as(app, name).headers for name in names]
    url = f"{live_server}/api/v1/projects/{project.id}/next"

    def take_all(i: int) -> list[int]:
        taken = []
        with requests.Session() as http:
            while True:
                got = http.get(url, headers=headers[i], timeout=30)
                assert got.status_code == 200, got.text
                if got.json()["document"] is None:
                    return taken
                did = got.json()["document"]["id"]
                taken.append(did)
                put = http.put(
                    f"{live_server}/api/v1/documents/{did}/annotations/me",
                    json={"version": got.json()["annotation"]["version"], "status": "submitted"},
                    headers=headers[i],
                    timeout=30,
                )
                assert put.status_code == 200, put.text

    results = at_once(10, take_all)
    per_document = Counter(did for taken in results for did in taken)
    assert sorted(per_document.values()) == [3, 3, 3, 3]
    assert all(len(taken) == len(set(taken)) for taken in results)
    session.expire_all()
    rows = session.execute(select(Annotation.document_id, Annotation.user_id, Annotation.status)
                           .where(Annotation.kind == "manual")).all()  # fmt: skip
    assert len(rows) == 12 and {r.status for r in rows} == {"submitted"}


def test_concurrent_saves_of_one_version_never_interleave(app, project, live_server) -> None:
    api = api_as(app, "ann1")
    did = _next(api, project)["document"]["id"]
    url = f"{live_server}/api/v1/documents/{did}/annotations/me"
    starts = [0, 4, 13, 17, 25, 33, 36, 0, 4, 13]
    labels = ["PER", "ORG", "LOC", "PER", "ORG", "LOC", "ORG", "LOC", "PER", "PER"]

    def save(i: int) -> tuple[int, int]:
        body = {
            "version": 1,
            "spans": [{"start": starts[i], "end": starts[i] + 3, "label": labels[i]}],
        }
        response = requests.put(url, json=body, headers=api.headers, timeout=30)
        return response.status_code, i

    results = at_once(10, save)
    codes = Counter(code for code, _ in results)
    assert codes == {200: 1, 409: 9}
    winner = next(i for code, i in results if code == 200)
    stored = api.get(f"/documents/{did}/annotations/me").json
    assert stored["version"] == 2
    assert [(s["label"]) for s in stored["spans"]] == [labels[winner]]


def test_spans_of_a_save_are_stored_with_token_indexes(app, project, session) -> None:
    api = api_as(app, "ann1")
    did = _next(api, project)["document"]["id"]
    _put(api, did, version=1, spans=[{"start": 17, "end": 32, "label": "PER"}])
    span = session.scalars(select(Span)).one()
    assert (span.start_token, span.end_token, span.source) == (3, 5, "human")
