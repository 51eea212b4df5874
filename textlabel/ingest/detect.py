"""Which reader a file needs: by what its first bytes say, then by its name.

Content that names its format wins over the extension: a zip, a PDF, a spaCy DocBin, a
WebAnno TSV 3 header, a CoNLL-2012 ``#begin document`` line, an HTML document, brat
standoff lines. A ``.txt``, ``.tsv`` or ``.csv`` that is really CoNLL or CoNLL-U
(``-DOCSTART-``, tagged token lines) is read as such. Otherwise the extension decides (a
``.conll.txt`` counts as CoNLL: the inner suffix is the more specific one), and without one
the content decides only when it is unambiguous: prose with commas is not guessed to be CSV.
"""

from __future__ import annotations

import json
import re
import zlib
from pathlib import PurePath

from textlabel.errors import UnsupportedFormat
from textlabel.ingest.encoding import detect_encoding

EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".txt": "txt",
    ".text": "txt",
    ".pdf": "pdf",
    ".conll": "conll",
    ".iob": "conll",
    ".iob2": "conll",
    ".bio": "conll",
    ".conllu": "conllu",
    ".ann": "brat",
    ".spacy": "spacy",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".zip": "zip",
    "_conll": "conll2012",  # OntoNotes / CoNLL-2012 names: *.v4_gold_conll
}
# Extensions a mislabelled token-per-line corpus commonly hides behind.
_TEXT_EXTENSIONS = {"txt", "tsv", "csv", None}
_BRAT_LINE = re.compile(r"^[TREAMN#*]\d*\t")
_IOB_TAG = re.compile(r"^(O|[BIESLU]-\S+)$")
_TOKEN_ID = re.compile(r"^\d+(-\d+|\.\d+)?$")


def detect_format(filename: str, head: bytes) -> str:
    """The reader name for ``filename`` whose first bytes are ``head``.

    Raises:
        UnsupportedFormat: when neither the name nor the content says what the file is.
    """
    signed = _format_from_signature(head)
    if signed:
        return signed
    by_name = _format_from_name(filename)
    if by_name not in _TEXT_EXTENSIONS:
        return str(by_name)
    by_content = _format_from_content(head)
    if by_content and (by_name is None or by_content in {"conll", "conllu"}):
        return by_content
    if by_name:
        return by_name
    known = ", ".join(sorted(set(EXTENSIONS.values())))
    raise UnsupportedFormat(f"cannot tell the format of {filename}; name it (one of: {known})")


def _format_from_signature(head: bytes) -> str | None:
    """Formats whose first bytes say what they are, whatever the file is called."""
    if head.startswith(b"PK\x03\x04"):
        return "docx" if b"word/" in head[:4096] and b"[Content_Types]" in head else "zip"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:1] == b"\x78" and b"attrs" in _inflated(head):
        return "spacy"
    text = head[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    if text.startswith("#FORMAT=WebAnno TSV 3"):
        return "webanno"
    if text.startswith("#begin document"):
        return "conll2012"
    if re.match(r"(?i)<!doctype html|<html[\s>]", text):
        return "html"
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if lines and all(_BRAT_LINE.match(line) for line in lines[:-1] or lines):
        return "brat" if lines[0].startswith("T") else None
    return None


def _inflated(head: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(head, 256)
    except zlib.error:
        return b""


def _format_from_name(filename: str) -> str | None:
    if filename.lower().endswith("_conll"):
        return "conll2012"
    suffixes = [suffix.lower() for suffix in PurePath(filename).suffixes]
    if not suffixes:
        return None
    last = EXTENSIONS.get(suffixes[-1])
    if last == "txt" and len(suffixes) > 1:
        inner = EXTENSIONS.get(suffixes[-2])
        if inner in {"conll", "conllu", "jsonl", "json", "csv", "tsv"}:
            return inner
    return last


def _format_from_content(head: bytes) -> str | None:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    text = head.decode(detect_encoding(head), errors="replace").lstrip("\ufeff \t\r\n")
    if not text:
        return None
    # The head may end mid-line: judge only complete lines.
    lines = text.splitlines()[:-1] if "\n" in text and len(head) >= 1024 else text.splitlines()
    if text.startswith("["):
        return "json"
    if text.startswith("{"):
        return "jsonl" if _is_json_object(lines[0]) else "json"
    if _looks_like_conllu(lines):
        return "conllu"
    if _looks_like_conll(lines):
        return "conll"
    if _looks_like_tsv(lines):
        return "tsv"
    return None


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):  # not JSON, a number too long, nested too deep
        return False


def _looks_like_conllu(lines: list[str]) -> bool:
    rows = [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]
    comments = any(line.startswith(("# text", "# sent_id")) for line in lines)
    return bool(rows) and comments and all(len(r) == 10 and _TOKEN_ID.match(r[0]) for r in rows)


def _looks_like_conll(lines: list[str]) -> bool:
    rows = [line.split() for line in lines if line.strip() and not line.startswith("#")]
    rows = [row for row in rows if row[0] != "-DOCSTART-"]
    if not rows or any(len(row) < 2 for row in rows):
        return False
    tagged = sum(bool(_IOB_TAG.match(row[-1])) for row in rows)
    return tagged == len(rows)


def _looks_like_tsv(lines: list[str]) -> bool:
    widths = {line.count("\t") for line in lines if line.strip()}
    return len(lines) > 1 and len(widths) == 1 and widths != {0}
