"""The model in the loop: training on gold, versions, activation, re-pre-annotation,
uncertainty routing and the gold phrase ruler, with the real spaCy model."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import add_documents, add_gold, make_project, make_users, wikigold_passages
from tests.helpers import api_as, sign_in
from textlabel import jobs
from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.annotate.queue import next_annotation
from textlabel.annotate.service import AnnotationInput, save_annotation
from textlabel.models import Annotation, Document, ModelVersion, Project, ReviewItem, User
from textlabel.nlp.pipeline import default_model_name
from textlabel.nlp.preannotate import preannotate_project, refresh_untouched
from textlabel.nlp.versions import activate, rollback
from textlabel.projects.service import project_counts, update_project
from textlabel.records import SpanRecord

LABELS = ("PER", "ORG", "LOC", "MISC")


def _prediction_of(session: Session, document: Document) -> Annotation:
    return session.scalars(
        select(Annotation).where(
            Annotation.document_id == document.id, Annotation.kind == "prediction"
        )
    ).one()


@pytest.fixture
def team(session: Session) -> tuple[User, User, User]:
    return tuple(make_users(session, "boss", "ann", "stranger"))  # type: ignore[return-value]


def _ruler_version(session: Session, project: Project, tmp_path: Path, phrase: str) -> ModelVersion:
    """A registered "trained" version that differs from the base model in a known way: the
    base pipeline plus a ruler labelling ``phrase`` as an ORG."""
    nlp = spacy.load(default_model_name())
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns([{"label": "ORG", "pattern": phrase}])  # type: ignore[attr-defined]
    path = tmp_path / "models" / "v1"
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    version = ModelVersion(project_id=project.id, version=1, path=str(path),
                           base_model=default_model_name(), label_map=dict(project.label_map),
                           scores={"model": {"f": 0.0}, "base": {"f": 0.0}})  # fmt: skip
    session.add(version)
    session.commit()
    return version


@pytest.mark.slow
def test_train_job_reports_scores_and_registers_a_model_spacy_loads(
    app: Flask, session: Session, team: tuple[User, User, User]
) -> None:
    boss = team[0]
    project = make_project(session, boss, labels=LABELS)
    add_gold(session, project, wikigold_passages(30))
    api = api_as(app, "boss")
    response = api.post(f"/projects/{project.id}/train", json={"max_steps": 2})
    assert response.status_code == 202, response.get_data(as_text=True)
    job_id = response.json["id"]
    app.extensions["textlabel.jobs"].wait(job_id)
    job = api.get(f"/jobs/{job_id}").json
    assert job["status"] == "done", job
    result = job["result"]
    assert result["version"] == 1 and result["active"] is False
    assert {"p", "r", "f", "per_label"} <= set(result["scores"]["model"])
    assert set(result["scores"]["base"]["per_label"]) <= set(LABELS)
    # the dev split is the spaCy export's: the data says what the model saw
    assert result["data"]["train_documents"] + result["data"]["dev_documents"] == 30
    assert [p["share"] for p in result["curve"]] == [0.25, 0.5, 0.75, 1.0]
    assert result["curve"][-1]["f"] == result["scores"]["model"]["f"]
    nlp = spacy.load(result["path"])
    assert "ner" in nlp.pipe_names and {"PERSON", "ORG", "GPE"} <= set(nlp.get_pipe("ner").labels)
    assert nlp("Anna flew to Paris.").text == "Anna flew to Paris."
    listed = api.get(f"/projects/{project.id}/models").json
    assert listed["active"] is None and listed["versions"][0]["version"] == 1


def test_activation_switches_preannotation_and_predictions_carry_the_version(
    session: Session, team: tuple[User, User, User], tmp_path: Path
) -> None:
    project = make_project(session, team[0], labels=LABELS)
    [document] = add_documents(session, project, ["They met the Zorblax people."])
    version = _ruler_version(session, project, tmp_path, "Zorblax")
    preannotate_project(session, project)
    prediction = session.scalar(select(Annotation).where(Annotation.kind == "prediction"))
    assert prediction is not None and prediction.model_version_id is None
    assert prediction.info["model"]["version"] is None
    assert not any(s.label == "ORG" for s in store.read(session, prediction).spans or ())

    activate(session, project, 1, team[0])
    assert refresh_untouched(session, project) == 1
    preannotate_project(session, project)
    prediction = session.scalar(select(Annotation).where(Annotation.kind == "prediction"))
    assert prediction is not None and prediction.model_version_id == version.id
    assert prediction.info["model"]["version"] == 1
    spans = store.read(session, prediction).spans or ()
    assert [(document.text[s.start : s.end], s.label) for s in spans] == [("Zorblax", "ORG")]

    assert rollback(session, project, team[0]) is None  # back to the base model
    assert refresh_untouched(session, project) == 1


def test_refresh_never_touches_human_work(
    session: Session, team: tuple[User, User, User], tmp_path: Path
) -> None:
    boss, ann, _ = team
    project = make_project(session, boss, labels=LABELS, members={"ann": "annotator"})
    texts = ["Zorblax hired Anna.", "Zorblax sued Bob.", "Zorblax met Carla."]
    untouched, drafted, reviewed = add_documents(session, project, texts)
    preannotate_project(session, project)
    draft = next_annotation(session, project, ann)
    assert draft is not None and draft.document_id == untouched.id  # import order
    session.delete(draft)
    session.commit()
    mine = Annotation(document_id=drafted.id, user_id=ann.id, kind="manual")
    gold = Annotation(document_id=reviewed.id, kind="gold", status="submitted")
    session.add_all([mine, gold])
    session.flush()
    human = Payload(spans=(SpanRecord(0, 7, "PER"),))
    for annotation, document in ((mine, drafted), (gold, reviewed)):
        store.insert_many(session, [(annotation.id, store.tokens_of(document), human)],
                          source="human")  # fmt: skip
    session.commit()
    before = {a.id: (a.document_id, a.kind, a.version) for a in session.scalars(select(Annotation))}

    _ruler_version(session, project, tmp_path, "Zorblax")
    activate(session, project, 1, boss)
    job = jobs.create(session, "preannotate", project_id=project.id, params={"refresh": True})
    job = jobs.run(session, job)
    assert job.status == "done" and job.result["refreshed"] == 1 and job.result["done"] == 1
    after = {a.id: (a.document_id, a.kind, a.version) for a in session.scalars(select(Annotation))}
    kept = {aid: row for aid, row in before.items() if row[0] != untouched.id}
    assert {aid: after[aid] for aid in kept} == kept  # every annotation of touched documents
    for annotation in (mine, gold):
        assert store.read(session, annotation).spans == human.spans
    versions = {
        a.document_id: a.model_version_id
        for a in session.scalars(select(Annotation).where(Annotation.kind == "prediction"))
    }
    assert versions[untouched.id] is not None
    assert versions[drafted.id] is None and versions[reviewed.id] is None


def test_queue_hands_out_the_most_uncertain_document_first(
    session: Session, team: tuple[User, User, User]
) -> None:
    boss, ann, _ = team
    project = make_project(session, boss, labels=LABELS, members={"ann": "annotator"})
    texts = [
        "the cat sat on the mat and then it slept .",  # nothing to find: sure
        "Barack Obama visited Paris on Monday .",  # well-known names: sure
        "I saw Kwento and Talibre at Mandu .",  # unknown names: unsure
    ]
    documents = add_documents(session, project, texts)
    update_project(session, project, boss, settings={"loop_queue": "uncertainty"})
    preannotate_project(session, project)
    for document in documents:
        session.refresh(document)
    doubts = [d.uncertainty for d in documents]
    assert all(u is not None for u in doubts)
    assert doubts[2] > 5 * max(doubts[0], doubts[1])  # type: ignore[operator]
    first = next_annotation(session, project, ann)
    assert first is not None and first.document_id == documents[2].id
    prediction = session.scalar(
        select(Annotation).where(
            Annotation.document_id == documents[1].id, Annotation.kind == "prediction"
        )  # fmt: skip
    )
    scores = [s.score for s in store.read(session, prediction).spans or ()]  # type: ignore[arg-type]
    assert scores and all(s is not None and 0.5 < s <= 1.0 for s in scores)


def test_documents_both_models_agree_on_go_to_fewer_annotators(
    session: Session, team: tuple[User, User, User], tmp_path: Path
) -> None:
    boss, ann, _ = team
    make_users(session, "ann2")
    project = make_project(session, boss, labels=LABELS, overlap=2,
                           members={"ann": "annotator", "ann2": "annotator"})  # fmt: skip
    agreed, disputed = add_documents(
        session, project, ["Anna lives in Rome.", "Zorblax hired Bob."]
    )
    _ruler_version(session, project, tmp_path, "Zorblax")
    activate(session, project, 1, boss)
    update_project(session, project, boss, settings={"loop_route_overlap": 1})
    preannotate_project(session, project)
    session.refresh(agreed)
    session.refresh(disputed)
    assert agreed.overlap == 1 and disputed.overlap is None
    ann2 = session.scalar(select(User).where(User.username == "ann2"))
    taken = [next_annotation(session, project, user) for user in (ann, ann2)]
    assert [a.document_id for a in taken if a] == [agreed.id, disputed.id]
    third = next_annotation(session, project, ann)  # ann's draft comes back first
    assert third is not None and third.document_id == agreed.id
    prediction = _prediction_of(session, agreed)
    assert prediction.info["routing"] == {"models_agree": True, "overlap": 1}
    # review and the counts take the routed overlap: one submission completes the document
    save_annotation(session, third, AnnotationInput(version=third.version, status="submitted"),
                    user=ann)  # fmt: skip
    assert session.get(ReviewItem, agreed.id) is not None
    assert session.get(ReviewItem, disputed.id) is None
    assert project_counts(session, project).annotated == 1


def test_gold_phrases_become_suggestions_everywhere(
    session: Session, team: tuple[User, User, User]
) -> None:
    project = make_project(session, team[0], labels=LABELS)
    docs = add_documents(session, project, ["Qwertonia is big .", "We love Qwertonia ."])
    for document in docs:
        start = document.text.index("Qwertonia")
        gold = Annotation(document_id=document.id, kind="gold", status="submitted")
        session.add(gold)
        session.flush()
        payload = Payload(spans=(SpanRecord(start, start + 9, "LOC"),))
        store.insert_many(session, [(gold.id, store.tokens_of(document), payload)], source="human")
    session.commit()
    [fresh] = add_documents(session, project, ["Flights to Qwertonia were cancelled ."])
    update_project(
        session, project, team[0], settings={"loop_ruler": True, "loop_ruler_min_count": 2}
    )
    preannotate_project(session, project)
    prediction = session.scalar(
        select(Annotation).where(
            Annotation.document_id == fresh.id, Annotation.kind == "prediction"
        )
    )
    spans = store.read(session, prediction).spans or ()  # type: ignore[arg-type]
    assert [(fresh.text[s.start : s.end], s.label) for s in spans] == [("Qwertonia", "LOC")]
    update_project(session, project, team[0], settings={"loop_ruler_min_count": 3})
    from textlabel.nlp.loop import accepted_phrases

    assert accepted_phrases(session, project, min_count=3) == {}


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/train"), ("get", "/models"), ("post", "/models/rollback"),
     ("post", "/repreannotate"), ("get", "/loop-settings")],
)  # fmt: skip
def test_api_refuses_annotators_403_and_strangers_404(
    app: Flask, session: Session, team: tuple[User, User, User], method: str, path: str
) -> None:
    project = make_project(session, team[0], members={"ann": "annotator"})
    for username, status in (("ann", 403), ("stranger", 404)):
        api = api_as(app, username)
        kwargs = {"json": {}} if method == "post" else {}
        response = getattr(api, method)(f"/projects/{project.id}{path}", **kwargs)
        assert response.status_code == status, (username, response.get_data(as_text=True))
    assert session.scalar(select(ModelVersion)) is None


def test_model_page_for_managers_only(
    app: Flask, session: Session, team: tuple[User, User, User]
) -> None:
    project = make_project(session, team[0], members={"ann": "annotator"})
    for username, status in (("ann", 403), ("stranger", 404), ("boss", 200)):
        client = sign_in(app.test_client(), username)
        response = client.get(f"/projects/{project.id}/model")
        assert response.status_code == status, username
    page = response.get_data(as_text=True)
    assert "Train on gold" in page and "No trained model yet" in page
