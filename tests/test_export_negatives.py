"""Documents without entities are training negatives: every export keeps them unless asked
not to, and a spaCy export whose dev split would be empty is refused with the numbers.

WNUT-17 (two columns, no -DOCSTART-: each sentence is a document) is counted independently
by reading its lines; the exports are read back with spaCy and plain parsing.
"""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from tests.factories import add_documents, make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.export.docbin import split_of
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.records import DocumentRecord

WNUT = DATA / "ner" / "wnut17_emerging.test.annotated"


def _sentences_by_lines() -> tuple[int, int]:
    """(sentences, sentences without an entity tag) as the file's lines say."""
    sentences = negatives = 0
    tags: list[str] = []
    for line in [*WNUT.read_text(encoding="utf-8").splitlines(), ""]:
        if line.strip():
            tags.append(line.split("\t")[-1])
        elif tags:
            sentences += 1
            negatives += all(tag == "O" for tag in tags)
            tags = []
    return sentences, negatives


@pytest.fixture
def project(session):
    owner = make_user(session, "mgr")
    labels = ("person", "location", "corporation", "product", "creative-work", "group")
    project = make_project(session, owner, labels=labels)
    with WNUT.open("rb") as stream:
        result = import_file(session, project, stream, WNUT.name, user=owner,
                             options=ImportOptions(dedupe=False))  # fmt: skip
    sentences, _ = _sentences_by_lines()
    assert result.imported == result.annotations == sentences
    return project


def _get(app, project, query: str):
    response = api_as(app, "mgr").get(f"/projects/{project.id}/export?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_data()


def test_conll_and_jsonl_keep_negatives_unless_asked(app, project) -> None:
    sentences, negatives = _sentences_by_lines()
    assert 0 < negatives < sentences
    conll = _get(app, project, "format=conll&source=predictions").decode()
    assert conll.count("-DOCSTART-") == sentences
    lines = _get(app, project, "format=jsonl&source=predictions").decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == sentences
    assert sum(not record["spans"] for record in records) == negatives
    positive = _get(app, project, "format=conll&source=predictions&negatives=false").decode()
    documents = positive.split("-DOCSTART- -X- -X- O\n\n")[1:]
    assert len(documents) == sentences - negatives
    assert all("B-" in document for document in documents)
    jsonl = _get(app, project, "format=jsonl&source=predictions&negatives=false").decode()
    assert all(json.loads(line)["spans"] for line in jsonl.splitlines())


def test_docbin_keeps_negatives_unless_asked(app, project) -> None:
    sentences, negatives = _sentences_by_lines()

    def docs(query: str) -> list:
        archive = zipfile.ZipFile(io.BytesIO(_get(app, project, query)))
        out = []
        for name in archive.namelist():
            if name.endswith(".spacy"):
                out.extend(DocBin().from_bytes(archive.read(name)).get_docs(Vocab()))
        return out

    everything = docs("format=spacy&source=predictions&dev=0.2")
    assert len(everything) == sentences
    assert sum(not doc.ents for doc in everything) == negatives
    positive = docs("format=spacy&source=predictions&dev=0.2&negatives=false")
    assert len(positive) == sentences - negatives and all(doc.ents for doc in positive)


def test_empty_dev_split_is_refused_with_the_numbers(app, session) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER",))
    documents = add_documents(session, project, ["Ada wrote.", "Bob read.", "Cy slept."])
    # a seed that puts all three documents in train (each has a 1-in-5 chance of dev)
    seed = next(
        seed
        for seed in range(100)
        if all(
            split_of(DocumentRecord(text="", meta={"id": d.id}), dev=0.2, seed=seed) == "train"
            for d in documents
        )
    )
    from textlabel.nlp.preannotate import preannotate_project

    preannotate_project(session, project)
    response = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=spacy&source=predictions&dev=0.2&seed={seed}"
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (
        "the dev split would be empty: 3 of 3 documents fall in train and 0 in dev"
        in (error["message"])
    )
    assert error["details"]["train"] == 3 and error["details"]["dev"] == 0
    # dev=0 asks for no dev split: allowed
    allowed = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=spacy&source=predictions&dev=0"
    )
    assert allowed.status_code == 200
