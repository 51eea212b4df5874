"""Reader registry and format detection."""

from __future__ import annotations

import io

import pytest

from tests.helpers import DATA
from textlabel.errors import UnsupportedFormat
from textlabel.ingest import delimited, isolated, json_records, plaintext
from textlabel.ingest.registry import READERS, detect_format, get_reader, read_file


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("csv", delimited.read),
        ("CSV", delimited.read),
        ("tsv", delimited.read_tsv),
        ("json", json_records.read_json),
        ("jsonl", json_records.read_jsonl),
        ("txt", plaintext.read),
        ("pdf", isolated.read_pdf),  # pdf.read in a capped child process
    ],
)
def test_get_reader(name, function) -> None:
    assert get_reader(name) is function


def test_registry_names_every_format_of_issue_3() -> None:
    assert set(READERS) >= {"csv", "tsv", "json", "jsonl", "txt", "pdf", "conll", "conllu"}
    assert READERS["conll"] == "textlabel.ingest.conll:read"
    assert READERS["conllu"] == "textlabel.ingest.conllu:read"


@pytest.mark.parametrize("name", ["conll", "conllu"])
def test_token_format_readers_resolve(name) -> None:
    reader = get_reader(name)
    assert callable(reader)
    assert reader.__module__ == f"textlabel.ingest.{name}"


def test_unknown_reader() -> None:
    with pytest.raises(UnsupportedFormat) as info:
        get_reader("odt")
    assert info.value.status == 415
    assert all(name in info.value.message for name in READERS)


@pytest.mark.parametrize(
    ("filename", "head", "expected"),
    [
        ("a.csv", b"", "csv"),
        ("A.TSV", b"", "tsv"),
        ("a.json", b"{", "json"),
        ("a.jsonl", b"", "jsonl"),
        ("a.ndjson", b"", "jsonl"),
        ("a.txt", b"", "txt"),
        ("a.pdf", b"", "pdf"),
        ("a.conll", b"", "conll"),
        ("a.iob", b"", "conll"),
        ("a.bio", b"", "conll"),
        ("a.conllu", b"", "conllu"),
        ("wikigold.conll.txt", b"", "conll"),
        ("notes.v2.txt", b"", "txt"),
        # No known extension: the content decides.
        ("upload", b"%PDF-1.7\n...", "pdf"),
        ("upload", b'  [{"text": "a"}]', "json"),
        ("upload", b'{"text": "a"}\n{"text": "b"}\n', "jsonl"),
        ("upload", b'{\n  "text": "a"\n}\n', "json"),
        ("upload", b"EU\tB-ORG\nrejects\tO\n\nPeter\tB-PER\n", "conll"),
        ("upload", b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\n", "conll"),
        (
            "upload",
            b"# sent_id = 1\n# text = Hi there\n1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_\n"
            b"2\tthere\tthere\tADV\tRB\t_\t1\tadvmod\t_\t_\n",
            "conllu",
        ),
        ("upload", b"id\ttext\n1\thello\n2\tworld\n", "tsv"),
        # Content that names its format wins over the extension (issue 12).
        ("data.tsv", b"-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\n", "conll"),
        ("data.txt", b"EU\tB-ORG\nrejects\tO\n", "conll"),
        ("export.txt", b"#FORMAT=WebAnno TSV 3.3\n#T_SP=x|value\n", "webanno"),
        ("litbank.conll", b"#begin document (x); part 0\nx\t0\t0\tThe\n", "conll2012"),
        ("wsj_0001.v4_gold_conll", b"", "conll2012"),
        ("doc.ann", b"", "brat"),
        ("upload", b"T1\tPER 0 3\tAda\nR1\tX Arg1:T1 Arg2:T1\n", "brat"),
        ("page.txt", b"<!DOCTYPE html>\n<html><body>x</body></html>", "html"),
        ("corpus.bin", b"PK\x03\x04\x14\x00brat/a.ann", "zip"),
        ("letter", b"PK\x03\x04[Content_Types].xml...word/document.xml", "docx"),
        ("train.spacy", b"", "spacy"),
    ],
)
def test_detect_format(filename, head, expected) -> None:
    assert detect_format(filename, head) == expected


@pytest.mark.parametrize(
    "head", [b"", b"Just some prose, with commas, here.\nAnd more.\n", b"\x00\x01\x02binary"]
)
def test_detect_format_refuses_to_guess(head) -> None:
    with pytest.raises(UnsupportedFormat, match="cannot tell the format of upload"):
        detect_format("upload", head)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("csv/fivethirtyeight_riddler-castles_castle-solutions-2.csv", "csv"),
        ("peer_formats/prodigy/raw_news-headlines-nyt.jsonl", "jsonl"),
        ("peer_formats/doccano/export_relation_extraction_example.json", "json"),
        ("pdf/pdfminer/dmca.pdf", "pdf"),
        ("ner/wnut17_emerging.test.annotated", "conll"),
        ("ner/wikigold.conll.txt", "conll"),
    ],
)
def test_detect_real_files(name, expected) -> None:
    path = DATA / name
    assert detect_format(path.name, path.read_bytes()[:65536]) == expected


def test_read_file_detects_and_reads_from_a_non_seekable_stream() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = io.BufferedReader(Pipe(b'{"text": "a"}\n{"text": "b"}\n'))
    records = list(read_file(stream, "upload"))
    assert [r.text for r in records] == ["a", "b"]
