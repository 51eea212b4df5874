"""CSV / TSV: one document per data row, streamed, with every other column in ``meta``.

A column holding a JSON list of ``{start, end, labels}`` (Label Studio's CSV and TSV
exports) is read as the row's spans instead.

The delimiter is chosen among comma, tab, semicolon and pipe by parsing the first 64 KiB
with each and keeping the one that splits the header into most columns and the rows
consistently (quoted multi-line fields are parsed, not guessed around). Rows are numbered
as a person reads the file: "row N" is the Nth data row after the header (blank lines are
not rows) and "line L" is the physical line where that row starts.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import BinaryIO

from textlabel.errors import BadFormat
from textlabel.ingest import labelstudio, leftovers
from textlabel.ingest.annotated import find_text_field, missing_text_field_message
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.checks import Invalid
from textlabel.ingest.encoding import (
    LineDecoder,
    NulByte,
    UndecodableByte,
    detect_encoding,
    peek_head,
)
from textlabel.records import DocumentRecord, Loss, SourceRef, SpanRecord

DELIMITERS = (",", "\t", ";", "|")
# The csv module refuses fields over 131,072 characters by default, while a document may have
# MAX_DOCUMENT_CHARS (1,000,000 by default). A field is bounded by the upload size anyway; the
# import service refuses an over-long document by name, so the reader lets it through.
FIELD_CHARS = 200 * 1024 * 1024


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Read a delimited file whose delimiter is sniffed (comma, tab, semicolon or pipe)."""
    return _read(stream, filename, options, delimiter=None)


def read_tsv(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Read a tab-separated file: the delimiter is not sniffed, so commas in text are safe."""
    return _read(stream, filename, options, delimiter="\t")


def sniff_delimiter(sample: str) -> str:
    """The candidate delimiter that splits ``sample`` into the most, and most regular, columns.

    The last (possibly cut) record of the sample is ignored; a single-column file gets ",".
    """
    best, best_score = ",", (0, 0, 0)
    for delimiter in DELIMITERS:
        try:
            rows = [
                row
                for row in csv.reader(sample.splitlines(keepends=True), delimiter=delimiter)
                if row
            ]
        except csv.Error:
            continue
        rows = rows[:-1] if len(rows) > 1 else rows
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        regular = sum(len(row) == width for row in rows)
        score = (regular * 2 >= len(rows), regular, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read(
    stream: BinaryIO, filename: str, options: ReadOptions, *, delimiter: str | None
) -> Iterator[DocumentRecord | Rejected]:
    head, stream = peek_head(stream)
    if not head.strip():
        raise BadFormat(f"{filename} is empty")
    if delimiter is None:
        encoding = detect_encoding(head, declared=options.encoding)
        sample = head.decode(encoding, errors="replace")
        delimiter = sniff_delimiter(sample)
    lines = LineDecoder(stream, filename, encoding=options.encoding)
    if csv.field_size_limit() < FIELD_CHARS:  # process-wide; only ever raised
        csv.field_size_limit(FIELD_CHARS)
    rows = csv.reader(lines, delimiter=delimiter, strict=True)
    row_number = 0
    start_line = 1
    header: list[str] | None = None
    try:
        header = _header(next(rows, None), filename)
        field = find_text_field(header, text_field=options.text_field)
        if field is None:
            message = missing_text_field_message(header, text_field=options.text_field)
            raise BadFormat(f"{filename}: {message}")
        text_index = header.index(field)
        # a column whose name reads as annotations ("relations") is reported on every row
        named = any(leftovers.annotation_kind(name, "x") for name in header if name != field)
        while True:
            start_line = lines.line_number + 1
            row = next(rows, None)
            if row is None:
                break
            if not row:
                continue
            row_number += 1
            source = SourceRef(filename, "row", row_number)
            where = f"row {row_number} (line {start_line})"
            yield _record(row, header, text_index, source=source, where=where, named=named)
    except csv.Error as e:
        # Name the line where the broken row starts: an unclosed quote is found only at EOF.
        where = _where(header, row_number + 1, start_line)
        if "field limit" in str(e):
            raise BadFormat(
                f"{filename}: {where} has a field longer than {csv.field_size_limit():,} "
                "characters (the csv module's limit), or a quoted field that is never closed"
            ) from e
        hint = "; a quoted field is never closed" if "end of data" in str(e) else ""
        raise BadFormat(f"{filename}: bad quoting at {where}: {e}{hint}") from e
    except (UndecodableByte, NulByte) as e:
        raise BadFormat(e.describe(_where(header, row_number + 1, e.line))) from e
    if row_number == 0:
        raise BadFormat(f"{filename} has a header but no data rows")


def _where(header: list[str] | None, row_number: int, line: int) -> str:
    return f"the header (line {line})" if header is None else f"row {row_number} (line {line})"


def _header(row: list[str] | None, filename: str) -> list[str]:
    if not row:
        raise BadFormat(f"{filename} is empty")
    header = [name.strip() or f"column_{index}" for index, name in enumerate(row, start=1)]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise BadFormat(f"{filename}: column {name!r} appears twice in the header")
        seen.add(name)
    return header


def _record(
    row: list[str], header: list[str], text_index: int, *, source: SourceRef, where: str,
    named: bool = True,
) -> DocumentRecord | Rejected:  # fmt: skip
    """The row as a record. Only a row with a value that opens a JSON list of objects, or a
    file with a column ``named`` like annotations, can carry spans or losses: other rows skip
    those readers (5 us a row)."""
    if len(row) != len(header):
        return Rejected(source, f"{where} has {len(row)} fields; the header has {len(header)}")
    text = row[text_index]
    if not text.strip():
        return Rejected(source, f"{where}: the text column {header[text_index]!r} is empty")
    meta = dict(zip(header, row, strict=True))
    del meta[header[text_index]]
    used: set[str] = set()
    losses: list[Loss] = []
    spans: list[SpanRecord] = []
    if named or any(value.startswith("[{") for value in meta.values()):
        # Label Studio's CSV / TSV exports hold each control's spans as JSON in a column.
        try:
            spans = labelstudio.span_lists(meta, text, used=used, losses=losses)
        except Invalid as e:
            return Rejected(source, f"{where}: {e}")
        for name in used:
            del meta[name]
        leftovers.report(meta, used, losses)  # a "relations" column is named, not kept silently
    return DocumentRecord(
        text=text, meta=meta, source=source, spans=spans, annotated=bool(used), losses=losses
    )
