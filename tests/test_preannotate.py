"""Pre-annotation with the real en_core_web_sm: stored predictions, resumability, jobs."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in, wait_for_job
from textlabel.models import Annotation, Document, Event, Span
from textlabel.nlp.preannotate import preannotate_project

TEXTS = [
    "Ada Lovelace worked with Charles Babbage in London. She wrote the first program.",
    "Barack Obama visited Microsoft in Seattle on Monday.",
    "The   committee met  in Paris.\n\nIt adjourned early.",
]


def _setup(session, layers=("entities", "pos", "coref")):
    owner = make_user(session, "mgr")
    project = make_project(session, owner, layers=list(layers), labels=("PER", "ORG", "LOC"))
    documents = add_documents(session, project, TEXTS)
    return owner, project, documents


def test_predictions_are_stored_with_tokens_labels_pos_and_coref(app: Flask, session) -> None:
    _owner, project, documents = _setup(session)
    result = preannotate_project(session, project)
    assert result.done == 3 and result.failed == 0
    assert result.dropped_labels["DATE"] == 1  # "Monday": not mapped to a project label
    for document in documents:
        session.refresh(document)
        offsets = document.tokens["offsets"]
        starts, ends = offsets[0::2], offsets[1::2]
        assert all(not document.text[s:e].isspace() for s, e in zip(starts, ends, strict=True))
        prediction = session.scalar(
            select(Annotation).where(
                Annotation.document_id == document.id, Annotation.kind == "prediction"
            )
        )
        assert len(prediction.pos) == len(starts)
        for span in prediction.spans:
            assert document.text[span.start_char : span.end_char].strip()
            assert starts[span.start_token] == span.start_char
            assert ends[span.end_token - 1] == span.end_char
    first = session.scalars(
        select(Span).join(Annotation).where(Annotation.document_id == documents[0].id)
    ).all()
    entities = {
        (documents[0].text[s.start_char : s.end_char], s.label) for s in first if s.layer == "ent"
    }
    assert ("Ada Lovelace", "PER") in entities and ("London", "LOC") in entities
    assert all(label in {"PER", "ORG", "LOC"} for _, label in entities)
    chains: dict[int, set[str]] = {}
    for span in first:
        if span.layer == "coref":
            chains.setdefault(span.cluster, set()).add(
                documents[0].text[span.start_char : span.end_char]
            )
    assert any({"Ada Lovelace", "She"} <= chain for chain in chains.values()), chains


def test_a_rerun_continues_and_never_touches_human_work(app: Flask, session) -> None:
    owner, project, documents = _setup(session, layers=("entities",))
    first = preannotate_project(session, project, limit=2)
    assert first.done == 2
    human = Annotation(document_id=documents[2].id, user_id=owner.id, kind="manual")
    session.add(human)
    session.commit()
    second = preannotate_project(session, project)
    assert second.done == 1  # only the document the first run did not reach
    assert preannotate_project(session, project).done == 0
    session.refresh(human)
    assert human.spans == [] and human.version == 1


def test_a_broken_document_is_recorded_and_the_rest_goes_on(app: Flask, session) -> None:
    _owner, project, documents = _setup(session, layers=("entities",))
    documents[1].tokens = {"offsets": [0, 5, 3, 9999], "sent_starts": [0]}  # corrupt
    session.commit()
    result = preannotate_project(session, project)
    assert result.done == 2 and result.failed == 1
    assert result.errors[0]["document"] == documents[1].id
    event = session.scalar(select(Event).where(Event.action == "preannotate.error"))
    assert event.document_id == documents[1].id


def test_job_through_the_api_reports_progress(app: Flask, session) -> None:
    _owner, project, _documents = _setup(session)
    api = api_as(app, "mgr")
    started = api.post(f"/projects/{project.id}/preannotate")
    assert started.status_code == 202 and started.json["status"] == "queued"
    job = wait_for_job(api, started.json["id"])
    assert job["status"] == "done" and job["done"] == job["total"] == 3
    assert job["result"]["failed"] == 0
    doc = api.get(f"/documents/{session.scalars(select(Document.id)).first()}").json
    assert doc["prediction"]["spans"] and len(doc["tokens"]) == len(doc["prediction"]["pos"])
    make_user(session, "ann")
    from textlabel.projects.service import set_member

    set_member(session, project, "ann", "annotator", _owner)
    annotator = api_as(app, "ann")
    assert annotator.post(f"/projects/{project.id}/preannotate").status_code == 403
    assert annotator.get(f"/jobs/{started.json['id']}").status_code == 200
    assert annotator.post(f"/jobs/{started.json['id']}/cancel").status_code == 403


def test_project_page_starts_a_job_and_polls_it(app: Flask, session) -> None:
    _owner, project, _documents = _setup(session, layers=("entities",))
    browser = sign_in(app.test_client(), "mgr")
    page = browser.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "Pre-annotate with spaCy" in page
    partial = browser.post(
        f"/projects/{project.id}/preannotate",
        headers={"HX-Request": "true", "X-CSRFToken": browser.csrf},
    )
    text = partial.get_data(as_text=True)
    assert "<progress" in text and "every 1s" in text
    jid = int(text.split('id="job-')[1].split('"')[0])
    app.extensions["textlabel.jobs"].wait(jid, timeout=60)
    final = browser.get(f"/jobs/{jid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "done" in final and "every 1s" not in final  # polling stops when finished
