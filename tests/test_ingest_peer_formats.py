"""Readers of other tools' files, on files those tools wrote (tests/data/peer_formats), each
counted by an independent parser here and round-tripped through a writer."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest

from tests.helpers import DATA
from textlabel.export.base import WriteOptions
from textlabel.export.doccano import write as write_doccano
from textlabel.export.jsonl import write as write_jsonl
from textlabel.export.labelstudio import write as write_labelstudio
from textlabel.ingest.detect import detect_format
from textlabel.ingest.registry import read_file
from textlabel.records import DocumentRecord

PEER = DATA / "peer_formats"


def _read(path: Path, name: str | None = None, **options) -> list:
    from textlabel.ingest.base import ReadOptions

    return list(read_file(io.BytesIO(path.read_bytes()), name or path.name,
                          options=ReadOptions(**options)))  # fmt: skip


def _zip(paths: list[Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in paths:
            archive.write(path, f"corpus/{path.name}")
    return buffer.getvalue()


def _spans(record: DocumentRecord) -> set[tuple[str, str]]:
    return {(record.text[s.start : s.end], s.label) for s in record.spans}


# -- brat --------------------------------------------------------------------------------


def _brat_counts(ann: str) -> dict[str, int]:
    """A tiny independent brat parser: contiguous T lines and the other line kinds."""
    counts = {"T": 0, "discontinuous": 0, "R": 0, "E": 0, "A": 0, "#": 0, "*": 0}
    for line in ann.splitlines():
        if not line:
            continue
        if line[0] == "T":
            counts["discontinuous" if ";" in line.split("\t")[1] else "T"] += 1
        else:
            counts[line[0]] += 1
    return counts


def test_brat_zip_imports_text_bound_spans_and_reports_the_rest() -> None:
    paths = sorted((PEER / "brat").glob("*"))
    records = list(read_file(io.BytesIO(_zip(paths)), "brat.zip"))
    assert len(records) == 4 and all(isinstance(r, DocumentRecord) for r in records)
    for record in records:
        stem = record.meta["brat_document"].rsplit("/", 1)[-1]
        ann = (PEER / "brat" / f"{stem}.ann").read_text(encoding="utf-8")
        expected = _brat_counts(ann)
        assert len(record.spans) == expected["T"]
        assert len(record.relations) == expected["R"]  # every R line links two T lines
        lost = {loss.name.split()[0]: loss.count for loss in record.losses}
        assert lost == {k: v for k, v in expected.items() if k in "EA#*" and v}
        for line in ann.splitlines():  # every T line's quoted text is what the span covers
            if line.startswith("T"):
                _, middle, quoted = line.split("\t")
                label, start, end = middle.split()
                assert (record.text[int(start) : int(end)], label) in _spans(record)
                assert record.text[int(start) : int(end)] == quoted
        spans = {line.split("\t")[0]: line.split("\t")[1].split()[1:] for line in
                 ann.splitlines() if line.startswith("T")}  # fmt: skip
        for line in ann.splitlines():  # each R line: Arg1 -> Arg2 with its label
            if line.startswith("R"):
                label, arg1, arg2 = line.split("\t")[1].split()
                head, child = (tuple(map(int, spans[a.split(":")[1]])) for a in (arg1, arg2))
                assert (head, child, label) in {
                    (r.head, r.child, r.label) for r in record.relations
                }


def test_brat_ann_alone_is_refused_with_what_to_do() -> None:
    with pytest.raises(Exception, match="without its text: upload a zip"):
        _read(PEER / "brat" / "110-note_annotation.ann")


def test_brat_discontinuous_span_is_counted_not_imported() -> None:
    from textlabel.ingest.brat import read_pair

    record = read_pair(b"New York and Boston", b"T1\tLOC 0 3;13 19\tNew Boston\n", "x")
    assert record.spans == []
    assert [(loss.kind, loss.name, loss.count) for loss in record.losses] == [
        ("spans", "discontinuous T lines", 1)
    ]


# -- CoNLL-2012 (LitBank) -------------------------------------------------------------


def _conll2012_chains(text: str) -> dict[str, list[tuple[int, int]]]:
    """Independent: mentions per chain id from the last column, by running token number."""
    chains: dict[str, list[tuple[int, int]]] = {}
    stack: dict[str, list[int]] = {}
    index = 0
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cell = line.split("\t")[-1].strip()
        for part in filter(None, cell.split("|")):
            chain = part.strip("()")
            if part.startswith("("):
                stack.setdefault(chain, []).append(index)
            if part.endswith(")"):
                chains.setdefault(chain, []).append((stack[chain].pop(), index))
        index += 1
    return chains


def test_conll2012_litbank_chains_match_an_independent_count_and_survive_export() -> None:
    path = PEER / "conll2012" / "1064_the_masque_of_the_red_death_brat.conll"
    assert detect_format(path.name, path.read_bytes()[:4096]) == "conll2012"
    (record,) = _read(path)
    expected = _conll2012_chains(path.read_text(encoding="utf-8"))
    assert len(record.coref) == len(expected)
    assert sum(map(len, record.coref)) == sum(map(len, expected.values()))
    words = [
        line.split("\t")[3]
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert len(record.tokens) == len(words)
    assert len(record.sent_starts) == path.read_text().count("\n\n")
    mention_texts = sorted(
        " ".join(words[a : b + 1]) for chain in expected.values() for a, b in chain
    )
    assert sorted(record.text[m.start : m.end] for c in record.coref for m in c) == mention_texts
    exported = json.loads("".join(write_jsonl([record], WriteOptions())))
    assert [[record.text[m["start"] : m["end"]] for m in c] for c in exported["coref"]] == [
        [record.text[m.start : m.end] for m in c] for c in record.coref
    ]


# -- WebAnno TSV 3 (INCEpTION's test suite) ------------------------------------------------


def test_webanno_entities_pos_and_relations_counted_independently() -> None:
    path = PEER / "webanno" / "example2.tsv"
    rows = [
        line.split("\t") for line in path.read_text().splitlines() if re.match(r"\d+-\d+\t", line)
    ]
    (record,) = _read(path, "renamed.txt")  # detected by content, not by name
    ne_ids: set[str] = set()
    singles = 0
    for row in rows:
        for value in row[4].split("|"):
            if value == "_":
                continue
            ident = re.search(r"\[(\d+)\]", value)
            if ident:
                ne_ids.add(ident.group(1))
            else:
                singles += 1
    assert len(record.spans) == len(ne_ids) + singles
    assert ("Ms. Haag", "PER") in _spans(record) and ("Los Angeles", "LOC") in _spans(record)
    relations = sum(len(row[5].split("|")) for row in rows if row[5] != "_")
    assert [(loss.kind, loss.count) for loss in record.losses] == [("relations", relations)]
    assert record.layers.tags == [row[3] for row in rows]
    assert [record.text[t.start : t.end] for t in record.tokens] == [row[2] for row in rows]


def test_webanno_chain_becomes_one_coreference_chain() -> None:
    (record,) = _read(PEER / "webanno" / "testSimpleChain.tsv")
    assert [[record.text[m.start : m.end] for m in chain] for chain in record.coref] == [
        ["This", "is", "a"]
    ]


# -- Hugging Face datasets ---------------------------------------------------------------------


def _iob_entities(tags: list[str]) -> int:
    return sum(tag.startswith("B-") for tag in tags)


def test_hf_integer_tags_need_names_and_take_them_from_dataset_info() -> None:
    folder = PEER / "hf"
    rejected = _read(folder / "wikigold_sample.jsonl")
    assert all("give their names" in item.message for item in rejected)
    records = list(
        read_file(
            io.BytesIO(_zip([folder / "wikigold_sample.jsonl", folder / "dataset_info.json"])),
            "hf.zip",
        )
    )
    strings = _read(folder / "wikigold_sample.str_tags.jsonl")
    lines = [
        json.loads(line)
        for line in (folder / "wikigold_sample.str_tags.jsonl").read_text().splitlines()
    ]
    assert len(records) == len(strings) == len(lines) == 12
    for record, same, line in zip(records, strings, lines, strict=True):
        assert len(record.spans) == _iob_entities(line["ner_tags"])
        assert _spans(record) == _spans(same)
        assert record.annotated and record.text == " ".join(line["tokens"])
        back = json.loads("".join(write_doccano([record], WriteOptions())))
        assert {(back["text"][s:e], label) for s, e, label in back["label"]} == _spans(record)


# -- spaCy DocBin ------------------------------------------------------------------------------


def test_docbin_written_by_spacy_convert_and_by_spacy_itself() -> None:
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    for path in sorted((PEER / "spacy_docbin").glob("*.spacy")):
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
        records = _read(path, "renamed.bin")
        assert len(records) == len(docs)
        for record, doc in zip(records, docs, strict=True):
            assert _spans(record) == {(e.text, e.label_) for e in doc.ents}
            assert {(record.text[s.start : s.end], s.label) for s in record.span_cats} == {
                (s.text, s.label_) for s in doc.spans.get("sc", [])
            }
            assert [record.text[t.start : t.end] for t in record.tokens] == [t.text for t in doc]
            assert record.annotated
            assert record.cats == doc.cats and "cats" not in record.meta
            if "topics" in doc.spans:
                assert ("spans", 'span group "topics"') in {(x.kind, x.name) for x in record.losses}


# -- Label Studio -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "text_named_entity.tasks.json",
        "text_named_entity.annotated.json",
        "text_named_entity.json_min.json",
        "text_named_entity.csv",
        "text_named_entity.tsv",
    ],
)
def test_labelstudio_exports_read_the_same_span(name: str) -> None:
    (record,) = _read(PEER / "labelstudio" / name)
    assert _spans(record) == {("February 22", "Date")}
    assert record.annotated
    # The upstream offsets cover "February 2": realigned and said so.
    assert [(n.name, n.kept) for n in record.losses] == [
        ("spans whose offsets missed the text they quote", True)
    ]


def test_labelstudio_writer_round_trips_and_counts_utf16() -> None:
    text = "Emoji 😀 then Paris."
    record = DocumentRecord(text=text, meta={"id": 7}, cats={"TRAVEL": 1.0})
    from textlabel.records import SpanRecord

    record.spans = [SpanRecord(text.index("Paris"), text.index("Paris") + 5, "LOC")]
    tasks = json.loads(
        "".join(write_labelstudio([record], WriteOptions(layers=("entities", "cats"))))
    )
    value = tasks[0]["annotations"][0]["result"][0]["value"]
    assert value["start"] == text.index("Paris") + 1  # the emoji counts twice in UTF-16
    assert (
        text.encode("utf-16-le")[value["start"] * 2 : value["end"] * 2].decode("utf-16-le")
        == "Paris"
    )
    (back,) = list(read_file(io.BytesIO(json.dumps(tasks).encode()), "t.json"))
    assert _spans(back) == {("Paris", "LOC")} and back.cats == {"TRAVEL": 1.0}


# -- doccano and Prodigy (the shared examples) ---------------------------------------------


def test_doccano_relation_example_reads_relations_between_its_entities() -> None:
    (record,) = _read(PEER / "doccano" / "import_relation_extraction_example.jsonl")
    raw = json.loads((PEER / "doccano" / "import_relation_extraction_example.jsonl").read_text())
    assert len(record.spans) == len(raw["entities"])
    assert record.losses == []
    by_id = {e["id"]: (e["start_offset"], e["end_offset"]) for e in raw["entities"]}
    assert [(r.head, r.child, r.label) for r in record.relations] == [
        (by_id[r["from_id"]], by_id[r["to_id"]], r["type"]) for r in raw["relations"]
    ]


def test_doccano_v1_annotations_keep_the_first_user_and_report_the_others() -> None:
    spans = [(3, 0, 2, 1), (4, 11, 17, 1), (3, 0, 2, 2)]
    line = {
        "id": 1,
        "text": "EU rejects German call",
        "annotation_approver": None,
        "annotations": [
            {"label": label, "start_offset": start, "end_offset": end, "user": user}
            for label, start, end, user in spans
        ],
    }
    (record,) = list(read_file(io.BytesIO(json.dumps(line).encode()), "d.jsonl"))
    assert _spans(record) == {("EU", "3"), ("German", "4")}
    assert [(x.kind, x.count) for x in record.losses] == [("spans", 1)]


def test_prodigy_accepted_tasks_without_spans_are_true_negatives() -> None:
    path = PEER / "prodigy" / "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    records = _read(path)
    negatives = [
        r for r, line in zip(records, lines, strict=True)
        if line["answer"] == "accept" and not line.get("spans")
    ]  # fmt: skip
    assert negatives and all(r.annotated and not r.spans and r.has_annotations for r in negatives)


def test_prodigy_rejected_spans_are_counted() -> None:
    path = PEER / "prodigy" / "annotated_reddit-PRODUCT-ner.jsonl"
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    rejected = sum(len(x.get("spans", [])) for x in lines if x["answer"] != "accept")
    lost = sum(loss.count for r in _read(path) for loss in r.losses if loss.kind == "spans")
    assert lost == rejected > 0


# -- DOCX and HTML --------------------------------------------------------------------------------


def test_docx_and_html_read_the_same_visible_text() -> None:
    (docx_record,) = _read(PEER / "docx_html" / "grasshopper.docx", "g.bin")
    (html_record,) = _read(PEER / "docx_html" / "grasshopper.html")
    assert docx_record.text.splitlines()[0] == html_record.text.splitlines()[0]
    assert "Grasshopper\tSummer" in docx_record.text and "Grasshopper\tSummer" in html_record.text
    assert "not text" not in html_record.text and "summer’s day" in html_record.text
    assert html_record.meta["title"] == "The Grasshopper & the Ants"
