"""The reader contract: every format module exposes ``read(stream, filename, options)``.

A reader yields one ``DocumentRecord`` per document, or a ``Rejected`` for a row / line /
page it could not turn into one (the service decides whether that aborts the file or is
reported and skipped), or a ``Notice`` for something it changed or left out while reading
(a repeated page header, unmapped PDF glyphs): never fatal, always in the import answer.
A problem with the file as a whole (not CSV, encrypted PDF, no text column) raises
``BadFormat`` whose message names the file and the place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from textlabel.records import DocumentRecord, SourceRef

# How a file may be cut into documents: whole, by blank-line paragraph (TXT), by page (PDF)
SPLITS = ("document", "paragraph", "page")


@dataclass(frozen=True, slots=True, kw_only=True)
class Caps:
    """Bounds on the work one file may cause where a reader runs isolated (PDF); settings
    TEXTLABEL_PDF_MAX_SECONDS, _MEMORY_MB, _PAGES, _CHARS, _DECOMPRESSED_MB."""

    seconds: float = 120.0  # wall clock for the whole file
    memory_mb: int = 1536  # address space of the reading process
    pages: int = 2000
    chars: int = 5_000_000
    decompressed_mb: int = 512  # bytes all streams inflate to, together


def caps_from(settings: Mapping[str, Any]) -> Caps:
    """The caps in a configuration (``PDF_MAX_*``), defaults for those missing."""
    default = Caps()
    return Caps(
        seconds=float(settings.get("PDF_MAX_SECONDS", default.seconds)),
        memory_mb=int(settings.get("PDF_MAX_MEMORY_MB", default.memory_mb)),
        pages=int(settings.get("PDF_MAX_PAGES", default.pages)),
        chars=int(settings.get("PDF_MAX_CHARS", default.chars)),
        decompressed_mb=int(settings.get("PDF_MAX_DECOMPRESSED_MB", default.decompressed_mb)),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadOptions:
    """What the user told us about a file; every field has a sensible default."""

    text_field: str | None = None
    encoding: str | None = None
    split: str = "document"  # txt: "document" | "paragraph"; pdf: "document" | "page"
    password: str | None = None  # pdf
    keep_headers: bool = False  # pdf: keep lines repeated at the top / bottom of most pages
    language: str = "en"  # pdf: the word list that tells hyphenated compounds from broken words
    # Tag names of integer-coded token columns (Hugging Face ClassLabel features), by
    # column: {"ner_tags": ["O", "B-PER", ...]}; ``tags`` is the same for "ner_tags" alone.
    tags: tuple[str, ...] | None = None
    features: dict[str, list[str]] | None = None
    caps: Caps = Caps()  # isolated readers (pdf)
    # The columns / keys kept in each document's meta (the import form's column picker);
    # None keeps every one the reader puts there.
    meta_fields: tuple[str, ...] | None = None

    def names_of(self, column: str) -> list[str] | None:
        """The tag names of ``column``, when the user or a dataset_info file gave them."""
        if self.features and column in self.features:
            return self.features[column]
        if self.tags and column in ("ner_tags", "tags"):
            return list(self.tags)
        return None


@dataclass(frozen=True, slots=True)
class Rejected:
    """One unusable row / line / page, with where it is and why."""

    source: SourceRef
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something a reader changed or left out, with where: reported, never fatal."""

    source: SourceRef
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


Item = DocumentRecord | Rejected | Notice
Reader = Callable[[BinaryIO, str, ReadOptions], Iterator[Item]]
