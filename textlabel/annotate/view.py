"""What the annotation page shows, as plain data: the document cut into windows of whole
sentences (so a 20,000-token chapter never becomes one huge DOM), each token with the
whitespace after it, sentence breaks, PDF page markers and the entity marks of one window."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from textlabel.records import MentionRecord, SpanRecord
from textlabel.tokens import Tokens

WINDOW_TOKENS = 1500


@dataclass(frozen=True, slots=True)
class TokenView:
    i: int
    text: str
    ws: str  # the text between this token and the next one (empty at a sentence end)
    page: int | None = None  # a PDF page starts at this token
    label: str | None = None  # entity covering the token, if any
    begin: bool = False  # first token of its entity in the window
    end: bool = False  # last token of its entity


@dataclass(slots=True)
class WindowView:
    number: int  # 0-based
    count: int
    first: int  # first token index
    last: int  # one past the last token index
    sentences: list[list[TokenView]] = field(default_factory=list)


def windows(sent_starts: Sequence[int], n_tokens: int, *, size: int = WINDOW_TOKENS) -> list[int]:
    """First token of each window: whole sentences, at most ``size`` tokens a window (a longer
    sentence is cut every ``size`` tokens)."""
    bounds = [0]
    previous = 0  # the latest sentence start not yet used as a bound
    for start in [*sorted({s for s in sent_starts if 0 < s < n_tokens}), n_tokens]:
        while start - bounds[-1] > size:
            bounds.append(previous if previous > bounds[-1] else bounds[-1] + size)
        previous = start
    return bounds


class Mark(NamedTuple):
    """A stored span as token indices ``[first, last)``, with its label (None: a mention)."""

    first: int
    last: int
    label: str | None = None


def marks_of(tokens: Tokens, spans: Iterable[SpanRecord | MentionRecord]) -> list[Mark]:
    """Stored spans as token ranges (stored spans sit on token boundaries)."""
    out = []
    for span in spans:
        at = tokens.snap(span.start, span.end)
        out.append(Mark(at.first, at.last, span.label if isinstance(span, SpanRecord) else None))
    return out


MarkAt = tuple[str | None, bool, bool]  # label, first token shown, last token


def marks_in(entities: Iterable[Mark], first: int, last: int) -> dict[int, MarkAt]:
    """Token index -> its entity's label and whether the token begins (the first shown: an
    entity continuing from the previous window begins at its first token) or ends it, for
    the tokens ``[first, last)`` of one window."""
    marks: dict[int, MarkAt] = {}
    for span in entities:
        if span.last <= first or span.first >= last:
            continue
        begin = max(span.first, first)
        for i in range(begin, min(span.last, last)):
            marks[i] = (span.label, i == begin, i == span.last - 1)
    return marks


def window_view(
    text: str,
    tokens: Tokens,
    entities: Sequence[Mark],
    *,
    number: int,
    pages: Sequence[Sequence[int]] = (),
    size: int = WINDOW_TOKENS,
) -> WindowView:
    """Window ``number`` (clamped to the last one) of the document, ready to render."""
    n = len(tokens)
    sent_starts = tokens.sent_starts
    bounds = windows(sent_starts, n, size=size)
    number = max(0, min(number, len(bounds) - 1))
    first = bounds[number]
    last = bounds[number + 1] if number + 1 < len(bounds) else n
    view = WindowView(number=number, count=len(bounds), first=first, last=last)
    sentence_starts = set(sent_starts) | {first}
    page_at = {tokens.token_at(start): p for p, (start, _) in enumerate(pages, start=1)}
    marks = marks_in(entities, first, last)
    starts, ends = tokens.starts, tokens.ends
    sentence: list[TokenView] = []
    for i in range(first, last):
        if i in sentence_starts and sentence:
            view.sentences.append(sentence)
            sentence = []
        sentence_end = i + 1 == last or (i + 1) in sentence_starts
        ws = "" if sentence_end else text[ends[i] : starts[i + 1]]
        label, begin, end = marks.get(i, (None, False, False))
        sentence.append(
            TokenView(i, text[starts[i] : ends[i]], ws, page_at.get(i), label, begin, end)
        )
    if sentence:
        view.sentences.append(sentence)
    return view
