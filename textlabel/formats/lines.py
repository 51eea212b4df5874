"""Decoding a byte stream line by line, so a bad byte is reported with its line number."""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from textlabel.errors import BadFormat


def read_lines(
    stream: BinaryIO, filename: str, *, encoding: str | None
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, line)`` without the line ending, decoding each line on its own.

    UTF-8 (with or without BOM) unless ``encoding`` names another ASCII-compatible encoding;
    line-wise decoding keeps memory flat and lets a decode error name its line and byte.
    """
    codec = encoding or "utf-8"
    for number, raw in enumerate(stream, start=1):
        if number == 1 and raw.startswith(b"\xef\xbb\xbf") and codec.lower() in ("utf-8", "utf8"):
            raw = raw[3:]
        try:
            line = raw.decode(codec)
        except UnicodeDecodeError as error:
            raise BadFormat(
                f"{filename}: line {number} is not valid {codec}: "
                f"byte 0x{raw[error.start]:02x} at column {error.start + 1}; "
                "name the file's encoding",
                details={"line": number},
            ) from error
        except LookupError as error:
            raise BadFormat(f"{filename}: unknown encoding {codec!r}") from error
        if "\x00" in line:
            raise BadFormat(
                f"{filename}: line {number} contains a NUL byte", details={"line": number}
            )
        yield number, line.rstrip("\r\n")
