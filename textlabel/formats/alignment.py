"""Character spans to token indices, and the checks every token-based writer shares."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from operator import lt

from textlabel.errors import InvalidInput
from textlabel.formats.iob import Span, TagError, spans_to_tags
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    SpanRecord,
    TokenColumns,
    TokenRecord,
    token_columns,
)
from textlabel.tokens import Tokens, token_range


def describe(record: DocumentRecord, number: int) -> str:
    """How error messages name a document: its id, else its source, else its position."""
    if "id" in record.meta:
        return f"document {record.meta['id']}"
    if record.source is not None:
        return f"document {record.source}"
    return f"document #{number}"


def require_columns(record: DocumentRecord, number: int, *, format_name: str) -> TokenColumns:
    """The record's tokens as columns, or InvalidInput: token formats cannot write
    untokenized text."""
    if record.tokens is None:
        raise InvalidInput(
            f"{describe(record, number)} has no tokens; {format_name} needs tokenized documents"
        )
    return token_columns(record.tokens)


def _tokens(record: DocumentRecord, tokens: Sequence[TokenRecord]) -> Tokens:
    """``Tokens.from_records``, read off the columns: no ``TokenRecord`` made per token when
    an export hands ``TokenColumns``."""
    columns = token_columns(tokens)
    last_ws = bool(columns.ws and columns.ws[-1])
    return Tokens(columns.starts, columns.ends, [0], len(record.text), last_ws)


def token_spans(
    record: DocumentRecord, tokens: Sequence[TokenRecord], spans: list[SpanRecord], number: int
) -> list[Span]:
    """Entity spans as token ranges; InvalidInput names a span that is not token aligned."""
    columns = token_columns(tokens)
    starts, ends = columns.starts, columns.ends
    out: list[Span] = []
    for span in spans:
        aligned = token_range(starts, ends, span.start, span.end)
        if aligned is None:
            raise InvalidInput(
                f"{describe(record, number)}: span {span.start}:{span.end} {span.label} "
                f"({record.text[span.start : span.end]!r}) is not on token boundaries"
            )
        out.append((*aligned, span.label))
    return out


def token_mentions(
    record: DocumentRecord, tokens: Sequence[TokenRecord], number: int
) -> list[list[tuple[int, int]]]:
    """Coreference clusters as token ranges; InvalidInput names a misaligned mention."""
    aligned = _tokens(record, tokens)
    clusters: list[list[tuple[int, int]]] = []
    for cluster in record.coref:
        ranges: list[tuple[int, int]] = []
        for mention in cluster:
            token_range = aligned.range(mention.start, mention.end)
            if token_range is None:
                raise InvalidInput(
                    f"{describe(record, number)}: coreference mention {_mention(record, mention)} "
                    "is not on token boundaries"
                )
            ranges.append(token_range)
        clusters.append(ranges)
    return clusters


def entity_tags(record: DocumentRecord, tokens: Sequence[TokenRecord], number: int) -> list[str]:
    """IOB2 tags for every token; overlapping spans cannot be written as tags."""
    return tagged_tokens(record, tokens, number)[0]


def tagged_tokens(
    record: DocumentRecord, tokens: Sequence[TokenRecord], number: int
) -> tuple[list[str], list[int]]:
    """``entity_tags`` and the indices of the tokens tagged other than O (a few a document:
    found from the spans, not by reading every tag). Spans in order, apart and on token
    boundaries (as an export reads them) are tagged here, each found by two bisections and
    its tags looked up by label: ~2 us a document less than aligning them (``token_spans``)
    and encoding them (``spans_to_tags``), which does every other case, and says why."""
    columns = token_columns(tokens)
    starts, ends = columns.starts, columns.ends
    count = len(starts)
    tags = ["O"] * count
    tagged: list[int] = []
    after = 0  # the first token the next span may start on
    for span in record.spans:
        first = bisect_left(starts, span.start)
        last = bisect_left(ends, span.end)  # the span's last token
        if not (
            after <= first <= last < count
            and starts[first] == span.start and ends[last] == span.end
        ):  # fmt: skip
            return _tagged_any(record, columns, number)  # out of order, overlapping or off
        begin, inside = _tags_of(span.label)
        tags[first] = begin
        if last > first:
            tags[first + 1 : last + 1] = [inside] * (last - first)
        tagged.extend(range(first, last + 1))
        after = last + 1
    return tags, tagged


def _tagged_any(
    record: DocumentRecord, columns: TokenColumns, number: int
) -> tuple[list[str], list[int]]:
    """``tagged_tokens`` of any spans: aligned (or refused) and encoded (``spans_to_tags``
    sorts them and refuses overlaps)."""
    spans = token_spans(record, columns, record.spans, number)
    try:
        tags = spans_to_tags(spans, len(columns))
    except TagError as error:
        raise InvalidInput(
            f"{describe(record, number)}: {error.message}; token formats hold one entity per token"
        ) from error
    return tags, [index for start, end, _ in spans for index in range(start, end)]


_TAGS_KEPT = 10_000
_tags: dict[str, tuple[str, str]] = {}  # a label's B- and I- tags


def _tags_of(label: str) -> tuple[str, str]:
    """``B-label`` and ``I-label``, made once a label (up to ``_TAGS_KEPT`` labels)."""
    pair = _tags.get(label)
    if pair is None:
        pair = (f"B-{label}", f"I-{label}")
        if len(_tags) < _TAGS_KEPT:
            _tags[label] = pair
    return pair


def sentence_ranges(record: DocumentRecord, length: int) -> list[tuple[int, int]]:
    """Token ranges of the sentences (the whole document when it has no sentence starts)."""
    given = record.sent_starts
    if given and given[0] == 0 and given[-1] < length and all(map(lt, given, given[1:])):
        # as stored (increasing, from 0, inside the document): the ranges are between them
        return list(zip(given, [*given[1:], length], strict=True))
    starts = sorted({0, *(start for start in record.sent_starts or () if 0 < start < length)})
    ends = [*starts[1:], length]
    return [(start, end) for start, end in zip(starts, ends, strict=True) if start < end]


def is_blank(record: DocumentRecord, token: TokenRecord) -> bool:
    """A whitespace-only token (spaCy keeps runs of spaces and newlines as tokens)."""
    return not record.text[token.start : token.end].strip()


def _mention(record: DocumentRecord, mention: MentionRecord) -> str:
    return f"{mention.start}:{mention.end} ({record.text[mention.start : mention.end]!r})"
