"""JSON / JSONL readers on the Prodigy and doccano files, counted independently with json."""

from __future__ import annotations

import io
import json

import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest import json_records
from textlabel.ingest.annotated import NEGATIVE_ANSWERS
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, SourceRef

PRODIGY = "peer_formats/prodigy/"
DOCCANO = "peer_formats/doccano/"


def _objects(path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _kept_spans(obj: dict) -> int:
    """Spans that should become annotations: Prodigy's rule, restated independently.

    Exact duplicates (one reddit task suggests the same span twice) count once.
    """
    if obj.get("answer") in {"reject", "ignore"}:
        return 0
    spans = obj.get("spans", [])
    return len(
        {
            (s["start"], s["end"], s["label"])
            for s in spans
            if s.get("answer") not in {"reject", "ignore"}
        }
    )


def _read_jsonl(path, **options) -> list[DocumentRecord | Rejected]:
    with open(path, "rb") as handle:
        return list(json_records.read_jsonl(handle, path.name, ReadOptions(**options)))


@pytest.mark.parametrize(
    "name",
    [
        "annotated_news_headlines-ORG-PERSON-LOCATION-ner.jsonl",
        "annotated_reddit-PRODUCT-ner.jsonl",
        "raw_news-headlines-nyt.jsonl",
    ],
)
def test_prodigy_files(name) -> None:
    path = DATA / PRODIGY / name
    objects = _objects(path)
    records = _read_jsonl(path)
    assert all(isinstance(record, DocumentRecord) for record in records)
    assert [record.text for record in records] == [obj["text"] for obj in objects]
    assert [len(record.spans) for record in records] == [_kept_spans(obj) for obj in objects]
    for record, obj in zip(records, objects, strict=True):
        if "tokens" in obj:
            assert [(t.start, t.end) for t in record.tokens] == [
                (t["start"], t["end"]) for t in obj["tokens"]
            ]
        assert record.meta.get("answer") == obj.get("answer")
        assert set(obj.get("meta", {})) <= set(record.meta)


def test_reddit_rejected_suggestions_never_become_spans() -> None:
    path = DATA / PRODIGY / "annotated_reddit-PRODUCT-ner.jsonl"
    records = _read_jsonl(path)
    answers = [obj["answer"] for obj in _objects(path)]
    assert answers.count("reject") == 146  # as data/peer_formats/README.md says
    for record, answer in zip(records, answers, strict=True):
        if answer in NEGATIVE_ANSWERS:
            assert record.spans == []


def test_doccano_exports() -> None:
    path = DATA / DOCCANO / "export_sequence_labeling_example.jsonl"
    objects = _objects(path)
    records = _read_jsonl(path)
    assert [[(s.start, s.end, s.label) for s in r.spans] for r in records] == [
        [tuple(label) for label in obj["label"]] for obj in objects
    ]


def test_doccano_missing_text_is_rejected_with_its_line() -> None:
    path = DATA / DOCCANO / "tests_sequence_labeling_example.jsonl"
    records = _read_jsonl(path)
    assert [type(record) for record in records] == [DocumentRecord, DocumentRecord, Rejected]
    assert records[2].source == SourceRef(path.name, "line", 3)
    assert "no text field" in records[2].message
    assert records[0].meta == {"wikiPageID": 1}


def test_doccano_column_names_need_text_field() -> None:
    path = DATA / DOCCANO / "import_sequence_labeling_example.jsonl"
    with pytest.raises(BadFormat, match="fields found: 'column_data', 'column_label'"):
        _read_jsonl(path)
    records = _read_jsonl(path, text_field="column_data")
    assert [r.text for r in records] == [obj["column_data"] for obj in _objects(path)]


@pytest.mark.parametrize(
    "name", ["import_relation_extraction_example.jsonl", "export_relation_extraction_example.json"]
)
def test_doccano_relation_entities(name) -> None:
    path = DATA / DOCCANO / name
    obj = json.loads(path.read_text(encoding="utf-8"))
    reader = json_records.read_json if name.endswith(".json") else json_records.read_jsonl
    with open(path, "rb") as handle:
        (record,) = reader(handle, name, ReadOptions())
    assert [(s.start, s.end, s.label) for s in record.spans] == [
        (e["start_offset"], e["end_offset"], e["label"]) for e in obj["entities"]
    ]
    by_id = {e["id"]: (e["start_offset"], e["end_offset"]) for e in obj["entities"]}
    assert [(r.head, r.child, r.label) for r in record.relations] == [
        (by_id[r["from_id"]], by_id[r["to_id"]], r["type"]) for r in obj["relations"]
    ]
    assert "relations" not in record.meta


def _json_bytes(documents: list[dict], *, indent: int | None = None) -> bytes:
    return json.dumps(documents, indent=indent, ensure_ascii=False).encode()


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_json_array_is_streamed_across_chunk_boundaries(monkeypatch, chunk_size, indent) -> None:
    documents = [
        {"text": f'doc {n} \u00e9\u4e2d "q" \\', "n": n * 1.5, "tags": [True, None, n]}
        for n in range(40)
    ]
    monkeypatch.setattr(json_records, "CHUNK_SIZE", chunk_size)
    data = _json_bytes(documents, indent=indent)
    records = list(json_records.read_json(io.BytesIO(data), "a.json", ReadOptions()))
    assert [(r.text, r.meta) for r in records] == [
        (d["text"], {"n": d["n"], "tags": d["tags"]}) for d in documents
    ]
    assert [r.source for r in records] == [SourceRef("a.json", "record", n) for n in range(1, 41)]


def test_object_holding_one_array() -> None:
    data = json.dumps({"data": [{"content": "a"}, {"content": "b"}], "version": 2}).encode()
    records = list(json_records.read_json(io.BytesIO(data), "w.json", ReadOptions()))
    assert [r.text for r in records] == ["a", "b"]


def test_jsonl_skips_blank_lines_and_numbers_lines_as_in_the_file() -> None:
    data = b'{"text": "a"}\n\n   \n{"text": "b"}\r\n{"text": "c"}'
    records = list(json_records.read_jsonl(io.BytesIO(data), "x.jsonl", ReadOptions()))
    assert [(r.text, r.source.number) for r in records] == [("a", 1), ("b", 4), ("c", 5)]
