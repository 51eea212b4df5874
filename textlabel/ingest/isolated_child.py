"""The child side of ``textlabel.ingest.isolated``: limits first, then the reader.

Caps are enforced where the work happens: ``RLIMIT_AS`` and ``RLIMIT_CPU`` by the kernel,
decompressed bytes inside pdfminer's stream decoding (zlib is asked for at most the bytes
left, so a bomb never inflates past the cap), pages as pdfminer creates them, characters as
glyphs are rendered. ``_CapHit`` derives from BaseException so that the readers' and
pdfminer's ``except Exception`` cannot turn it into "damaged file".
"""

from __future__ import annotations

import json
import os
import pickle
import resource
import struct
import sys
import zlib
from importlib import import_module
from typing import Any, BinaryIO

from textlabel.errors import TextlabelError
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.isolated import cap_error

_HEADER_FORMAT = "!Q"


class _CapHit(BaseException):
    def __init__(self, cap: str, what: str) -> None:
        super().__init__(what)
        self.cap = cap
        self.what = what


class _Budget:
    def __init__(self, caps: dict[str, Any]) -> None:
        self.caps = caps
        self.decompressed = 0
        self.pages = 0
        self.chars = 0

    def spend_bytes(self, count: int) -> None:
        self.decompressed += count
        limit = self.caps["decompressed_mb"] * 1024 * 1024
        if self.decompressed > limit:
            raise _CapHit(
                "decompressed_mb",
                f"its streams inflate to more than {self.caps['decompressed_mb']} MB",
            )

    def left_bytes(self) -> int:
        return max(0, int(self.caps["decompressed_mb"]) * 1024 * 1024 - self.decompressed)

    def spend_page(self) -> None:
        self.pages += 1
        if self.pages > self.caps["pages"]:
            raise _CapHit("pages", f"the file has more than {self.caps['pages']:,} pages")

    def spend_chars(self, count: int) -> None:
        self.chars += count
        if self.chars > self.caps["chars"]:
            raise _CapHit("chars", f"the file holds more than {self.caps['chars']:,} characters")


def _memory_hit(budget: _Budget) -> _CapHit:
    return _CapHit(
        "memory_mb", f"reading it needed more than {budget.caps['memory_mb']} MB of memory"
    )


def _out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` wraps a MemoryError (readers turn any failure into "damaged")."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MemoryError):
            return True
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


def _limit_resources(caps: dict[str, Any]) -> None:
    memory = int(caps["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = int(caps["seconds"]) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


class _BoundedZlib:
    """The ``zlib`` pdfminer sees: ``decompress`` stops at the bytes the budget has left."""

    error = zlib.error

    def __init__(self, budget: _Budget) -> None:
        self.budget = budget

    def decompress(self, data: bytes, *args: Any, **kwargs: Any) -> bytes:
        inflater = zlib.decompressobj()
        left = self.budget.left_bytes()
        try:
            out = inflater.decompress(data, left + 1)
            if len(out) > left or inflater.unconsumed_tail:
                self.budget.spend_bytes(left + 1)
            if not inflater.eof:
                out += inflater.flush()
        except MemoryError as e:
            raise _memory_hit(self.budget) from e
        return out

    def decompressobj(self, *args: Any, **kwargs: Any) -> Any:
        return zlib.decompressobj(*args, **kwargs)


def _install_caps(budget: _Budget) -> None:
    from pdfminer import converter, pdfpage, pdftypes

    pdftypes.zlib = _BoundedZlib(budget)  # type: ignore[assignment,attr-defined]
    decode = pdftypes.PDFStream.decode

    def counted_decode(self: Any) -> None:
        decode(self)
        budget.spend_bytes(len(self.data or b""))

    pdftypes.PDFStream.decode = counted_decode  # type: ignore[method-assign]
    create_pages = pdfpage.PDFPage.create_pages.__func__  # type: ignore[attr-defined]

    def counted_pages(cls: Any, document: Any) -> Any:
        for page in create_pages(cls, document):
            budget.spend_page()
            yield page

    pdfpage.PDFPage.create_pages = classmethod(counted_pages)  # type: ignore[assignment]
    render_char = converter.PDFLayoutAnalyzer.render_char

    def counted_char(self: Any, *args: Any, **kwargs: Any) -> Any:
        budget.spend_chars(1)
        return render_char(self, *args, **kwargs)

    converter.PDFLayoutAnalyzer.render_char = counted_char  # type: ignore[method-assign]


def _send(channel: BinaryIO, kind: str, value: Any) -> None:
    payload = pickle.dumps((kind, value), protocol=pickle.HIGHEST_PROTOCOL)
    channel.write(struct.pack(_HEADER_FORMAT, len(payload)) + payload)
    channel.flush()


def _error(error_type: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"type": error_type, "message": message, "details": details}


def main() -> None:
    """Read one job from stdin, stream ("item", record) frames, end with "done" or "error"."""
    channel = os.fdopen(os.dup(1), "wb")
    sys.stdout = sys.stderr  # nothing the reader prints may corrupt the frames
    job = json.loads(sys.stdin.read())
    caps = job["caps"]
    budget = _Budget(caps)
    try:
        _limit_resources(caps)
        _install_caps(budget)
        module_name, _, function_name = job["target"].partition(":")
        reader = getattr(import_module(module_name), function_name)
        options = ReadOptions(**job["options"])
        with open(job["path"], "rb") as stream:
            for item in reader(stream, job["filename"], options):
                _send(channel, "item", item)
        _send(channel, "done", None)
    except _CapHit as hit:
        error = cap_error(hit.cap, caps[hit.cap], f"{job['filename']}: {hit.what}")
        _send(channel, "error", _error("TooLarge", error.message, error.details))
    except MemoryError:
        memory = _memory_hit(budget)
        error = cap_error(memory.cap, caps[memory.cap], f"{job['filename']}: {memory.what}")
        _send(channel, "error", _error("TooLarge", error.message, error.details))
    except TextlabelError as e:
        if _out_of_memory(e):
            memory = _memory_hit(budget)
            error = cap_error(memory.cap, caps[memory.cap], f"{job['filename']}: {memory.what}")
            _send(channel, "error", _error("TooLarge", error.message, error.details))
        else:
            _send(channel, "error", _error(type(e).__name__, e.message, e.details))
    except Exception as e:  # a reader bug: reported as a damaged file, never a crash upstream
        message = f"{job['filename']} could not be read: {type(e).__name__}: {e}"
        _send(channel, "error", _error("BadFormat", message[:500]))
    channel.close()


if __name__ == "__main__":
    main()
