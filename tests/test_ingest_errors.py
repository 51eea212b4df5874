"""The table of bad inputs: each one fails with a message that says what and where.

Whole-file problems raise (``BadFormat`` -> 422, ``UnsupportedFormat`` -> 415); a bad row or
line is a ``Rejected`` the service reports. Files go through ``read_file`` with format
detection from the name, as an upload would.
"""

from __future__ import annotations

import io
import json

import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat, InvalidInput, TextlabelError, UnsupportedFormat
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.registry import read_file
from textlabel.records import DocumentRecord, SourceRef

PLB = "pdf/pdfplumber/"


def _truncated_pdf() -> bytes:
    data = (DATA / PLB / "issue-463-example.pdf").read_bytes()
    return data[: len(data) // 2]


# (case id, file name, bytes or a path in tests/data or a builder, options, error, status, message)
BAD_FILES = [
    ("empty csv", "e.csv", b"", {}, BadFormat, 422, "e.csv is empty"),
    ("blank csv", "e.csv", b"\n\n", {}, BadFormat, 422, "e.csv is empty"),
    (
        "header only",
        "h.csv",
        b"text,label\r\n",
        {},
        BadFormat,
        422,
        "h.csv has a header but no data rows",
    ),
    (
        "unknown text column",
        "u.csv",
        b"title,label\nHello,X\n",
        {},
        BadFormat,
        422,
        "u.csv: no text field (text / content / body / sentence); name one with text_field; "
        "fields found: 'title', 'label'",
    ),
    (
        "named text column missing",
        "u.csv",
        b"title,label\nHello,X\n",
        {"text_field": "body"},
        BadFormat,
        422,
        "no field named 'body' (text_field); fields found: 'title', 'label'",
    ),
    (
        "unclosed quote",
        "q.csv",
        b'text,n\nfine,1\n"never closed,2\nmore,3\n',
        {},
        BadFormat,
        422,
        "q.csv: bad quoting at row 2 (line 3): unexpected end of data; "
        "a quoted field is never closed",
    ),
    (
        "text after a closing quote",
        "q.csv",
        b'text,n\n"a"b,1\n',
        {},
        BadFormat,
        422,
        "q.csv: bad quoting at row 1 (line 2): ',' expected after '\"'",
    ),
    (
        "invalid utf-8 (fivethirtyeight tweets)",
        "tweets.csv",
        "csv/fivethirtyeight_twitter-ratio_BarackObama.csv",
        {},
        BadFormat,
        422,
        "is not valid UTF-8; name the file's encoding",
    ),
    (
        "invalid utf-8 in txt",
        "t.txt",
        b"ok\n\xff\n",
        {},
        BadFormat,
        422,
        "t.txt: byte 0xff at line 2",
    ),
    (
        "nul byte in csv",
        "n.csv",
        b"text,n\nab\x00c,1\n",
        {},
        BadFormat,
        422,
        "n.csv: NUL byte at row 1 (line 2)",
    ),
    (
        "nul byte in jsonl",
        "n.jsonl",
        b'{"text": "a"}\n{"te\x00xt"}\n',
        {},
        BadFormat,
        422,
        "NUL byte at line 2",
    ),
    (
        "0-byte pdf",
        "empty.pdf",
        PLB + "empty.pdf",
        {},
        BadFormat,
        422,
        "empty.pdf is empty (0 bytes)",
    ),
    ("truncated pdf", "t.pdf", _truncated_pdf, {}, BadFormat, 422, "t.pdf is damaged or truncated"),
    (
        "encrypted pdf, no password",
        "p.pdf",
        PLB + "password-example.pdf",
        {},
        BadFormat,
        422,
        "p.pdf is encrypted; give its password",
    ),
    (
        "encrypted pdf, wrong password",
        "p.pdf",
        PLB + "password-example.pdf",
        {"password": "nope"},
        BadFormat,
        422,
        "p.pdf: the password is wrong",
    ),
    (
        "scanned pdf",
        "s.pdf",
        PLB + "issue-203-decimalize.pdf",
        {},
        BadFormat,
        422,
        "s.pdf: page 1 has no text layer; OCR is not supported",
    ),
    (
        "pdf with no pages",
        "z.pdf",
        PLB + "issue-297-example.pdf",
        {},
        BadFormat,
        422,
        "z.pdf has no pages",
    ),
    ("not a pdf", "x.pdf", b"hello", {}, BadFormat, 422, "x.pdf is not a PDF"),
    (
        "json object without one array",
        "o.json",
        b'{"a": 1, "b": [1], "c": [2]}',
        {},
        BadFormat,
        422,
        "JSON must be an array of objects or an object holding one array; "
        "found an object with keys 'a', 'b', 'c'",
    ),
    (
        "json array of numbers",
        "n.json",
        b"[1, 2]",
        {},
        BadFormat,
        422,
        "record 1 must be a JSON object, found a number",
    ),
    ("json string", "s.json", b'"text"', {}, BadFormat, 422, "JSON must be an array of objects"),
    (
        "broken json",
        "b.json",
        b'[{"text": "a"},\n{"text": }]',
        {},
        BadFormat,
        422,
        "invalid JSON at line 2",
    ),
    (
        "jsonl given to the json reader",
        "l.json",
        b'{"text": "a"}\n{"text": "b"}\n',
        {},
        BadFormat,
        422,
        "use format jsonl",
    ),
    (
        "pretty json given as jsonl",
        "p.jsonl",
        b'{\n  "text": "a"\n}\n',
        {},
        BadFormat,
        422,
        "p.jsonl: line 1 is not valid JSON",
    ),
    ("empty jsonl", "e.jsonl", b"\n\n", {}, BadFormat, 422, "e.jsonl is empty"),
    ("empty txt", "e.txt", b"  \n", {}, BadFormat, 422, "e.txt is empty"),
    (
        "bad split",
        "e.txt",
        b"text",
        {"split": "page"},
        InvalidInput,
        422,
        "split must be one of document, paragraph",
    ),
    (
        "unknown format",
        "data.xml",
        b"<a/>",
        {},
        UnsupportedFormat,
        415,
        "cannot tell the format of data.xml",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "options", "error", "status", "message"),
    [case[1:] for case in BAD_FILES],
    ids=[case[0] for case in BAD_FILES],
)
def test_bad_file(filename, content, options, error, status, message) -> None:
    if callable(content):
        content = content()
    elif isinstance(content, str):
        content = (DATA / content).read_bytes()
    with pytest.raises(TextlabelError) as info:
        list(read_file(io.BytesIO(content), filename, options=ReadOptions(**options)))
    assert type(info.value) is error or isinstance(info.value, error)
    assert info.value.status == status
    assert message in info.value.message
    assert info.value.__traceback__ is not None


def test_unknown_format_name_lists_the_known_ones() -> None:
    with pytest.raises(
        UnsupportedFormat,
        match="unknown format 'xml'; known formats: brat, conll, conll2012, conllu, csv",
    ):
        read_file(io.BytesIO(b""), "a.xml", format="xml")


def _lines(n: int, broken_at: int) -> bytes:
    lines = [json.dumps({"text": f"document {i}", "i": i}) for i in range(1, n + 1)]
    lines[broken_at - 1] = lines[broken_at - 1][:-5]  # cut the closing of the object
    return ("\n".join(lines) + "\n").encode()


def test_jsonl_broken_at_line_5001_is_rejected_with_its_line(tmp_path) -> None:
    path = tmp_path / "big.jsonl"
    path.write_bytes(_lines(6000, broken_at=5001))
    with open(path, "rb") as handle:
        items = list(read_file(handle, path.name))
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert len(items) == 6000
    assert len(rejected) == 1
    assert rejected[0].source == SourceRef("big.jsonl", "line", 5001)
    assert str(rejected[0]).startswith("big.jsonl, line 5001: not valid JSON")
    assert items[5001].text == "document 5002"


# Rows / lines that cannot become a document: (case id, file name, bytes, expected message).
BAD_ROWS = [
    (
        "span outside the text",
        "s.jsonl",
        b'{"text": "short", "label": [[0, 5, "X"]]}\n'
        b'{"text": "short", "spans": [{"start": 2, "end": 9, "label": "X"}]}\n',
        "s.jsonl, line 2: span [2, 9) X is outside the text (length 5)",
    ),
    (
        "span not on token boundaries",
        "t.jsonl",
        b'{"text": "ab cd", "tokens": [{"text": "ab", "start": 0, "end": 2}, '
        b'{"text": "cd", "start": 3, "end": 5}], '
        b'"spans": [{"start": 1, "end": 5, "label": "X"}]}\n',
        "t.jsonl, line 1: span [1, 5) X 'b cd' is not on token boundaries",
    ),
    (
        "doccano entity outside the text",
        "d.json",
        b'[{"text": "abc", "entities": [{"start_offset": 0, "end_offset": 4, "label": "X"}]}]',
        "d.json, record 1: span [0, 4) X is outside the text (length 3)",
    ),
    (
        "csv row with too many fields",
        "r.csv",
        b"text,n\na,1\nb,2,3\n",
        "r.csv, row 2: row 2 (line 3) has 3 fields; the header has 2",
    ),
    (
        "csv row with empty text",
        "r.csv",
        b"text,n\na,1\n,2\n",
        "r.csv, row 2: row 2 (line 3): the text column 'text' is empty",
    ),
    (
        "jsonl line not an object",
        "a.jsonl",
        b'{"text": "a"}\n[1]\n',
        "a.jsonl, line 2: expected a JSON object, found an array",
    ),
]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [case[1:] for case in BAD_ROWS],
    ids=[case[0] for case in BAD_ROWS],
)
def test_bad_row_is_rejected_and_the_rest_still_read(filename, content, message) -> None:
    items = list(read_file(io.BytesIO(content), filename))
    rejected = [item for item in items if isinstance(item, Rejected)]
    assert [str(item) for item in rejected] == [message]
    assert all(isinstance(item, DocumentRecord) for item in items if item not in rejected)
