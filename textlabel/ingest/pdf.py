"""PDF with pdfplumber: text in reading order, one document per file or per page.

Each page is read into lines in reading order (``pdf_layout``: columns by XY-cut, text
inside form XObjects too), then the pages' texts are made (``pdf_text``: running headers
and footers left out, line-end hyphens repaired, glyphs without Unicode accounted for) and
whatever was changed or left out comes back as ``Notice``s with page numbers, reported in
the import answer.

Page boundaries are kept as ``record.pages = [[start, end], ...]`` (one pair per page, in
page order, empty pages included) so the interface can show page numbers. Pages are
laid out one at a time and their caches freed; only their text is kept until the headers
are known (they need every page), so memory follows the largest page plus the text.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO, cast

import pdfplumber
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.pdf import PDF
from pdfplumber.utils.exceptions import PdfminerException

from textlabel.errors import BadFormat, InvalidInput, TextlabelError
from textlabel.ingest.base import Item, ReadOptions, Rejected
from textlabel.ingest.encoding import peek_head
from textlabel.ingest.pdf_layout import PageLayout, page_layout, reading_order
from textlabel.ingest.pdf_text import BOX_SEPARATOR, clean_text, page_texts
from textlabel.records import DocumentRecord, SourceRef

__all__ = ["LAPARAMS", "PAGE_SEPARATOR", "SPLITS", "clean_text", "read", "reading_order"]

SPLITS = ("document", "page")
PAGE_SEPARATOR = BOX_SEPARATOR
# all_texts: lay out the text inside figures (form XObjects) too, or embedded pages are lost
LAPARAMS: dict[str, Any] = {
    "boxes_flow": None,
    "line_margin": 0.5,
    "char_margin": 2.0,
    "all_texts": True,
}
SPOOL_IN_MEMORY = 16 * 1024 * 1024


def read(stream: BinaryIO, filename: str, options: ReadOptions) -> Iterator[Item]:
    """Yield the PDF as one document (split="document") or one per page (split="page"),
    then a Notice for each thing the reading changed or left out.

    Raises:
        BadFormat: an empty, damaged, truncated or encrypted (wrong / missing password) file,
            a document-mode page with no text layer, or a PDF with no text at all.
    """
    if options.split not in SPLITS:
        raise InvalidInput(
            f"split must be one of {', '.join(SPLITS)} for PDF, not {options.split!r}"
        )
    head, stream = peek_head(stream, 1024)
    if not head:
        raise BadFormat(f"{filename} is empty (0 bytes), not a PDF")
    if b"%PDF-" not in head:
        raise BadFormat(f"{filename} is not a PDF (no %PDF- header in its first 1024 bytes)")
    with ExitStack() as stack:
        if not stream.seekable():
            # pdfminer jumps around the file (the cross-reference table is at its end).
            spooled = stack.enter_context(tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY))
            shutil.copyfileobj(stream, spooled)
            spooled.seek(0)
            stream = cast(BinaryIO, spooled)
        pdf = stack.enter_context(_open(stream, filename, password=options.password))
        layouts = list(_layouts(pdf, filename))
    pages, notices = page_texts(
        layouts, filename, keep_headers=options.keep_headers, language=options.language
    )
    if options.split == "page":
        yield from _per_page(pages, filename)
    else:
        yield _whole(pages, filename)
    yield from notices


def _open(stream: BinaryIO, filename: str, *, password: str | None) -> PDF:
    try:
        return pdfplumber.open(cast(Any, stream), password=password or "", laparams=LAPARAMS)
    except PdfminerException as e:
        cause = e.args[0] if e.args else e
        if isinstance(cause, PDFPasswordIncorrect):
            if password:
                raise BadFormat(f"{filename}: the password is wrong") from e
            raise BadFormat(f"{filename} is encrypted; give its password") from e
        raise BadFormat(f"{filename} is damaged or truncated: {_describe(cause)}") from e
    except Exception as e:
        # pdfminer reports malformed input with assorted exception types (PSEOF, KeyError,
        # struct.error...): any of them means the same thing to the person uploading.
        raise BadFormat(f"{filename} is damaged or truncated: {_describe(e)}") from e


def _layouts(pdf: PDF, filename: str) -> Iterator[PageLayout]:
    try:
        for number, page in enumerate(pdf.pages, start=1):
            layout = page_layout(page, number)
            page.close()
            yield layout
    except TextlabelError:
        raise
    except Exception as e:
        # As in _open: a page that fails to parse is a damaged file, not a server error.
        raise BadFormat(f"{filename} is damaged or truncated: {_describe(e)}") from e


def _no_text_layer(filename: str, number: int) -> str:
    return f"{filename}: page {number} has no text layer; OCR is not supported"


def _per_page(
    pages: list[tuple[int, str | None]], filename: str
) -> Iterator[DocumentRecord | Rejected]:
    count = 0
    first_scanned = 0
    for number, text in pages:
        source = SourceRef(filename, "page", number)
        if text is None:
            first_scanned = first_scanned or number
            yield Rejected(source, f"page {number} has no text layer; OCR is not supported")
            continue
        if text:
            count += 1
            yield DocumentRecord(text=text, meta={"page": number}, source=source)
    if count == 0 and first_scanned:
        raise BadFormat(_no_text_layer(filename, first_scanned))
    if count == 0:
        raise BadFormat(f"{filename} has no text")


def _whole(pages: list[tuple[int, str | None]], filename: str) -> DocumentRecord:
    parts: list[str] = []
    bounds: list[list[int]] = []
    offset = 0
    for number, text in pages:
        if text is None:
            raise BadFormat(_no_text_layer(filename, number))
        if offset and text:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        parts.append(text)
        bounds.append([offset, offset + len(text)])
        offset += len(text)
    if not bounds:
        raise BadFormat(f"{filename} has no pages")
    if offset == 0:
        raise BadFormat(f"{filename} has no text")
    return DocumentRecord(
        text="".join(parts), pages=bounds, source=SourceRef(filename, "document", 1)
    )


def _describe(error: BaseException) -> str:
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
