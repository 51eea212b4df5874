"""The one place format names map to readers; an unknown name raises.

Readers are imported lazily ("module:function"), so asking for CSV never imports
pdfplumber, and a reader whose module is missing fails only when it is asked for.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from importlib import import_module
from typing import BinaryIO, TypeVar, cast

from textlabel.errors import BadFormat, TextlabelError, UnsupportedFormat
from textlabel.ingest.base import Item, Reader, ReadOptions
from textlabel.ingest.detect import detect_format
from textlabel.ingest.encoding import peek_head
from textlabel.records import DocumentRecord

__all__ = [
    "KEEP_DUPLICATES",
    "READERS",
    "detect_format",
    "get_reader",
    "read_file",
    "resolve_format",
]

log = logging.getLogger(__name__)
_Item = TypeVar("_Item")

READERS: dict[str, str] = {
    "csv": "textlabel.ingest.delimited:read",
    "tsv": "textlabel.ingest.delimited:read_tsv",
    "json": "textlabel.ingest.json_records:read_json",
    "jsonl": "textlabel.ingest.json_records:read_jsonl",
    "txt": "textlabel.ingest.plaintext:read",
    "pdf": "textlabel.ingest.isolated:read_pdf",  # pdf.read in a capped child process
    "conll": "textlabel.ingest.conll:read",
    "conllu": "textlabel.ingest.conllu:read",
    "conll2012": "textlabel.ingest.conll2012:read",
    "webanno": "textlabel.ingest.webanno:read",
    "brat": "textlabel.ingest.brat:read",
    "spacy": "textlabel.ingest.spacy_docbin:read",
    "docx": "textlabel.ingest.docx:read",
    "html": "textlabel.ingest.html:read",
    "zip": "textlabel.ingest.archive:read",
}

# Formats whose repeated texts are distinct units (a treebank's "Yes ." sentences each have
# their own id and analysis): not deduplicated unless the import asks for it.
KEEP_DUPLICATES = frozenset({"conllu"})


def get_reader(name: str) -> Reader:
    """The reader registered as ``name`` (case-insensitive).

    Raises:
        UnsupportedFormat: for a name not in ``READERS``, listing the known ones.
    """
    target = READERS.get(name.strip().lower())
    if target is None:
        known = ", ".join(sorted(READERS))
        raise UnsupportedFormat(f"unknown format {name!r}; known formats: {known}")
    module_name, _, function_name = target.partition(":")
    return cast(Reader, getattr(import_module(module_name), function_name))


def read_file(
    stream: BinaryIO,
    filename: str,
    *,
    format: str | None = None,
    options: ReadOptions | None = None,
) -> Iterator[Item]:
    """Read ``stream`` with the named reader, or the one its name and content call for."""
    format, stream = resolve_format(stream, filename, format)
    reader = get_reader(format)
    options = options or ReadOptions()
    items = _guarded(reader(stream, filename, options), filename)
    if options.meta_fields is not None:
        items = _only_meta(items, frozenset(options.meta_fields))
    return items


def resolve_format(stream: BinaryIO, filename: str, format: str | None) -> tuple[str, BinaryIO]:
    """The reader name for the file (``format`` unless None / "auto"), and the stream to read
    from (peeking at its head may have wrapped it)."""
    if format is None or format == "auto":
        head, stream = peek_head(stream)
        format = detect_format(filename, head)
    return format.strip().lower(), stream


def _only_meta(items: Iterator[Item], keep: frozenset[str]) -> Iterator[Item]:
    """The items with only the ``keep`` keys left in each document's meta."""
    for item in items:
        if isinstance(item, DocumentRecord):
            item.meta = {key: value for key, value in item.meta.items() if key in keep}
        yield item


def _guarded(items: Iterator[_Item], filename: str) -> Iterator[_Item]:
    """The reader's items; an exception that is not one of ours becomes a located 422.

    Readers raise ``BadFormat`` for what they recognise; a library failing on input nobody
    foresaw (a zip member that is not XML, a compression method zipfile lacks) is still the
    file's fault, not the server's. It is logged with its traceback for the reader's fix.
    """
    try:
        yield from items
    except TextlabelError:
        raise
    except Exception as e:
        log.warning("reader failed on %s", filename, exc_info=True)
        message = f"{filename} could not be read: {type(e).__name__}: {e}"
        raise BadFormat(message[:500], details={"file": filename}) from e
