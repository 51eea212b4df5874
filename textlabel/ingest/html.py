"""HTML as text, with the standard library's parser: what a browser shows, block by block.

Block elements (paragraphs, headings, list items, table rows, ``<br>``) end a line and
runs of whitespace collapse to one space, except inside ``<pre>``; ``<script>``,
``<style>``, ``<head>``, ``<template>``, ``<noscript>`` and ``<svg>`` are left out. Character
references are decoded. The ``<title>`` goes to ``meta["title"]``. One document per file,
or one per block with ``split="paragraph"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import BinaryIO

from textlabel.errors import BadFormat, InvalidInput
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.encoding import detect_encoding
from textlabel.records import DocumentRecord, SourceRef

MAX_BYTES = 256 * 1024 * 1024
_BLOCKS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "tr",
        "ul",
        "caption",
    ]
)
_HIDDEN = frozenset({"script", "style", "head", "template", "noscript", "svg", "title"})
_CELLS = frozenset({"td", "th"})
_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([\w-]+)""", re.IGNORECASE)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.hidden = 0
        self.pre = 0
        self.title: list[str] = []
        self.in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self.in_title = True
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in _BLOCKS:
            self.flush()
            self.pre += tag == "pre"
        elif tag in _CELLS and self.current:
            self.current.append("\t")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if tag in _HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCKS:
            self.flush()
            self.pre -= tag == "pre" and self.pre > 0

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        if self.hidden:
            return
        self.current.append(data if self.pre else re.sub(r"\s+", " ", data))

    def flush(self) -> None:
        block = "".join(self.current)
        self.current = []
        block = block if self.pre else block.strip(" ")
        if block.strip():
            self.blocks.append(block.strip("\n") if self.pre else block)


def read(
    stream: BinaryIO, filename: str, options: ReadOptions
) -> Iterator[DocumentRecord | Rejected]:
    """The visible text of an HTML page (see the module docstring)."""
    if options.split not in ("document", "paragraph"):
        raise InvalidInput(f"split must be document or paragraph for HTML, not {options.split!r}")
    data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadFormat(f"{filename} is larger than {MAX_BYTES // 2**20} MB")
    declared = _CHARSET.search(data[:4096])
    encoding = options.encoding or (declared.group(1).decode("ascii") if declared else None)
    try:
        markup = data.decode(detect_encoding(data[:4096], declared=encoding))
    except (UnicodeDecodeError, LookupError) as e:
        raise BadFormat(f"{filename}: cannot decode as {encoding or 'UTF-8'}: {e}") from e
    parser = _Text()
    parser.feed(markup)
    parser.close()
    parser.flush()
    meta = {"title": " ".join("".join(parser.title).split())} if parser.title else {}
    if options.split == "paragraph":
        for number, block in enumerate(parser.blocks, start=1):
            yield DocumentRecord(
                text=block, meta=meta | {"paragraph": number},
                source=SourceRef(filename, "paragraph", number),
            )  # fmt: skip
        return
    text = "\n".join(parser.blocks)
    if not text.strip():
        raise BadFormat(f"{filename} shows no text")
    yield DocumentRecord(text=text, meta=meta, source=SourceRef(filename, "document", 1))
