"""The model in the loop: training on gold, versions, activation, re-pre-annotation,
uncertainty routing and the gold phrase ruler, with the real spaCy model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import spacy
from flask import Flask
from spacy.scorer import Scorer
from spacy.training import Example
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
from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.nlp.pipeline import default_model_name
from textlabel.nlp.preannotate import preannotate_project, refresh_untouched
from textlabel.nlp.versions import activate, rollback
from textlabel.projects.layer_labels import LayerLabelSpec
from textlabel.projects.service import project_counts, update_project
from textlabel.records import DocumentRecord, SpanRecord
from textlabel.training.categories import train_layers
from textlabel.training.finetune import TrainSettings

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


@pytest.fixture(scope="module")
def ruler_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A "trained" model that differs from the base model in a known way: the base pipeline
    plus a ruler labelling "Zorblax" as an ORG. Saved once for the module: every test that
    registers it shares the path, so pre-annotation loads it once (pipelines are cached)."""
    nlp = spacy.load(default_model_name())
    ruler = nlp.add_pipe("entity_ruler", before="ner")
    ruler.add_patterns([{"label": "ORG", "pattern": "Zorblax"}])  # type: ignore[attr-defined]
    path = tmp_path_factory.mktemp("ruler") / "v1"
    nlp.to_disk(path)
    return path


