"""DOCX as text (python-docx): the body's paragraphs and tables in document order.

Paragraphs are separated by a line break, table rows become lines with cells separated by
tabs, so offsets stay simple and the text reads as in Word. One document per file, or one
per non-empty paragraph with ``split="paragraph"``. Headers, footers, footnotes, comments
and images are not text of the body and are left out (README says so).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any, BinaryIO

from textlabel.errors import BadFormat, InvalidInput
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.records import DocumentRecord, SourceRef

MAX_BYTES = 512 * 1024 * 1024


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """The body text of a .docx (see the module docstring)."""
    import docx  # python-docx; imported here so other formats never load lxml
    from docx.opc.exceptions import PackageNotFoundError

    if options.split not in ("document", "paragraph"):
        raise InvalidInput(f"split must be document or paragraph for DOCX, not {options.split!r}")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadFormat(f"{filename} is larger than {MAX_BYTES // 2**20} MB")
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile, SyntaxError) as e:
        # SyntaxError: lxml's XMLSyntaxError, for a zip whose parts are not XML
        raise BadFormat(f"{filename} is not a Word .docx file: {e}") from e
    blocks = list(_blocks(document))
    meta: dict[str, Any] = {}
    title = document.core_properties.title
    if title:
        meta["title"] = title
    if options.split == "paragraph":
        for number, block in enumerate((b for b in blocks if b.strip()), start=1):
            yield DocumentRecord(
                text=block,
                meta=meta | {"paragraph": number},
                source=SourceRef(filename, "paragraph", number),
            )
        return
    text = "\n".join(blocks).strip("\n")
    if not text.strip():
        raise BadFormat(f"{filename} has no text in its body")
    yield DocumentRecord(text=text, meta=meta, source=SourceRef(filename, "document", 1))


def _blocks(document: Any) -> Iterator[str]:
    from docx.table import Table

    for item in document.iter_inner_content():
        if isinstance(item, Table):
            for row in item.rows:
                yield "\t".join(" ".join(cell.text.split()) for cell in row.cells)
        else:
            yield item.text
