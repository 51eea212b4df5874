"""Export formats and sources by name: which writer serves which format, what each source is.

Writers are named as "module:function" and imported on first use, so listing the formats
(for the export page, the CLI's choices or the OpenAPI enum) loads neither spaCy nor any
writer. An unknown name raises ``UnsupportedFormat`` listing the known ones.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from textlabel.errors import UnsupportedFormat
from textlabel.export.base import WriteOptions
from textlabel.records import DocumentRecord

AnyWriter = Callable[[Iterable[DocumentRecord], WriteOptions], Iterator[Any]]


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """What the web layer and the CLI need to serve one format.

    ``binary`` writers yield ``bytes`` (the spaCy zip archive); the others yield ``str``
    chunks to encode as UTF-8.
    """

    name: str
    writer: str
    media_type: str
    extension: str
    binary: bool = False
    description: str = ""


FORMATS: dict[str, ExportFormat] = {
    fmt.name: fmt
    for fmt in (
        ExportFormat(
            "jsonl",
            "textlabel.export.jsonl:write",
            "application/jsonl",
            ".jsonl",
            description="textlabel JSONL, one Prodigy-compatible document a line",
        ),
        ExportFormat(
            "conll",
            "textlabel.export.conll:write",
            "text/plain; charset=utf-8",
            ".conll",
            description="CoNLL-2003: token POS _ IOB2-tag",
        ),
        ExportFormat(
            "conllu",
            "textlabel.export.conllu:write",
            "text/plain; charset=utf-8",
            ".conllu",
            description="CoNLL-U with entities and coreference in MISC",
        ),
        ExportFormat(
            "labelstudio",
            "textlabel.export.labelstudio:write",
            "application/json",
            ".json",
            description="Label Studio JSON tasks with their annotations (entities, choices)",
        ),
        ExportFormat(
            "doccano",
            "textlabel.export.doccano:write",
            "application/jsonl",
            ".jsonl",
            description='doccano JSONL: {"text", "label": [[start, end, LABEL]]}',
        ),
        ExportFormat(
            "brat",
            "textlabel.export.brat:write",
            "application/zip",
            ".zip",
            binary=True,
            description="brat standoff: a zip of .txt and .ann (T entities, R relations)",
        ),
        ExportFormat(
            "spacy",
            "textlabel.export.docbin:write",
            "application/zip",
            ".zip",
            binary=True,
            description="spaCy DocBin train/dev shards and a config.cfg for spacy train",
        ),
    )
}

WRITERS: dict[str, str] = {name: fmt.writer for name, fmt in FORMATS.items()}


@dataclass(frozen=True, slots=True)
class ExportSource:
    """Which annotation of each document an export writes (``export.records`` reads them)."""

    name: str
    description: str


SOURCES: dict[str, ExportSource] = {
    source.name: source
    for source in (
        ExportSource("gold", "the reviewed gold annotation (documents without one are left out)"),
        ExportSource("predictions", "the model's (or an imported corpus's) annotation"),
        ExportSource("annotations", "every submitted manual annotation, one record per annotator"),
        ExportSource(
            "gold_or_majority",
            "gold where reviewed, else what a majority of the submitted annotations agree on "
            "(spans and POS; coreference only from gold)",
        ),
    )
}


def get_format(name: str) -> ExportFormat:
    """The format called ``name``; raises ``UnsupportedFormat`` naming the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise UnsupportedFormat(
            f"unknown export format {name!r}; known formats: {known}",
            details={"known": sorted(FORMATS)},
        ) from None


def get_writer(name: str) -> AnyWriter:
    """Import and return the writer function of the format called ``name``."""
    module_name, _, function = get_format(name).writer.partition(":")
    writer: AnyWriter = getattr(importlib.import_module(module_name), function)
    return writer