@pytest.fixture(scope="module")
def layered_model(ruler_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ruler_model`` with document labels (alien / earthly) and a span category ("being":
    Zorblax) trained by ``training.categories`` on eight made-up sentences."""
    nlp = spacy.load(ruler_model)
    records = []
    for i, verb in enumerate(["waved", "sang", "slept", "ran", "smiled", "left", "ate", "won"]):
        alien, who = i % 2 == 0, "Zorblax" if i % 2 == 0 else "the farmer"
        text = f"{who} {verb} near the barn ." if i % 4 < 2 else f"Near the barn , {who} {verb} ."
        record = doc_to_record(nlp.make_doc(text)).record
        record.cats = {"alien": float(alien), "earthly": float(not alien)}
        start = text.find("Zorblax")
        record.span_cats = [SpanRecord(start, start + 7, "being")] if alien else []
        records.append(record)
    scores = train_layers(nlp, records, records[:2], cats=["alien", "earthly"], cats_mode="multi",
                          spans=["being"], settings=TrainSettings(epochs=15))  # fmt: skip
    assert scores["cats"]["component"] == "textcat_multilabel"
    assert scores["span_cats"]["train_documents"] == 4
    path = tmp_path_factory.mktemp("layered") / "v1"
    nlp.to_disk(path)
    return path


def _register(session: Session, project: Project, path: Path) -> ModelVersion:
    version = ModelVersion(project_id=project.id, version=1, path=str(path),
                           base_model=default_model_name(), label_map=dict(project.label_map),
                           scores={"model": {"f": 0.0}, "base": {"f": 0.0}})  # fmt: skip
    session.add(version)
    session.commit()
    return version


def _with_cats_and_span_cats(records: list[DocumentRecord]) -> list[DocumentRecord]:
    """Document labels (does a person appear?) and span categories (the PER and ORG entities
    as "name" / "org") made from wikigold's entities, for the cats and spans layers."""
    for record in records:
        people = any(s.label == "PER" for s in record.spans)
        record.cats = {"people": float(people), "other": float(not people)}
        record.span_cats = [SpanRecord(s.start, s.end, {"PER": "name", "ORG": "org"}[s.label])
                            for s in record.spans if s.label in ("PER", "ORG")]  # fmt: skip
    return records


@pytest.mark.slow
def test_train_job_reports_scores_and_registers_a_model_spacy_loads(
    app: Flask, session: Session, team: tuple[User, User, User]
) -> None:
    boss = team[0]
    project = make_project(
        session, boss, labels=LABELS, layers=["entities", "cats", "spans"], cats_mode="single",
        categories=[LayerLabelSpec("people"), LayerLabelSpec("other")],
        span_labels=[LayerLabelSpec("name"), LayerLabelSpec("org")],
    )  # fmt: skip
    records = _with_cats_and_span_cats(wikigold_passages(30))
    add_gold(session, project, records)
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
    # document labels and span categories: trained, and scored on dev as spaCy scores them
    assert {"textcat", "spancat"} <= set(nlp.pipe_names)
    _check_layer_scores(session, nlp, result["scores"], records)
    page = sign_in(app.test_client(), "boss").get(f"/projects/{project.id}/model")
    text = page.get_data(as_text=True)
    assert "Document labels (textcat:" in text and "Span categories (spancat:" in text
    assert "baseline: training phrase lookup" in text
    listed = api.get(f"/projects/{project.id}/models").json
    assert listed["active"] is None and listed["versions"][0]["version"] == 1


def _check_layer_scores(
    session: Session, nlp: spacy.Language, scores: dict[str, Any], records: list[DocumentRecord]
) -> None:
    """The job's document-label and span-category scores (model and baseline) on its dev
    split are what spaCy's ``Scorer`` says of the saved model's predictions."""
    version = session.scalars(select(ModelVersion)).one()
    texts = {d.text for d in session.scalars(select(Document)) if d.id in version.data["dev_ids"]}
    dev = [r for r in records if r.text in texts]
    train = [r for r in records if r.text not in texts]
    labels = ["people", "other"]
    majority = max(labels, key=lambda c: sum(r.cats[c] for r in train))
    examples, guesses = [], []
    for record in dev:
        reference = record_to_doc(nlp.vocab, record, layers=("spans",))
        reference.cats = dict(record.cats)
        examples.append(Example(nlp(record_to_doc(nlp.vocab, record, layers=())), reference))
        guess = record_to_doc(nlp.vocab, record, layers=())
        guess.cats = {c: float(c == majority) for c in labels}
        guesses.append(Example(guess, reference))
    cats = scores["cats"]
    assert cats["component"] == "textcat" and cats["dev_documents"] == len(dev)
    for ours, predicted in ((cats["model"], examples), (cats["baseline"], guesses)):
        theirs = Scorer.score_cats(predicted, "cats", labels=labels, multi_label=False)
        assert ours["f"] == round(theirs["cats_micro_f"], 4)
        for label in labels:
            for key in "prf":
                assert ours["per_label"][label][key] == round(
                    theirs["cats_f_per_type"][label][key], 4
                )
    spans = scores["span_cats"]
    held = [e for e, r in zip(examples, dev, strict=True) if r.span_cats]  # the ones it scores
    theirs = Scorer.score_spans(held, "spans_sc", getter=lambda doc, _: doc.spans.get("sc", []),
                                has_annotation=lambda doc: True, allow_overlap=True)  # fmt: skip
    assert spans["model"]["f"] == round(theirs["spans_sc_f"] or 0.0, 4)
    assert spans["model"]["support"] == sum(len(r.span_cats) for r in dev)
    assert spans["baseline"]["support"] == spans["model"]["support"]
    assert spans["baseline_kind"] == "training phrase lookup"


def test_activation_switches_preannotation_and_predictions_carry_the_version(
    session: Session, team: tuple[User, User, User], layered_model: Path
) -> None:
    boss = team[0]
    project = make_project(
        session, boss, labels=LABELS, layers=["entities", "cats", "spans"],
        categories=[LayerLabelSpec("alien"), LayerLabelSpec("earthly")],
        span_labels=[LayerLabelSpec("being")],
    )  # fmt: skip
    document, reviewed = add_documents(session, project, ["They met the Zorblax people.",
                                                          "The farmer won ."])  # fmt: skip
    gold = Annotation(document_id=reviewed.id, kind="gold", status="submitted")
    session.add(gold)
    session.flush()
    human = Payload(
        cats=(("alien", 1.0), ("earthly", 0.0)), span_cats=(SpanRecord(4, 10, "being"),)
    )
    store.insert_many(session, [(gold.id, store.tokens_of(reviewed), human)], source="human")
    session.commit()
    version = _register(session, project, layered_model)
    preannotate_project(session, project)
    prediction = _prediction_of(session, document)
    assert prediction.model_version_id is None and prediction.info["model"]["version"] is None
    before = store.read(session, prediction)
    assert not any(s.label == "ORG" for s in before.spans or ())
    assert not before.cats and not before.span_cats  # the base model has neither

    activate(session, project, 1, boss)
    assert refresh_untouched(session, project) == 1
    preannotate_project(session, project)
    prediction = _prediction_of(session, document)
    assert prediction.model_version_id == version.id and prediction.info["model"]["version"] == 1
    suggested = store.read(session, prediction)
    spans = suggested.spans or ()
    assert [(document.text[s.start : s.end], s.label) for s in spans] == [("Zorblax", "ORG")]
    # the trained document labels and span categories become the prediction's suggestions
    cats = dict(suggested.cats or ())
    assert set(cats) == {"alien", "earthly"} and cats["alien"] > 0.5 > cats["earthly"]
    found = {document.text[s.start : s.end]: s.score for s in suggested.span_cats or ()}
    assert found and {s.label for s in suggested.span_cats or ()} == {"being"}, found
    assert max(found, key=lambda text: found[text] or 0.0) == "Zorblax", found
    assert all(score is not None and 0.5 <= score <= 1.0 for score in found.values())
    kept = store.read(session, gold)  # human work is never written by pre-annotation
    assert kept.cats == human.cats and kept.span_cats == human.span_cats

    assert rollback(session, project, boss) is None  # back to the base model
    assert refresh_untouched(session, project) == 1


def test_refresh_never_touches_human_work(
    session: Session, team: tuple[User, User, User], ruler_model: Path
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

    _register(session, project, ruler_model)
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


def test_queue_order_both_puts_documents_the_two_models_read_differently_first(
    session: Session, team: tuple[User, User, User], ruler_model: Path
) -> None:
    """The same documents and active model in two projects: by the trained model's doubt
    alone the unknown names come first; with ``both`` the document where the base and the
    trained model disagree (the trained one's ruler finds Zorblax) overtakes it."""
    boss, ann, _ = team
    texts = ["I saw Kwento and Talibre at Mandu .", "Zorblax hired Bob ."]
    firsts, scores = {}, {}
    for order in ("uncertainty", "both"):
        project = make_project(session, boss, name=f"queue {order}", labels=LABELS,
                               members={"ann": "annotator"})  # fmt: skip
        documents = add_documents(session, project, texts)
        _register(session, project, ruler_model)
        activate(session, project, 1, boss)
        update_project(session, project, boss, settings={"loop_queue": order})
        preannotate_project(session, project)
        for document in documents:
            session.refresh(document)
        scores[order] = [d.uncertainty for d in documents]
        first = next_annotation(session, project, ann)
        assert first is not None
        firsts[order] = texts[[d.id for d in documents].index(first.document_id)]
        assert documents[1].overlap is None  # no routing asked: both orders leave overlap alone
    unsure, torn = scores["uncertainty"]
    assert unsure is not None and torn is not None and unsure > torn
    assert firsts["uncertainty"] == texts[0]
    assert scores["both"][0] == pytest.approx(unsure)  # the models agree: doubt alone
    assert scores["both"][1] is not None and scores["both"][1] > torn + 0.2
    assert firsts["both"] == texts[1]


def test_documents_both_models_agree_on_go_to_fewer_annotators(
    session: Session, team: tuple[User, User, User], ruler_model: Path
) -> None:
    boss, ann, _ = team
    make_users(session, "ann2")
    project = make_project(session, boss, labels=LABELS, overlap=2,
                           members={"ann": "annotator", "ann2": "annotator"})  # fmt: skip
    agreed, disputed = add_documents(
        session, project, ["Anna lives in Rome.", "Zorblax hired Bob."]
    )
    _register(session, project, ruler_model)
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
