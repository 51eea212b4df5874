"""The writer contract: every text format exposes ``write(records, options)``.

A writer is a generator of ``str`` chunks, so the web layer and the CLI can stream an export
of any size without holding it. Records arrive in document order; ``DocumentRecord.meta``
carries ``id`` (the document id) and, for per-annotator exports, ``annotator``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import attrgetter

from textlabel.errors import InvalidInput
from textlabel.formats.alignment import describe
from textlabel.records import DocumentRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class WriteOptions:
    """Choices that shape an export; writers ignore what does not apply to them."""

    layers: tuple[str, ...] = ("entities", "pos", "coref")
    dev: float = 0.2  # share of documents in the dev split (spaCy)
    seed: int = 0
    lang: str = "en"  # the project's language (spaCy's config.cfg)
    # the project's document labels: spaCy's textcat wants every label on every Doc
    categories: tuple[str, ...] = ()
    cats_mode: str = "multi"


Writer = Callable[[Iterable[DocumentRecord], WriteOptions], Iterator[str]]


CHUNK_CHARS = 1 << 16


def encoded(chunks: Iterable[str]) -> Iterator[bytes]:
    """Text chunks as UTF-8 bytes, joined into pieces of at least ``CHUNK_CHARS``
    characters (and the rest): a text writer yields one document at a time (a few KB), and
    each piece is one write to the client's socket or the file. Each chunk is encoded on its
    own and the bytes joined: joining the text first widened every document of a piece to
    its widest character (one ``’`` made the whole piece 2 bytes a character) before
    encoding it all, ~2x the CPU on real text (1,000 UD documents, alternating, load 9.1:
    JSONL 6.22 -> 3.14 us a document, CoNLL-U 3.04 -> 1.75; all-ASCII text 0.92 -> 1.03)."""
    held: list[bytes] = []
    size = 0
    for chunk in chunks:
        held.append(chunk.encode("utf-8"))
        size += len(chunk)
        if size >= CHUNK_CHARS:
            yield b"".join(held)
            held.clear()
            size = 0
    if held:
        yield b"".join(held)


class CheckedLabels:
    """A format's check of span labels, made once a process for each label (a few an export):
    a document whose labels all passed before is not looked at again. ``problem`` says what
    is wrong with a label, or None; up to 10,000 passed labels are kept."""

    KEPT = 10_000

    def __init__(self, problem: Callable[[str], str | None]) -> None:
        self.problem = problem
        self.passed: set[str] = set()

    def check(self, record: DocumentRecord, number: int) -> None:
        """Raise InvalidInput naming the document if one of its span labels has a problem."""
        if self.passed.issuperset(map(_label, record.spans)):
            return
        for span in record.spans:  # a label not seen before
            message = self.problem(span.label)
            if message is not None:
                raise InvalidInput(f"{describe(record, number)}: {message}")
            if len(self.passed) < self.KEPT:
                self.passed.add(span.label)


_label = attrgetter("label")
