"""Accept confident chains: the model's coreference chains at or above a calibrated
confidence join the annotator's own, never over a chain the annotator made; a versioned save
like any edit (409 when stale), 422 naming what is wrong."""

from __future__ import annotations

from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as
from textlabel.nlp.preannotate import preannotate_project

TEXT = (
    "Marie Curie was born in Warsaw. Marie Curie moved to Paris in 1891, and she studied "
    "physics there. Her husband Pierre Curie worked with her. Pierre Curie died in 1906. "
    "The laboratory was small. The laboratory was cold, but it was theirs."
)


def _keys(chain: list[dict]) -> list[tuple[int, int]]:
    return sorted((m["start"], m["end"]) for m in chain)


def test_accept_confident_chains(app: Flask, session) -> None:
    owner = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, owner, layers=["coref"], members={"ann": "annotator"})
    (document, bare) = add_documents(session, project, [TEXT, "No prediction here."])
    assert preannotate_project(session, project, id_range=(document.id, document.id)).done == 1
    api = api_as(app, "ann")
    predicted = api.get(f"/documents/{document.id}").json["prediction"]["coref"]
    confidence = [min(m["score"] for m in chain) for chain in predicted]
    # the chains after the first (the annotator's own below) need two confidences: one at the
    # threshold, one below it for the rest
    assert len(predicted) >= 3 and len(set(confidence[1:])) >= 2, predicted

    # the annotator links the first predicted chain's first two mentions their own way
    mine = [predicted[0][:2]]
    saved = api.put(f"/documents/{document.id}/annotations/me", json={"version": 0, "coref": mine})
    assert saved.status_code == 200, saved.json
    version = saved.json["version"]

    url = f"/documents/{document.id}/annotations/me/accept-chains"
    threshold = max(confidence[1:])
    answer = api.post(url, json={"version": version, "min_confidence": threshold})
    assert answer.status_code == 200, answer.json
    expected = [
        _keys(chain)
        for chain, score in zip(predicted, confidence, strict=True)
        if score >= threshold and chain is not predicted[0]
    ]
    assert expected and answer.json["accepted"] == len(expected)
    annotation = answer.json["annotation"]
    assert annotation["version"] == version + 1
    stored = sorted(_keys(chain) for chain in annotation["coref"])
    assert stored == sorted([_keys(mine[0]), *expected])
    # accepted mentions are the annotator's now: no model score
    assert all("score" not in m for chain in annotation["coref"] for m in chain)

    # again: nothing new, nothing saved
    again = api.post(url, json={"version": annotation["version"], "min_confidence": threshold})
    assert again.json["accepted"] == 0 and again.json["annotation"]["version"] == version + 1
    # nothing new to accept, but a stale editor still hears it is stale
    stale = api.post(url, json={"version": version, "min_confidence": threshold})
    assert stale.status_code == 409 and stale.json["error"]["details"]["version"] == version + 1
    # the rest at threshold 0; a stale version is refused
    stale = api.post(url, json={"version": version, "min_confidence": 0})
    assert stale.status_code == 409 and stale.json["error"]["details"]["version"] == version + 1
    rest = api.post(url, json={"version": version + 1, "min_confidence": 0})
    assert rest.json["accepted"] == len(predicted) - 1 - len(expected) > 0

    bad = api.post(url, json={"version": version + 2, "min_confidence": 2})
    assert bad.status_code == 422 and "min_confidence" in bad.json["error"]["details"]
    none = api.post(f"/documents/{bare.id}/annotations/me/accept-chains", json={"version": 0})
    assert none.status_code == 422 and "no model prediction" in none.json["error"]["message"]
