"""Relations, document labels and span categories in and out: JSONL round trip through the
API, Label Studio relations and choices, doccano relations, brat R lines, and the spaCy
export (``doc.cats`` with every category, ``doc.spans["sc"]``, textcat / spancat config)."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_user
from tests.helpers import DATA, api_as

PEER = DATA / "peer_formats"
TEXT = "Ada Lovelace worked with Charles Babbage in London on the Analytical Engine."
ADA, BABBAGE, LONDON = (0, 12), (25, 40), (44, 50)


def _end(pair):
    return {"start": pair[0], "end": pair[1]}


LINE = {
    "text": TEXT,
    "spans": [{"start": 0, "end": 12, "label": "PER"}, {"start": 25, "end": 40, "label": "PER"},
              {"start": 44, "end": 50, "label": "LOC"}],
    "relations": [{"head": _end(ADA), "child": _end(LONDON), "label": "lives_in"},
                  {"head": _end(ADA), "child": _end(BABBAGE), "label": "knows"}],
    "cats": {"science": 1.0, "politics": 0.0},
    "span_cats": [{"start": 54, "end": 75, "label": "NP"}, {"start": 58, "end": 75, "label": "NP"}],
}  # fmt: skip


@pytest.fixture
def api(app, session):
    make_user(session, "mgr")
    return api_as(app, "mgr")


def _project(api, name="Layers", **extra):
    body = {
        "name": name,
        "labels": [{"name": "PER"}, {"name": "LOC"}],
        "layers": ["entities", "relations", "cats", "spans"],
        "relation_labels": [{"name": "lives_in"}, {"name": "knows"}],
        "categories": [{"name": "science"}, {"name": "politics"}],
        "span_labels": [{"name": "NP"}],
        **extra,
    }
    response = api.post("/projects", json=body)
    assert response.status_code == 201, response.json
    return response.json


def _upload(api, pid, name: str, data: bytes, **form):
    upload = FileStorage(io.BytesIO(data), filename=name)
    fields = {"preannotate": "false", **form, "file": upload}
    boundary, body = encode_multipart(MultiDict(fields))
    return api.post(f"/projects/{pid}/documents", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def _jsonl(api, pid) -> list[dict]:
    data = api.get(f"/projects/{pid}/export?format=jsonl&source=predictions").data
    return [json.loads(line) for line in data.decode().splitlines()]


def test_jsonl_round_trip_keeps_relations_cats_and_span_cats(api) -> None:
    pid = _project(api)["id"]
    answer = _upload(api, pid, "in.jsonl", json.dumps(LINE).encode()).json
    assert answer["counts"]["relations"] == {"read": 2, "stored": 2, "not_stored": 0}
    assert answer["counts"]["document_labels"]["stored"] == 2
    assert answer["counts"]["span_categories"]["stored"] == 2
    assert answer["not_imported"] == []
    (out,) = _jsonl(api, pid)
    assert sorted(map(json.dumps, out["relations"])) == sorted(map(json.dumps, LINE["relations"]))
    assert out["cats"] == LINE["cats"]
    assert out["span_cats"] == LINE["span_cats"]
    # and back in again, into a second project: the same
    other = _project(api, "Again")["id"]
    _upload(api, other, "again.jsonl", json.dumps(out).encode())
    (again,) = _jsonl(api, other)
    assert (again["relations"], again["cats"], again["span_cats"]) == (
        out["relations"], out["cats"], out["span_cats"])  # fmt: skip


def test_unknown_layer_labels_are_refused_by_name_unless_added(api) -> None:
    pid = _project(api, relation_labels=[], categories=[{"name": "politics"}])["id"]
    refused = _upload(api, pid, "in.jsonl", json.dumps(LINE).encode())
    assert refused.status_code == 422
    message = refused.json["error"]["message"]
    assert "relation label knows" in message and "document label science" in message
    added = _upload(api, pid, "in.jsonl", json.dumps(LINE).encode(), add_labels="true").json
    assert {"knows (relation label)", "lives_in (relation label)",
            "science (document label)"} <= set(added["labels_added"])  # fmt: skip
    project = api.get(f"/projects/{pid}").json
    assert {label["name"] for label in project["relation_labels"]} == {"knows", "lives_in"}


def test_a_relation_whose_end_is_no_entity_rejects_the_row(api) -> None:
    pid = _project(api)["id"]
    line = {**LINE, "relations": [{"head": _end(ADA), "child": {"start": 13, "end": 19},
                                   "label": "knows"}]}  # fmt: skip
    response = _upload(api, pid, "bad.jsonl", json.dumps(line).encode())
    assert response.status_code in (400, 422)
    assert "relation 0: its child [13, 19) is not an entity" in response.json["error"]["message"]


LS_TASK = {
    "id": 3,
    "data": {"text": "Ada met Charles in London."},
    "annotations": [{"result": [
        {"id": "a", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}},
        {"id": "b", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 8, "end": 15, "text": "Charles", "labels": ["PER"]}},
        {"id": "c", "type": "labels", "from_name": "label", "to_name": "text",
         "value": {"start": 19, "end": 25, "text": "London", "labels": ["LOC"]}},
        {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right",
         "labels": ["knows"]},
        {"type": "relation", "from_id": "c", "to_id": "b", "direction": "left",
         "labels": ["lives_in"]},
        {"type": "choices", "from_name": "topic", "to_name": "text",
         "value": {"choices": ["science"]}},
    ]}],
}  # fmt: skip


def test_label_studio_relations_and_choices_are_stored_and_written_back(api) -> None:
    pid = _project(api)["id"]
    answer = _upload(api, pid, "ls.json", json.dumps([LS_TASK]).encode()).json
    assert answer["counts"]["relations"] == {"read": 2, "stored": 2, "not_stored": 0}
    assert answer["counts"]["document_labels"] == {"read": 1, "stored": 1, "not_stored": 0}
    (out,) = _jsonl(api, pid)
    assert {(r["head"]["start"], r["child"]["start"], r["label"]) for r in out["relations"]} == {
        (0, 8, "knows"), (8, 19, "lives_in")}  # "left" points from to_id to from_id  # fmt: skip
    assert out["cats"] == {"science": 1.0}
    tasks = json.loads(
        api.get(f"/projects/{pid}/export?format=labelstudio&source=predictions").data
    )
    results = tasks[0]["annotations"][0]["result"]
    regions = {r["id"]: r["value"]["text"] for r in results if r["type"] == "labels"}
    links = {(regions[r["from_id"]], regions[r["to_id"]], r["labels"][0])
             for r in results if r["type"] == "relation"}  # fmt: skip
    assert links == {("Ada", "Charles", "knows"), ("Charles", "London", "lives_in")}
    assert [r["value"]["choices"] for r in results if r["type"] == "choices"] == [["science"]]


def test_doccano_relations_and_brat_r_lines_are_stored(api) -> None:
    path = PEER / "doccano" / "import_relation_extraction_example.jsonl"
    raw = json.loads(path.read_text(encoding="utf-8"))
    pid = _project(api, labels=[{"name": "ORG"}], relation_labels=[])["id"]
    answer = _upload(api, pid, path.name, path.read_bytes(), add_labels="true").json
    n = len(raw["relations"])
    assert answer["counts"]["relations"] == {"read": n, "stored": n, "not_stored": 0}
    (out,) = _jsonl(api, pid)
    assert sorted((r["head"]["start"], r["child"]["start"], r["label"])
                  for r in out["relations"]) == sorted(
        (raw["entities"][r["from_id"]]["start_offset"], raw["entities"][r["to_id"]]["start_offset"],
         r["type"]) for r in raw["relations"])  # fmt: skip
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("060-relation_annotation.txt", "060-relation_annotation.ann"):
            archive.write(PEER / "brat" / name, name)
    brat = _project(api, "Brat", labels=[{"name": "Person"}], relation_labels=[])["id"]
    answer = _upload(api, brat, "b.zip", buffer.getvalue(), add_labels="true").json
    assert answer["counts"]["relations"]["stored"] == 1  # R1 Located (the * line is not)
    (out,) = _jsonl(api, brat)
    (relation,) = out["relations"]
    text = out["text"]
    assert (text[relation["head"]["start"] : relation["head"]["end"]],
            text[relation["child"]["start"] : relation["child"]["end"]],
            relation["label"]) == ("Terry Pratchett", "England", "Located")  # fmt: skip


@pytest.mark.parametrize(("mode", "component"), [("multi", "textcat_multilabel"),
                                                 ("single", "textcat")])  # fmt: skip
def test_spacy_export_has_doc_cats_spans_sc_and_their_components(api, mode, component) -> None:
    pid = _project(api, cats_mode=mode)["id"]
    line = {**LINE, "cats": {"science": 1.0}}
    _upload(api, pid, "in.jsonl", json.dumps(line).encode())
    data = api.get(f"/projects/{pid}/export?format=spacy&source=predictions&dev=0").data
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        docs = [
            doc
            for name in names
            if name.endswith(".spacy")
            for doc in DocBin().from_bytes(archive.read(name)).get_docs(Vocab())
        ]
        config = archive.read("config.cfg").decode()
    (doc,) = docs
    assert doc.cats == {"science": 1.0, "politics": 0.0}  # every category, as textcat wants
    assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == [
        (s["start"], s["end"], s["label"]) for s in LINE["span_cats"]]  # fmt: skip
    assert {e.text for e in doc.ents} == {"Ada Lovelace", "Charles Babbage", "London"}
    pipeline = config.split("pipeline = ", 1)[1].split("\n", 1)[0]
    assert f'"{component}"' in pipeline and '"spancat"' in pipeline and '"ner"' in pipeline


def _standoff(ann: str) -> tuple[set, set]:
    """(entities, relations) of an .ann by offsets and labels, ids resolved; T lines that
    are discontinuous are left out (textlabel spans are contiguous)."""
    spans, entities, relations = {}, set(), set()
    for line in ann.splitlines():
        fields = line.split("\t")
        if line.startswith("T") and ";" not in fields[1]:
            label, start, end = fields[1].split()
            spans[fields[0]] = (label, int(start), int(end))
            entities.add(spans[fields[0]])
    for line in ann.splitlines():
        if line.startswith("R"):
            label, arg1, arg2 = line.split("\t")[1].split()
            relations.add((label, spans[arg1.split(":")[1]][1:], spans[arg2.split(":")[1]][1:]))
    return entities, relations


def test_a_brat_corpus_with_relations_imports_and_exports_without_loss(api) -> None:
    buffer = io.BytesIO()
    originals = {}
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((PEER / "brat").glob("*")):
            archive.write(path, path.name)
            if path.suffix == ".ann":
                originals[path.stem] = (path.with_suffix(".txt").read_text(encoding="utf-8"),
                                        _standoff(path.read_text(encoding="utf-8")))  # fmt: skip
    labels = [{"name": name} for name in ("Person", "GPE", "Organization")]
    pid = _project(api, "Brat", labels=labels, relation_labels=[])["id"]
    answer = _upload(api, pid, "brat.zip", buffer.getvalue(), add_labels="true").json
    assert answer["imported"] == len(originals)
    exported = api.get(f"/projects/{pid}/export?format=brat&source=predictions")
    assert exported.status_code == 200
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        for stem, (text, (entities, relations)) in originals.items():
            name = next(n for n in archive.namelist() if n.endswith(f"{stem}.ann"))
            assert archive.read(name[:-4] + ".txt").decode() == text
            assert _standoff(archive.read(name).decode()) == (entities, relations), stem
    assert sum(len(r) for _, (_, r) in originals.items()) > 0  # the corpus has relations


def test_gold_or_majority_export_keeps_what_most_annotators_drew(app, session, api) -> None:
    from tests.factories import add_documents, make_users
    from textlabel.models import Project

    make_users(session, "a1", "a2", "a3")
    project = _project(api, overlap=3)
    for name in ("a1", "a2", "a3"):
        api.post(f"/projects/{project['id']}/members", json={"username": name,
                                                             "role": "annotator"})  # fmt: skip
    (document,) = add_documents(session, session.get(Project, project["id"]), [TEXT])
    lives, knows = LINE["relations"]
    bodies = {  # lives_in by all three, knows by one; science by two; one NP span by two
        "a1": {"relations": [lives, knows], "cats": {"science": 1.0},
               "span_cats": LINE["span_cats"]},
        "a2": {"relations": [lives], "cats": {"science": 1.0}, "span_cats": LINE["span_cats"][:1]},
        "a3": {"relations": [lives], "cats": {"politics": 1.0}, "span_cats": []},
    }  # fmt: skip
    for name, body in bodies.items():
        saved = api_as(app, name).put(f"/documents/{document.id}/annotations/me", json={
            "version": 0, "status": "submitted", "spans": LINE["spans"], **body})  # fmt: skip
        assert saved.status_code == 200, saved.json
    data = api.get(f"/projects/{project['id']}/export?format=jsonl&source=gold_or_majority").data
    (out,) = [json.loads(line) for line in data.decode().splitlines()]
    assert out["relations"] == [lives]
    assert out["cats"] == {"science": 1.0}
    assert out["span_cats"] == LINE["span_cats"][:1]


def test_unanimous_layers_are_auto_accepted_into_gold_and_disagreement_is_not(
    app, session, api
) -> None:
    from tests.factories import add_documents, make_users
    from textlabel.models import Project

    make_users(session, "a1", "a2")
    project = _project(api, overlap=2)
    for name in ("a1", "a2"):
        api.post(f"/projects/{project['id']}/members", json={"username": name,
                                                             "role": "annotator"})  # fmt: skip
    agreed, disputed = add_documents(session, session.get(Project, project["id"]),
                                     [TEXT, TEXT.replace(".", "!")])  # fmt: skip
    body = {"version": 0, "status": "submitted", "spans": LINE["spans"],
            "relations": LINE["relations"], "cats": {"science": 1.0},
            "span_cats": LINE["span_cats"]}  # fmt: skip
    for name in ("a1", "a2"):
        assert api_as(app, name).put(f"/documents/{agreed.id}/annotations/me",
                                     json=body).status_code == 200  # fmt: skip
        other = {**body, "cats": {"science": 1.0} if name == "a1" else {"politics": 1.0}}
        assert api_as(app, name).put(f"/documents/{disputed.id}/annotations/me",
                                     json=other).status_code == 200  # fmt: skip
    gold = api.get(f"/documents/{agreed.id}/gold").json
    assert gold["info"]["auto_accepted"] is True
    assert sorted(json.dumps(r, sort_keys=True) for r in gold["relations"]) == sorted(
        json.dumps(r, sort_keys=True) for r in LINE["relations"])  # fmt: skip
    assert gold["cats"] == {"science": 1.0} and gold["span_cats"] and gold["spans"]
    # the same entities but other document labels: not unanimous, left for a reviewer
    assert api.get(f"/documents/{disputed.id}/gold").json["id"] is None
