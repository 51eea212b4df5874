"""CSV / TSV reader: real files counted with the stdlib csv module, sniffing, rows and lines."""

from __future__ import annotations

import csv
import io

import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest import delimited
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, SourceRef

TWEETS = "csv/fivethirtyeight_twitter-ratio_BarackObama.csv"
CASTLES = "csv/fivethirtyeight_riddler-castles_castle-solutions-2.csv"
CASTLE_TEXT = "Why did you choose your troop deployment?"


def _read(data: bytes, name: str = "t.csv", **options) -> list[DocumentRecord | Rejected]:
    return list(delimited.read(io.BytesIO(data), name, ReadOptions(**options)))


def _stdlib_rows(path, encoding: str, delimiter: str = ",") -> list[dict[str, str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def test_tweets_with_named_encoding_match_the_csv_module() -> None:
    expected = _stdlib_rows(DATA / TWEETS, "mac_roman")
    with open(DATA / TWEETS, "rb") as handle:
        records = list(delimited.read(handle, "tweets.csv", ReadOptions(encoding="mac_roman")))
    assert len(records) == len(expected) == 350
    assert all(isinstance(record, DocumentRecord) for record in records)
    assert [record.text for record in records] == [row["text"] for row in expected]
    assert records[5].meta == {key: value for key, value in expected[5].items() if key != "text"}
    assert records[-1].source == SourceRef("tweets.csv", "row", 350)


def test_tweets_without_encoding_name_the_byte_row_and_line() -> None:
    data = (DATA / TWEETS).read_bytes()
    with pytest.raises(UnicodeDecodeError) as info:
        data.decode("utf-8")
    offset = info.value.start
    line = data[:offset].count(b"\n") + 1
    # Records fully or partly before the bad byte; minus the header, the last is its row.
    row = len(list(csv.reader(io.StringIO(data[:offset].decode(), newline="")))) - 1
    with pytest.raises(BadFormat) as error:
        _read(data, "tweets.csv")
    assert (
        f"tweets.csv: byte 0x{data[offset]:02x} at row {row} (line {line}) is not valid UTF-8; "
        "name the file's encoding" in error.value.message
    )
    assert f"byte offset {offset}" in error.value.message


def test_castles_text_field_by_long_header_case_insensitive() -> None:
    expected = _stdlib_rows(DATA / CASTLES, "utf-8")
    with open(DATA / CASTLES, "rb") as handle:
        records = list(
            delimited.read(handle, "castles.csv", ReadOptions(text_field=CASTLE_TEXT.upper()))
        )
    documents = [r for r in records if isinstance(r, DocumentRecord)]
    rejected = [r for r in records if isinstance(r, Rejected)]
    non_empty = [row for row in expected if row[CASTLE_TEXT].strip()]
    assert len(documents) == len(non_empty)
    assert len(rejected) == len(expected) - len(non_empty)
    assert [d.text for d in documents] == [row[CASTLE_TEXT] for row in non_empty]
    assert set(documents[0].meta) == {f"Castle {n}" for n in range(1, 11)}
    assert any("\n" in d.text for d in documents)  # multi-line quoted cells survive


def test_utf16_with_bom() -> None:
    path = DATA / "peer_formats/doccano/tests_example.utf16.csv"
    expected = _stdlib_rows(path, "utf-16")
    records = _read(path.read_bytes(), "u.csv")
    assert [(r.text, r.meta) for r in records] == [
        (row["text"], {"label": row["label"]}) for row in expected
    ]


def test_doccano_custom_text_column() -> None:
    path = DATA / "peer_formats/doccano/import_text_classification_example.csv"
    expected = _stdlib_rows(path, "utf-8")
    records = _read(path.read_bytes(), text_field="column_data")
    assert [(r.text, r.meta["column_label"]) for r in records] == [
        (row["column_data"], row["column_label"]) for row in expected
    ]


@pytest.mark.parametrize("delimiter", [",", "\t", ";", "|"])
def test_delimiter_is_sniffed(delimiter) -> None:
    rows = [
        ["id", "text", "note"],
        ["1", "Hello, world; a|b", "x"],
        ["2", 'He said "hi"\nthen left', ""],
    ]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    records = _read(buffer.getvalue().encode())
    assert [(r.text, r.meta) for r in records] == [
        (row[1], {"id": row[0], "note": row[2]}) for row in rows[1:]
    ]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_with_or_without_bom(bom) -> None:
    records = _read(bom + "text,n\ncafé,1\n".encode())
    assert records[0].text == "café"
    assert records[0].meta == {"n": "1"}


def test_rows_and_lines_are_counted_as_a_reader_would() -> None:
    data = b'text,n\n"one\nspans two lines",1\n\nshort,2\nbad,3,extra\n,4\n'
    records = _read(data)
    assert [r.source.number for r in records] == [1, 2, 3, 4]
    assert isinstance(records[2], Rejected)
    assert records[2].message == "row 3 (line 6) has 3 fields; the header has 2"
    assert isinstance(records[3], Rejected)
    assert records[3].message == "row 4 (line 7): the text column 'text' is empty"


def test_tsv_reader_does_not_sniff() -> None:
    data = b"text\tid\na, b, c\t1\n"
    records = list(delimited.read_tsv(io.BytesIO(data), "t.tsv", ReadOptions()))
    assert [(r.text, r.meta) for r in records] == [("a, b, c", {"id": "1"})]


def test_named_encoding() -> None:
    records = _read("text\nna\u00efve\n".encode("latin-1"), encoding="latin-1")
    assert records[0].text == "na\u00efve"


def test_spans_and_annotation_columns_are_found_on_the_rows_that_hold_them() -> None:
    """Rows skip the Label Studio and leftovers readers unless a value opens a JSON list of
    objects or a column is named like annotations: both still reach those readers."""
    spans = '"[{""start"": 0, ""end"": 3, ""labels"": [""PER""]}]"'
    data = f"text,label,n\nAda met Bob.,{spans},1\nBob left.,,2\nEve came.,[x],3\n".encode()
    first, second, third = _read(data)
    assert [(s.start, s.end, s.label) for s in first.spans] == [(0, 3, "PER")]
    assert first.meta == {"n": "1"} and first.annotated
    assert second.meta == {"label": "", "n": "2"} and not second.spans and not second.annotated
    assert third.meta == {"label": "[x]", "n": "3"} and not third.losses
    named = _read(b"id,text,relations\n1,Ada met Bob.,Ada-Bob\n2,Bob left.,\n")
    assert [r.meta for r in named] == [
        {"id": "1", "relations": "Ada-Bob"},
        {"id": "2", "relations": ""},
    ]
    assert [(loss.kind, loss.name) for loss in named[0].losses] == [("relations", '"relations"')]
    assert not named[1].losses
