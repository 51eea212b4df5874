"""PDFs are read in a capped child process (issue 14, defect 2): a decompression bomb, a page
flood or a character flood is refused with a 413 naming the cap, and the web process never
inflates anything. The PDFs are made here, byte by byte."""

from __future__ import annotations

import io
import zlib

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.errors import TooLarge
from textlabel.ingest import pdf
from textlabel.ingest.base import Caps, ReadOptions
from textlabel.ingest.registry import read_file
from textlabel.models import Document
from textlabel.records import DocumentRecord


def _pdf(contents: list[bytes], *, deflated: bool = False) -> bytes:
    """A PDF with one page per content stream (already deflated when ``deflated``),
    Helvetica as F1, and a correct xref."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for content in contents:
        stream_number = len(objects) + 2
        kids.append(f"{len(objects) + 1} 0 R".encode())
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents "
            + f"{stream_number} 0 R".encode()
            + b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 "
            b"/BaseFont /Helvetica >> >> >> >>"
        )
        flate = b" /Filter /FlateDecode" if deflated else b""
        objects.append(
            f"<< /Length {len(content)}".encode()
            + flate
            + b" >>\nstream\n"
            + content
            + b"\nendstream"
        )
    objects[1] = f"<< /Type /Pages /Count {len(kids)} /Kids [".encode() + b" ".join(kids) + b"] >>"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def _text(line: str) -> bytes:
    return f"BT /F1 10 Tf 20 700 Td ({line}) Tj ET".encode()


def _bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream inflates to ``megabytes`` MB (spaces after text)."""
    inflater = zlib.compressobj(9)
    data = inflater.compress(_text("boom") + b"\n")
    chunk = b" " * (1 << 20)
    data += b"".join(inflater.compress(chunk) for _ in range(megabytes)) + inflater.flush()
    return _pdf([data], deflated=True)


def _items(data: bytes, **caps) -> list:
    """Everything the isolated reader yields: records and the reader's notices."""
    options = ReadOptions(caps=Caps(**caps))
    return list(read_file(io.BytesIO(data), "probe.pdf", format="pdf", options=options))


def _read(data: bytes, **caps) -> list[DocumentRecord]:
    return [item for item in _items(data, **caps) if isinstance(item, DocumentRecord)]


def test_an_ordinary_pdf_reads_the_same_isolated():
    [record] = _read(_pdf([_text("Hello world"), _text("Second page")]))
    assert record.text == "Hello world\n\nSecond page"
    assert record.pages == [[0, 11], [13, 24]]
    path = DATA / "pdf/pdfminer/dmca.pdf"
    isolated = _items(path.read_bytes())
    assert len([item for item in isolated if isinstance(item, DocumentRecord)]) == 1
    with path.open("rb") as stream:
        assert isolated == list(pdf.read(stream, "probe.pdf", ReadOptions()))


def test_a_decompression_bomb_stops_at_the_cap_without_inflating():
    bomb = _bomb(64)
    assert len(bomb) < 200_000  # 64 MB of stream in well under 1 MB of file
    with pytest.raises(TooLarge) as refused:
        _read(bomb, decompressed_mb=8)
    assert "probe.pdf: its streams inflate to more than 8 MB" in refused.value.message
    assert refused.value.details["setting"] == "TEXTLABEL_PDF_MAX_DECOMPRESSED_MB"


def test_the_memory_cap_holds_when_the_decompression_cap_is_high():
    with pytest.raises(TooLarge) as refused:
        _read(_bomb(400), decompressed_mb=4096, memory_mb=256)
    assert refused.value.details["cap"] == "memory_mb"
    assert "more than 256 MB of memory" in refused.value.message


def test_pages_and_characters_are_capped():
    with pytest.raises(TooLarge, match="more than 10 pages; the limit is 10"):
        _read(_pdf([_text(f"page {n}") for n in range(30)]), pages=10)
    flood = _pdf([_text("x" * 100)] * 60)  # 6,000 characters
    with pytest.raises(TooLarge, match="more than 5,000 characters"):
        _read(flood, chars=5000)
    assert len(_read(flood, chars=7000)[0].text) > 6000


def test_the_wall_clock_cap_kills_the_reader():
    with pytest.raises(TooLarge, match="took longer than 0.01 s") as refused:
        _read(_pdf([_text("slow enough")]), seconds=0.01)
    assert refused.value.details["setting"] == "TEXTLABEL_PDF_MAX_SECONDS"


def test_a_damaged_pdf_is_still_a_located_422():
    with pytest.raises(Exception) as refused:
        _read(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF")
    assert refused.value.status == 422 and "probe.pdf" in refused.value.message


def test_the_api_answers_413_naming_the_setting(app: Flask, session):
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    app.config["PDF_MAX_DECOMPRESSED_MB"] = 8
    upload = FileStorage(io.BytesIO(_bomb(64)), filename="bomb.pdf")
    boundary, body = encode_multipart(MultiDict({"preannotate": "false", "file": upload}))
    response = api_as(app, "mgr").post(
        f"/projects/{project.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "TEXTLABEL_PDF_MAX_DECOMPRESSED_MB" in response.json["error"]["message"]
    assert session.scalar(select(func.count(Document.id))) == 0
