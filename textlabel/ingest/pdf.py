"""PDF with pdfplumber: text in reading order, one document per file or per page.

Reading order: pdfminer groups characters into lines and lines into text boxes; the boxes
are then ordered by a recursive XY-cut (split at a vertical gutter that no box crosses
first, else at the widest horizontal gap), which keeps the columns of a multi-column page
apart where a top-to-bottom sort would interleave them. (pdfminer's own ``boxes_flow``
ordering does the same job but is quadratic: 12 s on a one-page table.) Boxes are
separated by a blank line, lines inside a box by a line break; stacks of single characters
(rotated margin stamps) are dropped. Line-end hyphens before a lower-case letter are joined
("exam-\\nple" -> "example"); a hyphen inside a line ("well-known") is never touched.
Ligature code points (U+FB00-FB06) are NFKC-normalised and nothing else is, so quotes and
other characters stay as printed.

Page boundaries are kept as ``meta["pages"] = [[start, end], ...]`` (one pair per page, in
page order, empty pages included) so the interface can show page numbers. Pages are
processed one at a time and their caches freed, so memory follows the largest page.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any, BinaryIO, cast

import pdfplumber
from pdfminer.layout import LTTextBox
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfplumber.pdf import PDF
from pdfplumber.utils.exceptions import PdfminerException

from textlabel.errors import BadFormat, InvalidInput, TextlabelError
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.encoding import peek_head
from textlabel.records import DocumentRecord, SourceRef

SPLITS = ("document", "page")
PAGE_SEPARATOR = "\n\n"
LAPARAMS: dict[str, Any] = {"boxes_flow": None, "line_margin": 0.5, "char_margin": 2.0}
SPOOL_IN_MEMORY = 16 * 1024 * 1024
MIN_GUTTER = 6.0  # points: narrower vertical gaps are word spacing, not columns

_LIGATURES = {chr(code): unicodedata.normalize("NFKC", chr(code)) for code in range(0xFB00, 0xFB07)}
_LIGATURE_RE = re.compile("[\ufb00-\ufb06]")
_LINE_END_HYPHEN_RE = re.compile(r"(?<=[^\W\d_])[-\u00ad][ \t]*\n[ \t]*(?=[^\W\d_A-Z])")
_SOFT_HYPHEN_RE = re.compile("\u00ad")
_SPACES_RE = re.compile(r"[ \t]{2,}")
_TRAILING_SPACES_RE = re.compile(r"[ \t]*\n[ \t]*")


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Yield the PDF as one document (split="document") or one per page (split="page").

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
        pages = _page_texts(pdf, filename)
        if options.split == "page":
            yield from _per_page(pages, filename)
        else:
            yield _whole(pages, filename)


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


def _page_texts(pdf: PDF, filename: str) -> Iterator[tuple[int, str | None]]:
    """(page number, text) per page; text is None for a page of images without text."""
    try:
        for number, page in enumerate(pdf.pages, start=1):
            text = _page_text(page)
            scanned = not text and not page.chars and bool(page.images)
            page.close()
            yield number, None if scanned else text
    except TextlabelError:
        raise
    except Exception as e:
        # As in _open: a page that fails to parse is a damaged file, not a server error.
        raise BadFormat(f"{filename} is damaged or truncated: {_describe(e)}") from e


def _page_text(page: Any) -> str:
    boxes = [item for item in page.layout if isinstance(item, LTTextBox) and not _is_stack(item)]
    texts = (clean_text(box.get_text()) for box in reading_order(boxes))
    return PAGE_SEPARATOR.join(text for text in texts if text)


def _is_stack(box: Any) -> bool:
    """A box of three or more one-character lines: rotated text set letter by letter."""
    lines = box.get_text().split("\n")
    lines = [line.strip() for line in lines if line.strip()]
    return len(lines) >= 3 and all(len(line) == 1 for line in lines)


def reading_order(boxes: list[Any]) -> list[Any]:
    """Order boxes (anything with ``x0, x1, y0, y1`` in PDF space) by recursive XY-cut."""
    if len(boxes) <= 1:
        return list(boxes)
    columns = _split(boxes, lambda box: (box.x0, box.x1), min_gap=MIN_GUTTER)
    if len(columns) > 1:
        return [box for column in columns for box in reading_order(column)]
    # PDF y grows upwards: use -y so bands come out top to bottom.
    bands = _split(boxes, lambda box: (-box.y1, -box.y0), min_gap=0.0, widest_only=True)
    if len(bands) > 1:
        return [box for band in bands for box in reading_order(band)]
    return sorted(boxes, key=lambda box: (-box.y1, box.x0))


def _split(
    boxes: list[Any], extent: Any, *, min_gap: float, widest_only: bool = False
) -> list[list[Any]]:
    """Group boxes separated by gaps in their projection on one axis (wider than min_gap)."""
    ordered = sorted(boxes, key=lambda box: extent(box)[0])
    groups: list[list[Any]] = [[ordered[0]]]
    gaps: list[float] = []
    reach = extent(ordered[0])[1]
    for box in ordered[1:]:
        low, high = extent(box)
        if low - reach > min_gap:
            gaps.append(low - reach)
            groups.append([])
        groups[-1].append(box)
        reach = max(reach, high)
    if widest_only and len(groups) > 2:
        cut = gaps.index(max(gaps)) + 1
        return [
            [box for group in groups[:cut] for box in group],
            [box for group in groups[cut:] for box in group],
        ]
    return groups


def clean_text(text: str) -> str:
    """Normalise ligatures and spacing and join words hyphenated across a line end."""
    text = _LIGATURE_RE.sub(lambda match: _LIGATURES[match.group()], text)
    text = _SPACES_RE.sub(" ", text)
    text = _TRAILING_SPACES_RE.sub("\n", text)
    text = _LINE_END_HYPHEN_RE.sub("", text)
    text = _SOFT_HYPHEN_RE.sub("", text)
    return text.strip()


def _no_text_layer(filename: str, number: int) -> str:
    return f"{filename}: page {number} has no text layer; OCR is not supported"


def _per_page(
    pages: Iterator[tuple[int, str | None]], filename: str
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


def _whole(pages: Iterator[tuple[int, str | None]], filename: str) -> DocumentRecord:
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
        text="".join(parts), meta={"pages": bounds}, source=SourceRef(filename, "document", 1)
    )


def _describe(error: BaseException) -> str:
    message = str(error).strip()
    return f"{type(error).__name__}: {message}" if message else type(error).__name__
