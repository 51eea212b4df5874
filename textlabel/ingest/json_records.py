"""JSON (an array of objects, or an object holding one array) and JSONL, streamed.

JSONL is decoded one line at a time, so a 1 GB file never sits in memory. A top-level JSON
array is parsed element by element from a growing window with ``JSONDecoder.raw_decode``;
only an object wrapping the array (``{"data": [...]}``) is loaded whole, because which of
its keys holds the documents is known only at its end.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

from textlabel import safejson
from textlabel.errors import BadFormat
from textlabel.ingest.annotated import (
    find_text_field,
    is_known_shape,
    missing_text_field_message,
    record_from_object,
)
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.checks import json_type_name
from textlabel.ingest.encoding import LineDecoder, detect_encoding, peek_head
from textlabel.records import DocumentRecord, SourceRef

CHUNK_SIZE = 256 * 1024
MAX_ITEM_CHARS = 64_000_000
_WHITESPACE = " \t\r\n"


def read_jsonl(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """One JSON object per line; blank lines are skipped, a broken line is ``Rejected``.

    A first line that is not JSON (or lacks the text field) is a ``BadFormat`` for the whole
    file: it is then most likely a pretty-printed JSON file or the wrong text_field.
    """
    lines = LineDecoder(stream, filename, encoding=options.encoding)
    first = True
    for line in lines:
        if not line.strip():
            continue
        source = SourceRef(filename, "line", lines.line_number)
        try:
            obj = safejson.parse(line)
        except json.JSONDecodeError as e:
            message = f"not valid JSON: {e.msg} at column {e.colno}"
            if first:
                raise BadFormat(
                    f"{filename}: line {lines.line_number} is {message}; "
                    "if the file is one JSON document, use format json"
                ) from e
            yield Rejected(source, message)
            continue
        except safejson.UnsafeJSON as e:
            if first:
                raise BadFormat(f"{filename}: line {lines.line_number}: {e.message}") from e
            yield Rejected(source, e.message)
            continue
        if first:
            _check_first(obj, filename, f"line {lines.line_number}", options)
            first = False
        yield record_from_object(obj, source=source, options=options)
    if first:
        raise BadFormat(f"{filename} is empty")


def read_json(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """An array of objects (streamed), an object holding one array, or a single document."""
    head, stream = peek_head(stream)
    encoding = detect_encoding(head, declared=options.encoding)
    chunks = _decoded_chunks(stream, filename, encoding)
    first_char = _first_char(head.decode(encoding, errors="replace"))
    if first_char == "[":
        objects: Iterator[Any] = _array_items(chunks, filename)
    elif first_char == "{":
        objects = _wrapped_items(chunks, filename, options)
    elif first_char == "":
        raise BadFormat(f"{filename} is empty")
    else:
        raise BadFormat(
            f"{filename}: JSON must be an array of objects or an object holding one array"
        )
    number = 0
    for number, obj in enumerate(objects, start=1):
        source = SourceRef(filename, "record", number)
        if number == 1:
            _check_first(obj, filename, "record 1", options)
        yield record_from_object(obj, source=source, options=options)
    if number == 0:
        raise BadFormat(f"{filename}: the array holds no documents")


def _check_first(obj: Any, filename: str, place: str, options: ReadOptions) -> None:
    """A first object without the text field means the whole file is misread: fail early."""
    if not isinstance(obj, dict):
        found = json_type_name(obj)
        raise BadFormat(f"{filename}: {place} must be a JSON object, found {found}")
    if not is_known_shape(obj, text_field=options.text_field):
        message = missing_text_field_message(obj, text_field=options.text_field)
        raise BadFormat(f"{filename}: {place}: {message}")


def _first_char(text: str) -> str:
    stripped = text.lstrip(_WHITESPACE + "\ufeff")
    return stripped[:1]


def _decoded_chunks(stream: BinaryIO, filename: str, encoding: str) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder(encoding)()
    offset = 0
    for chunk in iter(lambda: stream.read(CHUNK_SIZE), b""):
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as e:
            raise BadFormat(
                f"{filename}: byte 0x{chunk[e.start]:02x} at byte offset {offset + e.start} "
                f"is not valid {encoding}; name the file's encoding"
            ) from e
        offset += len(chunk)
        if "\x00" in text:
            raise BadFormat(f"{filename}: NUL byte near byte offset {offset}; not a JSON file")
        if text:  # empty while a multi-byte character is split across reads
            yield text


def _array_items(chunks: Iterator[str], filename: str) -> Iterator[Any]:
    """Yield the elements of a top-level JSON array, reading only as much as each needs."""
    buffer = next(chunks, "")
    position = buffer.index("[") + 1
    line = 1  # the line of buffer[0]
    expect_value = True
    exhausted = False
    while True:
        while True:
            while position < len(buffer) and buffer[position] in _WHITESPACE:
                position += 1
            if position < len(buffer) or exhausted:
                break
            line += buffer.count("\n")
            buffer, position = next(chunks, ""), 0
            exhausted = buffer == ""
        if position >= len(buffer):
            raise BadFormat(f"{filename}: the JSON array is not closed (line {line})")
        char = buffer[position]
        if char == "]" and (expect_value is False or _empty_so_far(buffer, position)):
            _check_trailing(buffer[position + 1 :], chunks, filename)
            return
        if char == "," and not expect_value:
            position += 1
            expect_value = True
            continue
        if not expect_value:
            where = line + buffer.count("\n", 0, position)
            raise BadFormat(f"{filename}: expected ',' or ']' between array items (line {where})")
        try:
            value, end = safejson.raw_decode(buffer, position)
        except safejson.UnsafeJSON as e:
            bad_line = line + buffer.count("\n", 0, position)
            raise BadFormat(f"{filename}: the array item at line {bad_line}: {e.message}") from e
        except json.JSONDecodeError as e:
            more = "" if exhausted else next(chunks, "")
            if more and len(buffer) - position > MAX_ITEM_CHARS:
                bad_line = line + buffer.count("\n", 0, position)
                raise BadFormat(
                    f"{filename}: the array item at line {bad_line} is broken or larger than "
                    f"{MAX_ITEM_CHARS // 1_000_000} million characters"
                ) from e
            if more:
                # The item may continue in the next chunk: keep its start, read on.
                line += buffer.count("\n", 0, position)
                buffer, position = buffer[position:] + more, 0
                continue
            bad_line = line + buffer.count("\n", 0, e.pos)
            raise BadFormat(f"{filename}: invalid JSON at line {bad_line}: {e.msg}") from e
        if end == len(buffer) and not exhausted:
            # A number or literal cut at the chunk end decodes too early; read on to be sure.
            more = next(chunks, "")
            if more:
                line += buffer.count("\n", 0, position)
                buffer, position = buffer[position:] + more, 0
                continue
            exhausted = True
        position = end
        expect_value = False
        yield value


def _empty_so_far(buffer: str, position: int) -> bool:
    return buffer[:position].rstrip(_WHITESPACE).endswith("[")


def _check_trailing(rest: str, chunks: Iterator[str], filename: str) -> None:
    if rest.strip(_WHITESPACE) or any(chunk.strip(_WHITESPACE) for chunk in chunks):
        raise BadFormat(f"{filename}: extra data after the JSON array")


def _wrapped_items(chunks: Iterator[str], filename: str, options: ReadOptions) -> Iterator[Any]:
    try:
        obj = safejson.parse("".join(chunks))
    except json.JSONDecodeError as e:
        hint = "; one object per line is JSONL: use format jsonl" if e.msg == "Extra data" else ""
        raise BadFormat(f"{filename}: invalid JSON at line {e.lineno}: {e.msg}{hint}") from e
    except safejson.UnsafeJSON as e:
        raise BadFormat(f"{filename}: {e.message}") from e
    if find_text_field(obj, text_field=options.text_field) is not None:
        return iter([obj])
    arrays = [key for key, value in obj.items() if isinstance(value, list)]
    if len(arrays) != 1:
        keys = ", ".join(repr(key) for key in obj) or "none"
        raise BadFormat(
            f"{filename}: JSON must be an array of objects or an object holding one array; "
            f"found an object with keys {keys}"
        )
    return iter(obj[arrays[0]])
