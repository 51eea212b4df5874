"""Readers of hostile formats run in a child process with caps, so no file can take the web
process down (issue 14, defect 2: a 1 MB PDF inflated to 1 GB and took the server from 0.3 to
2.3 GB; a 1.6 KB PDF became 327k characters).

The child (``python -m textlabel.ingest.isolated_child``) sets its own address-space and CPU limits
before it imports the reader, counts decompressed stream bytes, pages and characters as
pdfminer produces them, and stops at the first cap. The parent spools the upload to a file,
streams the child's records back (length-prefixed pickles, unpickled with an allow-list of
record classes) and kills it when the wall-clock cap passes. A cap that is hit is a
``TooLarge`` (413) that names it and its setting.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import IO, Any, BinaryIO, cast

from textlabel import errors
from textlabel.errors import BadFormat, TextlabelError, TooLarge
from textlabel.ingest.base import Caps, ReadOptions, Rejected
from textlabel.records import DocumentRecord

_HEADER = struct.Struct("!Q")
_ALLOWED = {"textlabel.records", "textlabel.ingest.base"}
_SETTINGS = {
    "seconds": "TEXTLABEL_PDF_MAX_SECONDS",
    "memory_mb": "TEXTLABEL_PDF_MAX_MEMORY_MB",
    "pages": "TEXTLABEL_PDF_MAX_PAGES",
    "chars": "TEXTLABEL_PDF_MAX_CHARS",
    "decompressed_mb": "TEXTLABEL_PDF_MAX_DECOMPRESSED_MB",
}


def cap_error(cap: str, limit: float, what: str) -> TooLarge:
    """The 413 for a cap: what was too large, the limit and the setting that raises it."""
    return TooLarge(
        f"{what}; the limit is {limit:g} ({_SETTINGS[cap]})",
        details={"cap": cap, "limit": limit, "setting": _SETTINGS[cap]},
    )


def read_pdf(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """``textlabel.ingest.pdf.read`` in a capped child process."""
    return read_isolated("textlabel.ingest.pdf:read", stream, filename, options)


def read_isolated(
    target: str, stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """Run the reader ``target`` ("module:function") over ``stream`` in a capped child."""
    caps = options.caps
    with tempfile.NamedTemporaryFile(prefix="textlabel-upload-", suffix=".bin") as spooled:
        shutil.copyfileobj(stream, spooled)
        spooled.flush()
        job = {
            "target": target,
            "path": spooled.name,
            "filename": filename,
            "options": {key: value for key, value in asdict(options).items() if key != "caps"},
            "caps": asdict(caps),
        }
        child = subprocess.Popen(
            [sys.executable, "-m", "textlabel.ingest.isolated_child"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            close_fds=True,
        )
        try:
            stdin, stdout = cast(IO[bytes], child.stdin), cast(IO[bytes], child.stdout)
            stdin.write(json.dumps(job).encode())
            stdin.close()
            deadline = time.monotonic() + caps.seconds
            yield from _frames(child, stdout, deadline, caps)
        finally:
            if child.poll() is None:
                child.kill()
            child.wait()
            for pipe in (child.stdin, child.stdout):
                if pipe is not None:
                    pipe.close()


def _frames(
    child: subprocess.Popen[bytes], out: IO[bytes], deadline: float, caps: Caps
) -> Iterator[DocumentRecord | Rejected]:
    while True:
        header = _read_exactly(out, _HEADER.size, deadline, caps)
        if header is None:
            raise _died(child, caps)
        (size,) = _HEADER.unpack(header)
        payload = _read_exactly(out, size, deadline, caps)
        if payload is None:
            raise _died(child, caps)
        kind, value = _RecordUnpickler(io.BytesIO(payload)).load()
        if kind == "item":
            yield value
        elif kind == "error":
            raise rebuilt(value)
        else:
            return


def _read_exactly(out: IO[bytes], size: int, deadline: float, caps: Caps) -> bytes | None:
    chunks: list[bytes] = []
    missing = size
    fd = out.fileno()
    while missing:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise cap_error(
                "seconds", caps.seconds, f"reading the file took longer than {caps.seconds:g} s"
            )
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            continue
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _died(child: subprocess.Popen[bytes], caps: Caps) -> TextlabelError:
    code = child.wait()
    if code in (-signal.SIGXCPU, -signal.SIGKILL):
        return cap_error(
            "seconds", caps.seconds, f"reading the file took more than {caps.seconds:g} s of CPU"
        )
    return cap_error(
        "memory_mb",
        caps.memory_mb,
        f"reading the file needed more than {caps.memory_mb} MB of memory (exit {code})",
    )


def rebuilt(value: dict[str, Any], unknown: Callable[[str], Exception] = BadFormat) -> Exception:
    """A child's ``{"type", "message", "details"}`` error as the ``TextlabelError`` it was;
    ``unknown(message)`` for any other type."""
    cls = getattr(errors, str(value.get("type")), None)
    if not (isinstance(cls, type) and issubclass(cls, TextlabelError)):
        return unknown(str(value.get("message")))
    return cls(str(value.get("message")), details=value.get("details"))


class _RecordUnpickler(pickle.Unpickler):
    """Only record classes: the child parses hostile input, so its output is not trusted."""

    def find_class(self, module: str, name: str) -> Any:
        if module in _ALLOWED and not name.startswith("_"):
            value = getattr(sys.modules[module], name, None)
            if isinstance(value, type):
                return value
        raise pickle.UnpicklingError(f"{module}.{name} is not a record class")
