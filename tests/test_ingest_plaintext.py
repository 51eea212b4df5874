"""TXT reader: one document per file, or one per blank-line-separated paragraph."""

from __future__ import annotations

import io

import pytest

from textlabel.ingest import plaintext
from textlabel.ingest.base import ReadOptions
from textlabel.records import SourceRef


def _read(data: bytes, **options):
    return list(plaintext.read(io.BytesIO(data), "t.txt", ReadOptions(**options)))


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"One line.", "One line."),
        (b"Two\nlines.\n", "Two\nlines.\n"),
        (b"\xef\xbb\xbfBOM stripped\r\n", "BOM stripped\r\n"),
        ("UTF-16 caf\u00e9".encode("utf-16"), "UTF-16 caf\u00e9"),
    ],
)
def test_whole_file_is_one_document_kept_exactly(data, text) -> None:
    (record,) = _read(data)
    assert record.text == text
    assert record.source == SourceRef("t.txt", "document", 1)


def test_paragraphs_with_their_first_line() -> None:
    text = "\n\nFirst para\nstill first.\n\n\n  \nSecond.\r\n\r\nThird\nand last"
    records = _read(text.encode(), split="paragraph")
    # Expected paragraphs and lines computed by splitting the text by hand.
    lines = text.split("\n")
    starts = [
        number
        for number, line in enumerate(lines, start=1)
        if line.strip() and (number == 1 or not lines[number - 2].strip())
    ]
    assert [r.text for r in records] == ["First para\nstill first.", "Second.", "Third\nand last"]
    assert [r.source for r in records] == [SourceRef("t.txt", "line", n) for n in starts]
    assert [r.meta["paragraph"] for r in records] == [1, 2, 3]


def test_named_encoding() -> None:
    (record,) = _read("Gr\u00fc\u00dfe".encode("cp1252"), encoding="cp1252")
    assert record.text == "Gr\u00fc\u00dfe"
