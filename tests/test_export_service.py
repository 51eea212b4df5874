"""Exports through the database: lossless round trips on real corpora, every source, the
streamed API download, the page, background jobs and the CLI."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import conllu
import pytest
from click.testing import CliRunner
from flask import Flask
from spacy.tokens import DocBin
from spacy.vocab import Vocab
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import DATA, api_as, sign_in
from textlabel import cli
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Annotation, Document, Span


@pytest.fixture
def owner(session):
    return make_user(session, "mgr")


def _import(session, project, owner, path: Path, **options):
    with path.open("rb") as stream:
        return import_file(session, project, stream, path.name, user=owner,
                           options=ImportOptions(**options))  # fmt: skip


def _sentences(text: str):
    return conllu.parse(text)


def test_ud_conllu_round_trips_through_the_database(app: Flask, session, owner) -> None:
    path = DATA / "ud" / "en_ewt-ud-test.conllu"
    project = make_project(session, owner, labels=(), layers=["entities", "pos"])
    result = _import(session, project, owner, path)
    assert result.imported == 65
    response = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=conllu&source=predictions"
    )
    assert response.status_code == 200
    exported = _sentences(response.get_data(as_text=True))
    original = _sentences(path.read_text(encoding="utf-8"))
    assert len(exported) == len(original)
    for ours, theirs in zip(exported, original, strict=True):
        assert ours.metadata["text"] == theirs.metadata["text"]
        words = [t for t in theirs if isinstance(t["id"], int)]
        mine = [t for t in ours if isinstance(t["id"], int)]
        for key in ("form", "lemma", "upos", "xpos", "head", "deprel"):
            assert [t[key] for t in mine] == [t[key] for t in words], (
                theirs.metadata["sent_id"],
                key,
            )
        space = [(t["misc"] or {}).get("SpaceAfter") for t in mine]
        assert space == [(t["misc"] or {}).get("SpaceAfter") for t in words]


def test_jsonl_export_imports_and_exports_identically(app: Flask, session, owner, tmp_path) -> None:
    source = make_project(session, owner, "Source", labels=("PER", "ORG", "LOC", "MISC"))
    _import(session, source, owner, DATA / "ner" / "wikigold.conll.txt")
    api = api_as(app, "mgr")
    first = api.get(f"/projects/{source.id}/export?format=jsonl&source=predictions").get_data()
    copy = make_project(session, owner, "Copy", labels=("PER", "ORG", "LOC", "MISC"))
    again = tmp_path / "again.jsonl"
    again.write_bytes(first)
    assert _import(session, copy, owner, again).imported == 13
    second = api.get(f"/projects/{copy.id}/export?format=jsonl&source=predictions").get_data()

    def without_ids(data: bytes) -> list[dict]:
        rows = [json.loads(line) for line in data.decode().splitlines()]
        for row in rows:
            row["meta"].pop("id")
        return rows

    assert without_ids(first) == without_ids(second)
    assert sum(len(row["spans"]) for row in without_ids(first)) > 500


def _annotate(session, document, user, spans, *, kind="manual", status="submitted"):
    starts = document.tokens["offsets"][0::2]
    ends = document.tokens["offsets"][1::2]
    annotation = Annotation(document_id=document.id, user_id=user.id if user else None,
                            kind=kind, status=status)  # fmt: skip
    session.add(annotation)
    session.flush()
    for start, end, label in spans:
        session.add(Span(annotation_id=annotation.id, layer="ent", start_char=start, end_char=end,
                         start_token=starts.index(start), end_token=ends.index(end) + 1,
                         label=label))  # fmt: skip
    session.commit()
    return annotation


@pytest.fixture
def voted(session, owner):
    """One document, three annotators: two say 'Ada Lovelace' is PER, one says ORG."""
    from textlabel.nlp.pipeline import tokenize_text

    project = make_project(session, owner, labels=("PER", "ORG", "LOC"), overlap=3)
    [document] = add_documents(session, project, ["Ada Lovelace lived in London ."])
    document.tokens = tokenize_text(document.text).to_stored()
    session.commit()
    users = [make_user(session, name) for name in ("a1", "a2", "a3")]
    _annotate(session, document, users[0], [(0, 12, "PER"), (22, 28, "LOC")])
    _annotate(session, document, users[1], [(0, 12, "PER")])
    _annotate(session, document, users[2], [(0, 12, "ORG"), (22, 28, "LOC")])
    return project, document, users


def test_sources_annotations_majority_and_gold(app: Flask, session, owner, voted) -> None:
    project, document, users = voted
    api = api_as(app, "mgr")

    def spans(source: str) -> list:
        body = api.get(f"/projects/{project.id}/export?format=jsonl&source={source}").get_data()
        rows = [json.loads(line) for line in body.decode().splitlines()]
        return [
            (r["meta"].get("annotator"), [(s["start"], s["end"], s["label"]) for s in r["spans"]])
            for r in rows
        ]

    assert spans("annotations") == [
        ("a1", [(0, 12, "PER"), (22, 28, "LOC")]),
        ("a2", [(0, 12, "PER")]),
        ("a3", [(0, 12, "ORG"), (22, 28, "LOC")]),
    ]
    assert spans("gold") == []  # nothing reviewed yet
    assert spans("gold_or_majority") == [(None, [(0, 12, "PER"), (22, 28, "LOC")])]
    _annotate(session, document, None, [(22, 28, "LOC")], kind="gold")
    assert spans("gold") == [(None, [(22, 28, "LOC")])]
    assert spans("gold_or_majority") == [(None, [(22, 28, "LOC")])]
    only_per = api.get(f"/projects/{project.id}/export?format=jsonl&source=annotations&labels=PER")
    assert b'"LOC"' not in only_per.get_data()
    reviewed = "format=jsonl&source=annotations&statuses=reviewed"
    assert len(api.get(f"/projects/{project.id}/export?{reviewed}").get_data().splitlines()) == 3
    fresh = "format=jsonl&source=annotations&statuses=new,in progress"
    assert api.get(f"/projects/{project.id}/export?{fresh}").get_data() == b""
    assert api.get(f"/projects/{project.id}/export?format=jsonl&statuses=old").status_code == 422


def test_spacy_download_is_a_zip_spacy_reads(app: Flask, session, owner, voted) -> None:
    project, _document, _users = voted
    response = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=spacy&source=annotations&dev=0"
    )
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert "config.cfg" in archive.namelist()
    shards = [name for name in archive.namelist() if name.startswith("train/")]
    docs = []
    for name in shards:
        docs += list(DocBin().from_bytes(archive.read(name)).get_docs(Vocab()))
    assert sorted((e.text, e.label_) for d in docs for e in d.ents) == sorted(
        [("Ada Lovelace", "PER"), ("London", "LOC"), ("Ada Lovelace", "PER"),
         ("Ada Lovelace", "ORG"), ("London", "LOC")]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("query", "status"),
    [("format=docx", 422), ("format=jsonl&source=everything", 422),
     ("format=jsonl&labels=ALIEN", 422), ("format=jsonl&layers=sentiment", 422),
     ("format=jsonl&dev=2", 422), ("", 422)],
)  # fmt: skip
def test_bad_export_requests_are_4xx(app: Flask, session, owner, voted, query, status) -> None:
    project, _document, _users = voted
    response = api_as(app, "mgr").get(f"/projects/{project.id}/export?{query}")
    assert response.status_code == status, response.get_data(as_text=True)
    assert api_as(app, "a1").get(f"/projects/{project.id}/export?format=jsonl").status_code == 404


def test_export_page_downloads_and_runs_jobs(app: Flask, session, owner, voted) -> None:
    project, _document, _users = voted
    browser = sign_in(app.test_client(), "mgr")
    assert "Run as a background job" in browser.get(f"/projects/{project.id}/export").get_data(
        as_text=True
    )
    direct = browser.get(f"/projects/{project.id}/export?format=conll&source=annotations")
    assert direct.status_code == 200 and b"B-PER" in direct.get_data()
    partial = browser.post(
        f"/projects/{project.id}/export",
        data={"csrf_token": browser.csrf, "format": "conll", "source": "annotations"},
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    jid = int(partial.split('id="job-')[1].split('"')[0])
    app.extensions["textlabel.jobs"].wait(jid, timeout=60)
    done = browser.get(f"/jobs/{jid}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Download" in done
    download = browser.get(f"/jobs/{jid}/download")
    body = download.get_data()
    download.close()  # a file response: let it close its file
    assert download.status_code == 200 and body == direct.get_data()
    # the finished job stays on the export page after a reload, with its download link
    page = browser.get(f"/projects/{project.id}/export").get_data(as_text=True)
    assert f"/jobs/{jid}/download" in page


def test_cli_export_spacy_folder_and_jsonl(
    app, session, owner, voted, database_url, tmp_path, monkeypatch
) -> None:
    project, _document, _users = voted
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    runner = CliRunner()
    folder = tmp_path / "corpus"
    args = ["export", str(project.id), "--format", "spacy", "--source", "annotations"]
    refused = runner.invoke(cli.main, [*args, "--out", str(folder)])
    # one document: train or dev would be empty, and the CLI says so with the numbers
    assert refused.exit_code == 2
    assert re.search(r"split would be empty: [01] of 1 documents fall in train", refused.output)
    done = runner.invoke(cli.main, [*args, "--dev", "0", "--out", str(folder)])
    assert done.exit_code == 0, done.output
    assert (folder / "config.cfg").exists() and list(folder.glob("*/*.spacy"))
    out = tmp_path / "a.jsonl"
    done = runner.invoke(cli.main, ["export", str(project.id), "--format", "jsonl",
                                    "--source", "gold_or_majority", "--out", str(out)])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(out.read_text())["spans"][0]["label"] == "PER"
    assert session.scalar(select(Document.id)) is not None


def test_corrected_pos_wins_over_the_models_fine_tag(app: Flask, session, owner) -> None:
    from textlabel.nlp.preannotate import preannotate_project

    project = make_project(session, owner, labels=("PER",), layers=["entities", "pos"])
    [document] = add_documents(session, project, ["Ada runs fast ."])
    preannotate_project(session, project)
    session.refresh(document)
    prediction = session.scalar(select(Annotation).where(Annotation.kind == "prediction"))
    assert prediction.pos[1] == "VERB" and prediction.token_layers["tags"][1] == "VBZ"
    annotator = make_user(session, "ann")
    session.add(Annotation(document_id=document.id, user_id=annotator.id, kind="manual",
                           status="submitted", pos=[None, "NOUN", None, None]))  # fmt: skip
    session.commit()
    api = api_as(app, "mgr")
    conllu_text = api.get(
        f"/projects/{project.id}/export?format=conllu&source=annotations"
    ).get_data(as_text=True)
    [sentence] = conllu.parse(conllu_text)
    assert [(t["upos"], t["xpos"]) for t in sentence][:2] == [("PROPN", "NNP"), ("NOUN", None)]
    conll_text = api.get(f"/projects/{project.id}/export?format=conll&source=annotations").get_data(
        as_text=True
    )
    rows = [line.split() for line in conll_text.splitlines() if line and "DOCSTART" not in line]
    assert [row[1] for row in rows] == ["NNP", "NOUN", "RB", "."]


def test_export_content_type_names_its_charset_once(app, session) -> None:
    """Defect 8: ``text/plain; charset=utf-8; charset=utf-8`` (Flask added a second one)."""
    owner = make_user(session, "owner")
    project = make_project(session, owner)
    add_documents(session, project, ["Ada Lovelace met Babbage."])
    api = api_as(app, "owner")
    for fmt in ("conll", "conllu", "jsonl"):
        response = api.get(f"/projects/{project.id}/export?format={fmt}&source=predictions")
        assert response.status_code == 200
        assert response.headers["Content-Type"].lower().count("charset") <= 1, fmt
        response.close()


def test_text_is_sent_in_pieces_of_at_least_chunk_chars(monkeypatch: pytest.MonkeyPatch) -> None:
    """A text writer yields a document at a time; the download and the job write pieces of
    at least ``CHUNK_CHARS`` characters (one socket write each), the same bytes."""
    from textlabel.export import base

    monkeypatch.setattr(base, "CHUNK_CHARS", 10)
    documents = ["é" * 4 + "\n", "abc\n", "東京" * 3 + "\n", "x\n", "y\n"]
    pieces = list(base.encoded(iter(documents)))
    assert b"".join(pieces) == "".join(documents).encode("utf-8")
    assert [piece.decode("utf-8") for piece in pieces] == [
        documents[0] + documents[1] + documents[2], documents[3] + documents[4]
    ]  # fmt: skip
    assert list(base.encoded(iter([]))) == []
