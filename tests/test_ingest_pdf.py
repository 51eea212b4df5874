"""PDF reader on real PDFs: pages checked against pdfplumber itself, text cleaning rules."""

from __future__ import annotations

import functools
import io
import re
from types import SimpleNamespace

import pdfplumber
import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest import pdf
from textlabel.ingest.base import Notice, ReadOptions, Rejected
from textlabel.records import DocumentRecord, SourceRef

PLB = "pdf/pdfplumber/"
TEXT_PDFS = [
    PLB + "federal-register-2020-17221.pdf",
    PLB + "issue-848.pdf",
    PLB + "issue-463-example.pdf",
    PLB + "2023-06-20-PV.pdf",
    PLB + "scotus-transcript-p1.pdf",
    "pdf/pdfminer/dmca.pdf",
]


@functools.cache
def _read_cached(path, split: str, password: str | None) -> tuple[DocumentRecord | Rejected, ...]:
    options = ReadOptions(split=split, password=password)
    with open(path, "rb") as handle:
        return tuple(
            item for item in pdf.read(handle, path.name, options) if not isinstance(item, Notice)
        )


def _read(path, *, split: str = "document", password: str | None = None) -> list:
    """Each PDF is parsed once per option set for the whole module: layout analysis is slow."""
    return list(_read_cached(path, split, password))


def _page_count(path, password: str = "") -> int:
    with pdfplumber.open(path, password=password) as document:
        return len(document.pages)


@pytest.mark.parametrize("name", TEXT_PDFS)
def test_document_and_page_modes_agree_with_pdfplumber(name) -> None:
    path = DATA / name
    (whole,) = _read(path)
    pages = _read(path, split="page")
    assert len(whole.pages) == _page_count(path)
    assert whole.source == SourceRef(path.name, "document", 1)
    non_empty = [(start, end) for start, end in whole.pages if end > start]
    assert [p.text for p in pages] == [whole.text[start:end] for start, end in non_empty]
    assert [p.meta["page"] for p in pages] == [
        n for n, (start, end) in enumerate(whole.pages, start=1) if end > start
    ]
    assert all(p.source == SourceRef(path.name, "page", p.meta["page"]) for p in pages)


def test_three_column_page_reads_column_by_column() -> None:
    (whole,) = _read(DATA / PLB / "federal-register-2020-17221.pdf")
    # Consecutive lines of the first column; a top-to-bottom sort interleaves the other two.
    column = "Hatta International Airport in Jakarta,\nIndonesia, resulting in 189 fatalities."
    assert column in whole.text
    with pdfplumber.open(DATA / PLB / "federal-register-2020-17221.pdf") as document:
        assert column not in document.pages[1].extract_text()


def test_line_end_hyphens_are_joined() -> None:
    # A one-column file: there pdfplumber's own line order is a trustworthy reference.
    path = DATA / "pdf/pdfminer/dmca.pdf"
    with pdfplumber.open(path) as document:
        raw = "\n".join(page.extract_text() or "" for page in document.pages)
    broken = set(re.findall(r"\b([a-z]+)-\n([a-z]+)\b", raw))
    assert broken, "the fixture should contain hyphenated line ends"
    (whole,) = _read(path)
    words = set(re.findall(r"\w+", whole.text))
    joined = {left + right for left, right in broken}
    assert len(joined & words) >= 0.9 * len(joined)
    assert not any(f"{left}-\n{right}" in whole.text for left, right in broken)


def test_ligatures_are_normalised() -> None:
    path = DATA / PLB / "issue-848.pdf"
    with pdfplumber.open(path) as document:
        # Page 1 is upright; later pages repeat it skewed and rotated (a transform test).
        raw = "".join(char["text"] for char in document.pages[0].chars)
    assert re.search("[\ufb00-\ufb06]", raw)
    (whole,) = _read(path)
    assert not re.search("[\ufb00-\ufb06]", whole.text)
    first_page = _read(path, split="page")[0]
    assert first_page.text.count("ffi") >= raw.count("\ufb03") > 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("an exam-\nple here", "an example here"),
        ("a well-known fact", "a well-known fact"),
        ("Covid-\n19 cases", "Covid-\n19 cases"),
        ("North-\nAmerica", "North-\nAmerica"),
        ("soft\u00ad\nhyphen", "softhyphen"),
        ("\ufb01ne \ufb02ow e\ufb03cient", "fine flow efficient"),
        ("a  b \t c  \n  d", "a b c\nd"),
        ("  padded  ", "padded"),
        ("caf\u00e9 \u201cquoted\u201d \u00bd", "caf\u00e9 \u201cquoted\u201d \u00bd"),
    ],
)
def test_clean_text(raw, expected) -> None:
    assert pdf.clean_text(raw) == expected


def _box(x0: float, x1: float, top: float, bottom: float, name: str) -> SimpleNamespace:
    # PDF space: y grows upwards, so y1 is the box's top edge.
    return SimpleNamespace(x0=x0, x1=x1, y0=800 - bottom, y1=800 - top, name=name)


def test_reading_order_header_then_columns() -> None:
    boxes = [
        _box(300, 500, 100, 300, "right-1"),
        _box(50, 250, 320, 400, "left-2"),
        _box(50, 500, 20, 60, "header"),
        _box(50, 250, 100, 300, "left-1"),
        _box(300, 500, 320, 400, "right-2"),
        _box(50, 500, 700, 720, "footer"),
    ]
    order = [box.name for box in pdf.reading_order(boxes)]
    assert order == ["header", "left-1", "left-2", "right-1", "right-2", "footer"]


@pytest.mark.parametrize(
    ("name", "password", "pages"),
    [
        (PLB + "password-example.pdf", "test", 4),
        (PLB + "pr-138-example.pdf", None, 2),
        ("pdf/pdfminer/encryption_aes-256.pdf", "foo", 1),
        ("pdf/pdfminer/encryption_rc4-40.pdf", "foo", 1),
    ],
)
def test_encrypted_pdfs_open_with_the_right_password(name, password, pages) -> None:
    path = DATA / name
    (whole,) = _read(path, password=password)
    assert len(whole.pages) == pages == _page_count(path, password or "")
    if "encryption_" in name:
        assert whole.text == "Secret!"


def test_scanned_page_in_page_mode_is_rejected_then_the_file_fails() -> None:
    path = DATA / PLB / "issue-203-decimalize.pdf"
    items = []
    with open(path, "rb") as handle, pytest.raises(BadFormat) as error:
        for item in pdf.read(handle, path.name, ReadOptions(split="page")):
            items.append(item)
    assert not any(isinstance(item, Notice) for item in items)
    assert [item.message for item in items] == [
        f"page {n} has no text layer; OCR is not supported" for n in range(1, 4)
    ]
    assert "page 1 has no text layer; OCR is not supported" in error.value.message


def test_non_seekable_upload_is_spooled() -> None:
    path = DATA / PLB / "issue-463-example.pdf"

    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self._data.read(len(buffer))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    stream = io.BufferedReader(Pipe(path.read_bytes()))
    assert not stream.seekable()
    (whole,) = [
        item for item in pdf.read(stream, path.name, ReadOptions()) if not isinstance(item, Notice)
    ]
    assert whole.text == _read(path)[0].text
