"""Plain document records: the one shape every format reader produces and every writer consumes.

Readers (``textlabel.ingest``), the pre-annotator (``textlabel.nlp``) and writers
(``textlabel.export``) speak only these dataclasses, so none of them needs the database
or Flask, and a round trip import -> export is a function of records alone.

Character offsets into ``DocumentRecord.text`` are canonical; token indices exist for
snapping and for token-based formats. Every ``end`` is exclusive.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from operator import gt
from typing import Any, overload


@dataclass(slots=True)
class TokenRecord:
    """One token: ``text[start:end]``; ``ws`` is True when a space follows it."""

    start: int
    end: int
    ws: bool = True


class TokenColumns(Sequence[TokenRecord]):
    """A document's tokens as three parallel lists, read as a sequence of ``TokenRecord``.

    An export reads every token of every document: the lists come straight from the stored
    offsets and writers that know this class (``token_columns``) use them as they are, so no
    ``TokenRecord`` is made per token; any other reader gets records made on access.
    Made ``from_offsets`` (an export), ``ws`` is worked out when first read: CoNLL-2003 never
    reads it (~3 us a document of 100 tokens).
    """

    __slots__ = ("starts", "ends", "_ws", "_last_ws")
    _ws: list[bool] | None  # None until ``ws`` is first read (made from offsets)
    _last_ws: bool

    def __init__(self, starts: list[int], ends: list[int], ws: list[bool]) -> None:
        self.starts, self.ends, self._ws = starts, ends, ws

    @classmethod
    def from_offsets(
        cls, starts: list[int], ends: list[int], *, text_length: int, last_ws: bool = False
    ) -> TokenColumns:
        """``ws`` from the gap to the next token; the last token's from the text's end."""
        if not starts:
            return cls([], [], [])
        columns = cls.__new__(cls)
        columns.starts, columns.ends, columns._ws = starts, ends, None
        columns._last_ws = ends[-1] < text_length or last_ws
        return columns

    @property
    def ws(self) -> list[bool]:
        """Whether a space follows each token."""
        ws = self._ws
        if ws is None:  # made from offsets: a gap after all but the last
            ws = list(map(gt, islice(self.starts, 1, None), self.ends))  # map stops at the shorter
            ws.append(self._last_ws)
            self._ws = ws
        return ws

    def __len__(self) -> int:
        return len(self.starts)

    @overload
    def __getitem__(self, index: int) -> TokenRecord: ...
    @overload
    def __getitem__(self, index: slice) -> list[TokenRecord]: ...
    def __getitem__(self, index: int | slice) -> TokenRecord | list[TokenRecord]:
        if isinstance(index, slice):
            return list(map(TokenRecord, self.starts[index], self.ends[index], self.ws[index]))
        return TokenRecord(self.starts[index], self.ends[index], self.ws[index])

    def __iter__(self) -> Iterator[TokenRecord]:
        return map(TokenRecord, self.starts, self.ends, self.ws)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TokenColumns):
            return (self.starts, self.ends, self.ws) == (other.starts, other.ends, other.ws)
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]  # equal to lists, so unhashable like them

    def __repr__(self) -> str:
        return f"TokenColumns({list(self)!r})"


def token_columns(tokens: Sequence[TokenRecord]) -> TokenColumns:
    """``tokens`` as columns: as they are when they already are, else read off the records."""
    if isinstance(tokens, TokenColumns):
        return tokens
    return TokenColumns([t.start for t in tokens], [t.end for t in tokens], [t.ws for t in tokens])


@dataclass(frozen=True, slots=True)
class SpanRecord:
    """An entity span by character offsets, with an optional model score."""

    start: int
    end: int
    label: str
    score: float | None = None


@dataclass(frozen=True, slots=True)
class MentionRecord:
    """A coreference mention by character offsets; ``score`` is the model's confidence in the
    mention's chain (``textlabel_coref`` writes it per span group), None for human mentions."""

    start: int
    end: int
    score: float | None = None


@dataclass(frozen=True, slots=True)
class RelationRecord:
    """A labelled link from a ``head`` entity to a ``child`` entity, each by its character
    offsets ``(start, end)``; ``score`` is a model's confidence (None for a person's)."""

    head: tuple[int, int]
    child: tuple[int, int]
    label: str
    score: float | None = None


