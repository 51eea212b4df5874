"""Imports apply the API's rules to relations, document labels and span categories: a row
with a self-relation, a relation whose ends break its allowed head / child labels, several
labels in a single-choice project or overlapping span categories in a project that keeps
them apart is rejected with its line and the API's reason; the good rows are stored."""

from __future__ import annotations

import io
import json

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_user
from tests.helpers import api_as
from textlabel.annotate.layer_checks import RelationRule, Rules
from textlabel.annotate.payload import Payload
from textlabel.ingest.layer_rules import checked_layers
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import RelationRecord, SpanRecord

TEXT = "Ada Lovelace worked with Charles Babbage in London."
ADA, BABBAGE, LONDON = (0, 12), (25, 40), (44, 50)
SPANS = [{"start": 0, "end": 12, "label": "PER"}, {"start": 25, "end": 40, "label": "PER"},
         {"start": 44, "end": 50, "label": "LOC"}]  # fmt: skip


def _rel(head, child, label):
    return {"head": {"start": head[0], "end": head[1]},
            "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip


def _upload(api, pid, name: str, data: bytes, **form):
    upload = FileStorage(io.BytesIO(data), filename=name)
    fields = {"preannotate": "false", **form, "file": upload}
    boundary, body = encode_multipart(MultiDict(fields))
    return api.post(f"/projects/{pid}/documents", data=body,
                    content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip


def test_rows_breaking_the_layer_rules_are_rejected_by_line(app, session) -> None:
    make_user(session, "mgr")
    api = api_as(app, "mgr")
    project = api.post("/projects", json={
        "name": "Strict", "labels": [{"name": "PER"}, {"name": "LOC"}],
        "layers": ["entities", "relations", "cats", "spans"],
        "relation_labels": [{"name": "lives_in", "heads": ["PER"], "children": ["LOC"]},
                            {"name": "knows", "directed": False}],
        "categories": [{"name": "science"}, {"name": "politics"}], "cats_mode": "single",
        "span_labels": [{"name": "NP"}], "span_overlap": "none",
    }).json  # fmt: skip
    good = {"text": TEXT, "spans": SPANS, "cats": {"science": 1.0},
            "relations": [_rel(LONDON, ADA, "knows"), _rel(ADA, LONDON, "lives_in")],
            "span_cats": [{"start": 0, "end": 12, "label": "NP"}]}  # fmt: skip
    lines = [
        good,
        {**good, "text": TEXT + " 2", "relations": [_rel(ADA, ADA, "knows")]},
        {**good, "text": TEXT + " 3", "relations": [_rel(LONDON, ADA, "lives_in")]},
        {**good, "text": TEXT + " 4", "cats": {"science": 1.0, "politics": 1.0}},
        {**good, "text": TEXT + " 5", "span_cats": [{"start": 0, "end": 12, "label": "NP"},
                                                    {"start": 4, "end": 24, "label": "NP"}]},
        {**good, "text": TEXT + " 6", "cats": {"science": 0.9, "politics": 0.1}},
    ]  # fmt: skip
    data = "\n".join(json.dumps(line) for line in lines).encode()
    answer = _upload(api, project["id"], "rows.jsonl", data, keep_good_rows="true")
    assert answer.status_code == 201, answer.json
    errors = {e["where"]: e["message"] for e in answer.json["errors"]}
    assert set(errors) == {f"rows.jsonl, line {n}" for n in (2, 3, 4, 5)}
    assert errors["rows.jsonl, line 2"] == "relation 0 links an entity to itself"
    assert errors["rows.jsonl, line 3"].startswith("relation 0: lives_in does not link LOC to PER")
    assert "takes one document label, not 2: politics, science" in errors["rows.jsonl, line 4"]
    assert "keeps them apart" in errors["rows.jsonl, line 5"]
    assert answer.json["imported"] == 2
    # all or nothing without keep_good_rows: the first bad line refuses the file
    refused = _upload(api, project["id"], "again.jsonl", data)
    assert refused.status_code in (400, 422)
    assert (
        "again.jsonl, line 2: relation 0 links an entity to itself"
        in (refused.json["error"]["message"])
    )
    # the symmetric relation is stored earlier entity first, as the API stores it
    out = api.get(f"/projects/{project['id']}/export?format=jsonl&source=predictions").data
    first = json.loads(out.decode().splitlines()[0])
    assert _rel(ADA, LONDON, "knows") in first["relations"]


def test_labels_the_project_lacks_get_no_restriction_here() -> None:
    tokens = tokenize_text(TEXT)
    rules = Rules(layers=frozenset({"entities", "relations"}), labels=frozenset({"PER", "LOC"}),
                  relations={"lives_in": RelationRule("lives_in", frozenset({"PER"}),
                                                      frozenset({"LOC"}))})  # fmt: skip
    spans = (SpanRecord(*ADA, "PER"), SpanRecord(*LONDON, "LOC"))
    new_label = Payload(spans=spans, relations=(RelationRecord(LONDON, ADA, "born_in"),))
    assert isinstance(checked_layers(new_label, tokens, rules), Payload)
    backwards = Payload(spans=spans, relations=(RelationRecord(LONDON, ADA, "lives_in"),))
    assert "does not link LOC to PER" in str(checked_layers(backwards, tokens, rules))
