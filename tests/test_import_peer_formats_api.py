"""Importing other tools' files through the API: counts per kind, everything not imported named,
and the way back out (Label Studio and doccano exports)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from click.testing import CliRunner
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as, sign_in
from textlabel import cli

PEER = DATA / "peer_formats"


@pytest.fixture
def project(session):
    owner = make_user(session, "mgr")
    return make_project(session, owner, labels=("PER", "ORG", "LOC", "MISC"))


def _upload(api, project, name: str, data: bytes, **form):
    upload = FileStorage(io.BytesIO(data), filename=name)
    fields = {"preannotate": "false", "add_labels": "true", **form, "file": upload}
    boundary, body = encode_multipart(MultiDict(fields))
    content_type = f"multipart/form-data; boundary={boundary}"
    return api.post(f"/projects/{project.id}/documents", data=body, content_type=content_type)


def _brat_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted((PEER / "brat").glob("*")):
            archive.write(path, path.name)
    return buffer.getvalue()


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


LS_TASK = {
    "id": 3,
    "data": {"text": "Ada met Charles in London."},
    "annotations": [
        {
            "result": [
                {"id": "a", "type": "labels", "from_name": "label", "to_name": "text",
                 "value": {"start": 0, "end": 3, "text": "Ada", "labels": ["PER"]}},
                {"id": "b", "type": "labels", "from_name": "label", "to_name": "text",
                 "value": {"start": 8, "end": 15, "text": "Charles", "labels": ["PER"]}},
                {"type": "relation", "from_id": "a", "to_id": "b", "direction": "right"},
                {"type": "choices", "from_name": "topic", "to_name": "text",
                 "value": {"choices": ["history"]}},
            ]
        },
        {"result": [{"type": "labels", "value": {"start": 19, "end": 25, "labels": ["LOC"]}}]},
    ],
}  # fmt: skip

# Every reader, given annotations it cannot store: the answer names them, never a silent success.
CASES = [
    ("brat.zip", _brat_zip(), "relations", "* lines (equivalences)"),
    ("brat.zip", _brat_zip(), "events", "E lines (events)"),
    ("brat.zip", _brat_zip(), "notes", "# lines (annotator notes)"),
    ("ls.json", _json([LS_TASK]), "spans", "results of the task's other annotations"),
    (
        "prodigy.jsonl",
        _json({"text": "A b", "answer": "accept", "relations": [{}]}),
        "relations",
        '"relations"',
    ),  # fmt: skip
    ("events.json", _json([{"text": "A b", "events": [{"trigger": 0}]}]), "events", '"events"'),
    (
        "hf.jsonl",
        _json(
            {"tokens": ["Ada", "ran"], "ner_tags": ["B-PER", "O"], "chunk_tags": ["B-NP", "B-VP"]}
        ),
        "token_tags",
        '"chunk_tags"',
    ),  # fmt: skip
    ("x.tsv", (PEER / "webanno" / "example2.tsv").read_bytes(), "relations", "relation layer"),
    (
        "ls.csv",
        b'text,relations\n"Ada met Bob.","[{""from_id"": ""a""}]"\n',
        "relations",
        '"relations"',
    ),  # fmt: skip
    (
        "x.spacy",
        (PEER / "spacy_docbin" / "ents_cats_spans.spacy").read_bytes(),
        "spans",
        'span group "topics"',
    ),  # fmt: skip
    (
        "onto_conll",
        b"#begin document (d); part 000\n"
        b"d 0 0 Ada NNP (TOP* - - - spk1 (PERSON) * (1)\n"
        b"d 0 1 sang VBD *) sing 01 - spk1 * (V*) -\n#end document\n",
        "parse_bits",
        "parse bits (column 6)",
    ),
]


@pytest.mark.parametrize(("name", "data", "kind", "what"), CASES,
                         ids=[f"{c[0]}-{c[2]}" for c in CASES])  # fmt: skip
def test_what_a_reader_cannot_store_is_named_with_counts(
    app: Flask, session, project, name, data, kind, what
) -> None:
    response = _upload(api_as(app, "mgr"), project, name, data)
    assert response.status_code == 201, response.json
    answer = response.json
    rows = [row for row in answer["not_imported"] if row["kind"] == kind and what in row["name"]]
    assert rows, answer["not_imported"]
    assert all(what in row["message"] and str(row["count"]) in row["message"] for row in rows)
    counts = answer["counts"][kind]
    assert counts["not_stored"] >= sum(row["count"] for row in rows) > 0
    assert counts["read"] == counts["stored"] + counts["not_stored"]


def test_brat_zip_counts_then_leaves_as_label_studio_and_doccano(app, session, project) -> None:
    api = api_as(app, "mgr")
    answer = _upload(api, project, "brat.zip", _brat_zip()).json
    t_lines = sum(
        line.startswith("T")
        for path in (PEER / "brat").glob("*.ann")
        for line in path.read_text(encoding="utf-8").splitlines()
    )
    assert answer["imported"] == 4 and answer["counts"]["documents"]["stored"] == 4
    assert answer["counts"]["spans"] == {"read": t_lines, "stored": t_lines, "not_stored": 0}
    exported = api.get(f"/projects/{project.id}/export?format=labelstudio&source=predictions")
    assert exported.status_code == 200
    tasks = json.loads(exported.data)
    regions = [r for t in tasks for r in t["annotations"][0]["result"] if r["type"] == "labels"]
    assert len(regions) == t_lines
    assert all(t["data"]["text"][r["value"]["start"] : r["value"]["end"]] == r["value"]["text"]
               for t in tasks for r in t["annotations"][0]["result"])  # fmt: skip
    lines = api.get(f"/projects/{project.id}/export?format=doccano&source=predictions").data
    triples = [triple for line in lines.splitlines() for triple in json.loads(line)["label"]]
    assert len(triples) == t_lines


def test_prodigy_negatives_are_stored_and_exported(app, session, project) -> None:
    path = PEER / "prodigy" / "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    accepted = {line["text"] for line in lines if line["answer"] == "accept"}
    api = api_as(app, "mgr")
    answer = _upload(api, project, path.name, path.read_bytes()).json
    assert answer["annotations"] == len(accepted)
    exported = api.get(f"/projects/{project.id}/export?format=jsonl&source=predictions").data
    texts = {json.loads(line)["text"] for line in exported.splitlines()}
    assert texts == accepted
    assert any(not json.loads(line)["spans"] for line in exported.splitlines())


def test_import_page_lists_counts_and_what_was_not_imported(app, session, project) -> None:
    browser = sign_in(app.test_client(), "mgr")
    upload = FileStorage(io.BytesIO(_brat_zip()), filename="brat.zip")
    fields = {"csrf_token": browser.csrf, "preannotate": "false", "add_labels": "true"}
    boundary, body = encode_multipart(MultiDict({**fields, "file": upload}))
    html = browser.post(
        f"/projects/{project.id}/import", data=body,
        content_type=f"multipart/form-data; boundary={boundary}", headers={"HX-Request": "true"},
    ).get_data(as_text=True)  # fmt: skip
    assert "Imported 4 documents" in html and "What the file held" in html
    assert "Not imported" in html and "* lines (equivalences) (1 relation)" in html


def test_cli_pairs_brat_files_and_prints_what_was_not_imported(
    app, session, project, database_url, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    folder = PEER / "brat"
    files = [str(folder / "110-note_annotation.txt"), str(folder / "110-note_annotation.ann")]
    result = CliRunner().invoke(cli.main, ["import", str(project.id), *files, "--add-labels"])
    assert result.exit_code == 0, result.output
    assert "imported 1," in result.output
    assert "spans: read 14, stored 14" in result.output
    assert "not imported: # lines (annotator notes) (3 notes)" in result.output


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("conll2012", "1064_the_masque_of_the_red_death_brat.conll"),
        ("webanno", "testSimpleChain.tsv"),
    ],
)
def test_tokens_entities_and_chains_survive_a_conllu_export(app, session, folder, name) -> None:
    """Imported through the API, exported as CoNLL-U, read back with the ``conllu`` package:
    the same tokens, entity count and mention count as the reader's independent counts."""
    import conllu

    from textlabel.ingest.registry import read_file

    path = PEER / folder / name
    (record,) = list(read_file(io.BytesIO(path.read_bytes()), name))
    owner = make_user(session, "mgr")
    project = make_project(session, owner, layers=["entities", "pos", "coref"])
    api = api_as(app, "mgr")
    assert _upload(api, project, name, path.read_bytes()).status_code == 201
    exported = api.get(f"/projects/{project.id}/export?format=conllu&source=predictions")
    sentences = conllu.parse(exported.data.decode("utf-8"))
    words = [t for s in sentences for t in s if isinstance(t["id"], int)]
    assert [w["form"] for w in words] == [record.text[t.start : t.end] for t in record.tokens]
    misc = [w["misc"] or {} for w in words]
    assert sum(str(m.get("NE", "")).startswith("B-") for m in misc) == len(record.spans)
    mentions = sum(str(m.get("Entity", "")).count("(") for m in misc)
    assert mentions == sum(map(len, record.coref))
    if record.coref:
        ids = {i for m in misc for i in re.findall(r"\(([^()\-]+)", str(m.get("Entity", "")))}
        assert len(ids) == len(record.coref)
