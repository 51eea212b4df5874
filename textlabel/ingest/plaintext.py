"""TXT: one document per file, or one per blank-line-separated paragraph (split="paragraph").

The text is kept exactly as decoded (line endings included) so that offsets match the file;
in paragraph mode each paragraph keeps its inner line breaks and loses only the line
ending of its last line. Paragraphs are streamed, so a large file is never loaded whole.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from textlabel.errors import BadFormat, InvalidInput
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.encoding import LineDecoder
from textlabel.records import DocumentRecord, SourceRef

SPLITS = ("document", "paragraph")


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Yield the file as one document, or each paragraph with the line where it starts."""
    if options.split not in SPLITS:
        raise InvalidInput(
            f"split must be one of {', '.join(SPLITS)} for TXT, not {options.split!r}"
        )
    lines = LineDecoder(stream, filename, encoding=options.encoding)
    if options.split == "paragraph":
        yield from _paragraphs(lines, filename)
        return
    text = "".join(lines)
    if not text.strip():
        raise BadFormat(f"{filename} is empty")
    yield DocumentRecord(text=text, source=SourceRef(filename, "document", 1))


def _paragraphs(lines: LineDecoder, filename: str) -> Iterator[DocumentRecord]:
    paragraph: list[str] = []
    start_line = 0
    count = 0
    for line in lines:
        if line.strip():
            if not paragraph:
                start_line = lines.line_number
            paragraph.append(line)
            continue
        if paragraph:
            count += 1
            yield _paragraph_record(paragraph, filename, start_line, count)
            paragraph = []
    if paragraph:
        count += 1
        yield _paragraph_record(paragraph, filename, start_line, count)
    if count == 0:
        raise BadFormat(f"{filename} is empty")


def _paragraph_record(
    lines: list[str], filename: str, start_line: int, number: int
) -> DocumentRecord:
    text = "".join(lines).rstrip("\r\n")
    meta = {"paragraph": number}
    return DocumentRecord(text=text, meta=meta, source=SourceRef(filename, "line", start_line))
