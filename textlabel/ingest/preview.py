"""The first rows of a CSV / TSV / JSON / JSONL file, as columns and cells, for the import
form's column picker: the manager sees the real columns and picks the text one.

Only the head of the file is read (the browser sends its first 256 KiB; ``truncated`` says
so, and a record cut at the end of such a head is not an error). The readers' own building
blocks are used (delimiter sniffing, encoding detection, line decoding, the streamed JSON
array), so the preview sees the columns the import will see. Problems are ``BadFormat``
naming the file and the row or line, like the import's.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from textlabel import safejson
from textlabel.errors import BadFormat
from textlabel.ingest import delimited, json_records
from textlabel.ingest.annotated import find_text_field
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.checks import json_type_name
from textlabel.ingest.encoding import (
    LineDecoder,
    NulByte,
    UndecodableByte,
    detect_encoding,
    peek_head,
)
from textlabel.ingest.registry import _guarded, resolve_format

PREVIEWABLE = ("csv", "tsv", "json", "jsonl")
MAX_ROWS = 50
CELL_CHARS = 300  # a preview cell shows the start of a long text, with an ellipsis


@dataclass(slots=True)
class PreviewRow:
    where: str  # "row 2 (line 3)", "line 4", "record 1"
    values: list[str]  # one per column, "" where the row lacks it


@dataclass(slots=True)
class Preview:
    """What the picker shows; ``text_field`` is the column the import would take unasked."""

    format: str
    columns: list[str] = field(default_factory=list)
    rows: list[PreviewRow] = field(default_factory=list)
    text_field: str | None = None
    note: str | None = None  # why there is nothing to pick (PDF, CoNLL...)


def preview_file(
    stream: BinaryIO,
    filename: str,
    *,
    format: str | None = None,
    encoding: str | None = None,
    rows: int = 5,
    truncated: bool = False,
) -> Preview:
    """The columns and first ``rows`` rows of the file (at most ``MAX_ROWS``)."""
    fmt, stream = resolve_format(stream, filename, format)
    limit = max(1, min(rows, MAX_ROWS))
    if fmt not in PREVIEWABLE:
        return Preview(format=fmt, note=f"{fmt} files have no columns to pick; import as is")
    if fmt in ("csv", "tsv"):
        objects = _csv_rows(stream, filename, encoding, tab=fmt == "tsv")
    elif fmt == "jsonl":
        objects = _jsonl_objects(stream, filename, encoding)
    else:
        objects = _json_objects(stream, filename, encoding, truncated=truncated)
    taken: list[tuple[str, dict[str, Any]]] = []
    try:
        # guarded: a failure nobody foresaw is still the file's, a located 422 (as on import)
        for where, obj in _guarded(objects, filename):
            taken.append((where, obj))
            if len(taken) >= limit:
                break
    except BadFormat:
        if not (truncated and taken):  # a record cut where the head ends is expected
            raise
    if not taken:
        raise BadFormat(f"{filename} has no rows to preview")
    columns: list[str] = []
    for _, obj in taken:
        columns.extend(key for key in obj if key not in columns)
    return Preview(
        format=fmt,
        columns=columns,
        rows=[PreviewRow(where, [_cell(obj.get(c)) for c in columns]) for where, obj in taken],
        text_field=find_text_field(columns),
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= CELL_CHARS else text[: CELL_CHARS - 1] + "…"


def _csv_rows(
    stream: BinaryIO, filename: str, encoding: str | None, *, tab: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    head, stream = peek_head(stream)
    if not head.strip():
        raise BadFormat(f"{filename} is empty")
    if tab:
        delimiter = "\t"
    else:
        sample = head.decode(detect_encoding(head, declared=encoding), errors="replace")
        delimiter = delimited.sniff_delimiter(sample)
    lines = LineDecoder(stream, filename, encoding=encoding)
    if csv.field_size_limit() < delimited.FIELD_CHARS:
        csv.field_size_limit(delimited.FIELD_CHARS)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    number, start = 0, 1
    try:
        header = delimited._header(next(reader, None), filename)
        while True:
            start = lines.line_number + 1
            row = next(reader, None)
            if row is None:
                return
            if not row:
                continue
            number += 1
            where = f"row {number} (line {start})"
            if len(row) != len(header):
                raise BadFormat(
                    f"{filename}: {where} has {len(row)} fields; the header has {len(header)}"
                )
            yield where, dict(zip(header, row, strict=True))
    except csv.Error as e:
        raise BadFormat(f"{filename}: bad quoting at row {number + 1} (line {start}): {e}") from e
    except (UndecodableByte, NulByte) as e:
        raise BadFormat(e.describe(f"row {number + 1} (line {e.line})")) from e


def _jsonl_objects(
    stream: BinaryIO, filename: str, encoding: str | None
) -> Iterator[tuple[str, dict[str, Any]]]:
    lines = LineDecoder(stream, filename, encoding=encoding)
    for line in lines:
        if not line.strip():
            continue
        where = f"line {lines.line_number}"
        try:
            obj = safejson.parse(line)
        except json.JSONDecodeError as e:
            raise BadFormat(f"{filename}: {where} is not valid JSON: {e.msg}") from e
        except safejson.UnsafeJSON as e:
            raise BadFormat(f"{filename}: {where}: {e.message}") from e
        yield where, _object(obj, filename, where)


def _json_objects(
    stream: BinaryIO, filename: str, encoding: str | None, *, truncated: bool
) -> Iterator[tuple[str, dict[str, Any]]]:
    """A top-level array's items, or those of the array an object wraps (``{"data": [...]}``),
    as ``json_records.read_json`` takes them."""
    head, stream = peek_head(stream)
    codec = detect_encoding(head, declared=encoding)
    first = json_records._first_char(head.decode(codec, errors="replace"))
    chunks = json_records._decoded_chunks(stream, filename, codec)
    if first == "[":
        items: Iterator[Any] = json_records._array_items(chunks, filename)
    elif first == "{":
        items = _wrapped(chunks, filename, truncated=truncated)
    elif first == "":
        raise BadFormat(f"{filename} is empty")
    else:
        raise BadFormat(
            f"{filename}: JSON must be an array of objects or an object holding one array"
        )
    for number, obj in enumerate(items, start=1):
        where = f"record {number}"
        yield where, _object(obj, filename, where)


def _wrapped(chunks: Iterator[str], filename: str, *, truncated: bool) -> Iterator[Any]:
    """The importer's reading of an object (one document, or the one array it holds); a
    head cut by the browser cannot parse whole, so its first array is read item by item."""
    text = "".join(chunks)
    try:
        return json_records._wrapped_items(iter([text]), filename, ReadOptions())
    except BadFormat:
        if not truncated:
            raise
    return _first_array_items(text, filename)


def _first_array_items(text: str, filename: str) -> Iterator[Any]:
    """The items of the first array value among the object's keys, in a head of the file."""
    position = text.index("{") + 1
    while True:
        position = _skip(text, position)
        if position >= len(text) or text[position] == "}":
            break
        try:
            key, position = safejson.raw_decode(text, position)
            position = _skip(text, position)
            if text[position : position + 1] != ":" or not isinstance(key, str):
                break
            position = _skip(text, position + 1)
            if text[position : position + 1] == "[":
                return json_records._array_items(iter([text[position:]]), filename)
            _, position = safejson.raw_decode(text, position)
        except (json.JSONDecodeError, safejson.UnsafeJSON):
            break
        position = _skip(text, position)
        if text[position : position + 1] != ",":
            break
        position += 1
    raise BadFormat(
        f"{filename}: the first {len(text):,} characters hold no array of objects to preview"
    )


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def _object(obj: Any, filename: str, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        found = json_type_name(obj)
        raise BadFormat(f"{filename}: {where} must be a JSON object, found {found}")
    return obj
