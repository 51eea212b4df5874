"""Encoding detection and line-by-line decoding that knows where it is in the file.

Only encodings that announce themselves are guessed: UTF-8 (with or without a BOM) and
UTF-16 / UTF-32 with a BOM. Anything else must be named by the user, because a wrong guess
silently corrupts text that annotators then label. Decoding is done one physical line at
a time so that a decode error points at the row being read, not at a buffer further ahead.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from typing import BinaryIO, cast

from textlabel.errors import BadFormat

HEAD_SIZE = 64 * 1024

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class UndecodableByte(BadFormat):
    """A byte the file's encoding cannot decode; carries where it is so callers can add rows."""

    def __init__(self, filename: str, *, byte: int, offset: int, line: int, encoding: str) -> None:
        self.filename = filename
        self.byte = byte
        self.offset = offset
        self.line = line
        self.encoding = encoding
        super().__init__(self.describe(f"line {line}"))

    def describe(self, where: str) -> str:
        """The message with ``where`` (e.g. "row 3 (line 4)") as the place."""
        name = _display_name(self.encoding)
        return (
            f"{self.filename}: byte 0x{self.byte:02x} at {where} is not valid {name}; "
            f"name the file's encoding (byte offset {self.offset})"
        )


class NulByte(BadFormat):
    """A NUL character: a binary file, or UTF-16 without a BOM; carries the line."""

    def __init__(self, filename: str, *, line: int) -> None:
        self.filename = filename
        self.line = line
        super().__init__(self.describe(f"line {line}"))

    def describe(self, where: str) -> str:
        return (
            f"{self.filename}: NUL byte at {where}; this is a binary file or a UTF-16 file "
            "without a byte order mark (name its encoding)"
        )


_NOT_FILE_ENCODINGS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"}
)


def _display_name(encoding: str) -> str:
    normal = codecs.lookup(encoding).name
    return {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "utf-32": "UTF-32"}.get(
        normal, encoding
    )


def peek_head(stream: BinaryIO, size: int = HEAD_SIZE) -> tuple[bytes, BinaryIO]:
    """Read the first ``size`` bytes and return them with a stream that starts at byte 0 again.

    Seekable streams are rewound; others are wrapped so the head is read again first.
    """
    if stream.seekable():
        position = stream.tell()
        head = stream.read(size)
        stream.seek(position)
        return head, stream
    head = stream.read(size)
    return head, cast(BinaryIO, io.BufferedReader(_PrefixedStream(head, stream)))


class _PrefixedStream(io.RawIOBase):
    """A non-seekable stream with already-read bytes put back in front."""

    def __init__(self, prefix: bytes, rest: BinaryIO) -> None:
        self._prefix = prefix
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        wanted = len(buffer)
        if self._prefix:
            chunk, self._prefix = self._prefix[:wanted], self._prefix[wanted:]
        else:
            chunk = self._rest.read(wanted)
        buffer[: len(chunk)] = chunk
        return len(chunk)


def detect_encoding(head: bytes, *, declared: str | None = None) -> str:
    """The codec for a file starting with ``head``: the declared one, a BOM's, else UTF-8.

    Raises:
        BadFormat: when ``declared`` is not a codec Python knows.
    """
    if declared:
        try:
            codec = codecs.lookup(declared)
        except LookupError as e:
            raise BadFormat(f"unknown encoding {declared!r}") from e
        if not codec._is_text_encoding or codec.name in _NOT_FILE_ENCODINGS:
            # rot13, base64, zlib_codec... transform bytes; unicode_escape and friends decode
            # escapes (lone surrogates, NUL) rather than a file's characters.
            raise BadFormat(
                f"{declared!r} is not a text encoding; name the file's character encoding "
                "(utf-8, utf-16, latin-1, cp1252, ...)"
            )
        if codec.name == "utf-8" and head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        return declared
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    return "utf-8"


def _ascii_compatible(encoding: str) -> bool:
    """True when b"\\n" always means a line break, so raw lines can be decoded one by one."""
    return "\n".encode(encoding) == b"\n" and not codecs.lookup(encoding).name.startswith(
        ("utf-16", "utf-32", "utf-7")
    )


class LineDecoder:
    """Iterates a binary stream as decoded lines (line endings kept), tracking the line number.

    ``line_number`` is the number of physical lines handed out so far, so while a caller
    processes a line it is that line's 1-based number.
    """

    def __init__(self, stream: BinaryIO, filename: str, *, encoding: str | None = None) -> None:
        head, self._stream = peek_head(stream)
        self.filename = filename
        self.encoding = detect_encoding(head, declared=encoding)
        self.line_number = 0
        self.byte_offset = 0
        self.is_empty = not head

    def __iter__(self) -> Iterator[str]:
        if _ascii_compatible(self.encoding):
            yield from self._lines_by_bytes()
        else:
            yield from self._lines_by_text()

    def _lines_by_bytes(self) -> Iterator[str]:
        decoder = codecs.getincrementaldecoder(self.encoding)()
        for raw in iter(self._stream.readline, b""):
            self.line_number += 1
            try:
                line = decoder.decode(raw)
            except UnicodeDecodeError as e:
                raise UndecodableByte(
                    self.filename,
                    byte=raw[e.start],
                    offset=self.byte_offset + e.start,
                    line=self.line_number,
                    encoding=self.encoding,
                ) from e
            self.byte_offset += len(raw)
            self._check_nul(line)
            yield line
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise UndecodableByte(
                self.filename,
                byte=e.object[e.start],
                offset=self.byte_offset - len(e.object) + e.start,
                line=self.line_number,
                encoding=self.encoding,
            ) from e

    def _lines_by_text(self) -> Iterator[str]:
        # Wide encodings: a TextIOWrapper decodes ahead in chunks, so the byte offset of
        # an error is the chunk's, but the line number is still the line being read.
        raw = io.BufferedReader(_Unclosable(self._stream))
        text = io.TextIOWrapper(raw, encoding=self.encoding, newline="")
        lines = iter(text)
        while True:
            try:
                line = next(lines)
            except StopIteration:
                return
            except UnicodeDecodeError as e:
                raise UndecodableByte(
                    self.filename,
                    byte=e.object[e.start],
                    offset=e.start,
                    line=self.line_number + 1,
                    encoding=self.encoding,
                ) from e
            self.line_number += 1
            self._check_nul(line)
            yield line

    def _check_nul(self, line: str) -> None:
        if "\x00" in line:
            raise NulByte(self.filename, line=self.line_number)


class _Unclosable(io.RawIOBase):
    """Lets a TextIOWrapper read a caller's stream without closing it when collected."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        chunk = self._stream.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)