@dataclass(slots=True)
class SourceRef:
    """Where a record came from, for error messages and provenance.

    ``unit`` names what ``number`` counts: "row", "line", "page", "record" or "document".
    """

    file: str
    unit: str = "record"
    number: int | None = None

    def __str__(self) -> str:
        return f"{self.file}, {self.unit} {self.number}" if self.number is not None else self.file


@dataclass(frozen=True, slots=True)
class Loss:
    """Something a source held that the record does not carry, so an import can say so.

    ``kind`` is what is counted ("spans", "relations", "attributes", "document_labels",
    ...), ``name`` where it was in the file (a field like ``"relations"``, or ``R lines``),
    ``count`` how many items, ``reason`` why they are not carried (or where they went).
    ``kept`` marks a note about items that are carried, but changed (realigned offsets).
    """

    kind: str
    name: str
    count: int
    reason: str = "not imported"
    kept: bool = False


@dataclass(slots=True)
class TokenLayers:
    """Per-token annotation layers aligned with ``DocumentRecord.tokens`` (None = absent).

    ``heads`` are absolute token indices within the document (a root points to itself);
    ``extra`` keeps format-specific columns (e.g. CoNLL-U FEATS, DEPS, other MISC keys)
    so that a round trip through the same format is lossless.
    """

    pos: list[str | None] | None = None
    tags: list[str | None] | None = None
    lemmas: list[str | None] | None = None
    morphs: list[str | None] | None = None
    heads: list[int] | None = None
    deps: list[str | None] | None = None
    extra: list[dict[str, Any]] | None = None


@dataclass(slots=True)
class DocumentRecord:
    """A document with whatever annotation its source carried.

    ``tokens`` is None when the source had no tokenization (plain text); the server then
    tokenizes with spaCy. Readers give a list; an export gives ``TokenColumns``.
    ``sent_starts`` holds the token indices that begin a sentence.
    ``annotator`` names the account an annotated import belongs to (None = predictions).
    ``annotated`` says the source marked the document as annotated even if it holds no span
    (a Prodigy task accepted with no entity is a true negative, worth storing as such).
    ``losses`` lists what the source held that this record does not carry.
    ``pages`` holds a paged source's ``[start, end)`` per page (PDF), kept apart from ``meta``,
    which is the source's own metadata and may hold any key, "pages" included.
    ``relations`` link entities of ``spans``; ``cats`` are document labels with their
    value (1.0 = applies, 0.0 = does not, a model's probability in between); ``span_cats``
    are the spans of the span-category layer, which may overlap and nest.
    """

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    source: SourceRef | None = None
    tokens: Sequence[TokenRecord] | None = None
    sent_starts: list[int] | None = None
    spans: list[SpanRecord] = field(default_factory=list)
    coref: list[list[MentionRecord]] = field(default_factory=list)
    layers: TokenLayers = field(default_factory=TokenLayers)
    annotator: str | None = None
    annotated: bool = False
    losses: list[Loss] = field(default_factory=list)
    pages: list[list[int]] | None = None
    relations: list[RelationRecord] = field(default_factory=list)
    cats: dict[str, float] = field(default_factory=dict)
    span_cats: list[SpanRecord] = field(default_factory=list)

    @property
    def has_annotations(self) -> bool:
        """True when the source carried any annotation beyond plain text, or said that the
        document was annotated and holds none."""
        layers = self.layers
        return self.annotated or bool(
            self.spans
            or self.coref
            or self.relations
            or self.cats
            or self.span_cats
            or layers.pos
            or layers.tags
            or layers.heads
        )


def tokens_from_text(text: str, tokens: list[str], spaces: list[bool]) -> list[TokenRecord]:
    """Offsets for tokens whose text and trailing spaces rebuild ``text`` exactly."""
    out: list[TokenRecord] = []
    offset = 0
    for token_text, space in zip(tokens, spaces, strict=True):
        start = text.index(token_text, offset)
        end = start + len(token_text)
        out.append(TokenRecord(start, end, space))
        offset = end
    return out


def text_from_tokens(tokens: list[str], spaces: list[bool]) -> tuple[str, list[TokenRecord]]:
    """Build the text of a pre-tokenized source and the offsets of its tokens."""
    parts: list[str] = []
    out: list[TokenRecord] = []
    offset = 0
    for token_text, space in zip(tokens, spaces, strict=True):
        start = offset
        end = start + len(token_text)
        parts.append(token_text)
        if space:
            parts.append(" ")
        out.append(TokenRecord(start, end, space))
        offset = end + (1 if space else 0)
    return "".join(parts), out
