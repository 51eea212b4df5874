"""``alignment.sentence_ranges`` and ``token_spans``: the shortcuts an export takes (sentence
starts as stored, spans aligned on the bare offset lists) give what the general paths give."""

from __future__ import annotations

import random
import re

import pytest

from textlabel.errors import InvalidInput
from textlabel.formats.alignment import entity_tags, sentence_ranges, tagged_tokens, token_spans
from textlabel.records import DocumentRecord, SpanRecord, TokenColumns
from textlabel.tokens import Tokens


def _general(sent_starts: list[int] | None, length: int) -> list[tuple[int, int]]:
    """The ranges by the general rule: 0 and every start inside, sorted, once each."""
    starts = sorted({0, *(start for start in sent_starts or () if 0 < start < length)})
    ends = [*starts[1:], length]
    return [(start, end) for start, end in zip(starts, ends, strict=True) if start < end]


@pytest.mark.parametrize(
    "sent_starts",
    [[0], [0, 3, 7], [0, 9], None, [], [3, 0], [0, 3, 3, 5], [0, 12], [1, 4], [0, 4, 2], [0, 10]],
)
def test_sentence_ranges_as_stored_and_otherwise(sent_starts: list[int] | None) -> None:
    record = DocumentRecord(text="x", sent_starts=sent_starts)
    for length in (10, 1, 0):
        assert sentence_ranges(record, length) == _general(sent_starts, length)


def test_token_spans_align_as_tokens_do() -> None:
    """Every span on random offsets: the same token range as ``Tokens.range``, and a span
    off the token boundaries refused."""
    rng = random.Random(5)
    starts, ends, at = [], [], 0
    for _ in range(40):
        at += rng.randint(0, 2)
        starts.append(at)
        at += rng.randint(1, 4)
        ends.append(at)
    columns = TokenColumns.from_offsets(starts, ends, text_length=at + 1)
    tokens = Tokens(starts, ends, [0], at + 1)
    record = DocumentRecord(text="y" * (at + 1), tokens=columns)
    aligned = 0
    for _ in range(300):
        start, end = sorted(rng.sample(range(at + 2), 2))
        expected = tokens.range(start, end)
        span = SpanRecord(start, end, "X")
        if expected is None:
            with pytest.raises(InvalidInput, match="not on token boundaries"):
                token_spans(record, columns, [span], 1)
        else:
            assert token_spans(record, columns, [span], 1) == [(*expected, "X")]
            aligned += 1
    assert 10 < aligned < 290  # both kinds were tried


def test_tagged_tokens_are_those_tagged_other_than_o() -> None:
    """``tagged_tokens`` finds the tagged tokens from the spans: the same as reading every
    tag, and the same tags as ``entity_tags``; overlapping spans are refused alike."""
    starts = list(range(0, 60, 3))
    columns = TokenColumns.from_offsets(starts, [s + 2 for s in starts], text_length=60)
    spans = [SpanRecord(3, 5, "A"), SpanRecord(9, 17, "B"), SpanRecord(18, 20, "B")]
    record = DocumentRecord(text="z" * 60, tokens=columns, spans=spans)
    tags, tagged = tagged_tokens(record, columns, 1)
    assert tags == entity_tags(record, columns, 1)
    assert sorted(tagged) == [i for i, tag in enumerate(tags) if tag != "O"] == [1, 3, 4, 5, 6]
    record.spans.append(SpanRecord(12, 14, "C"))
    with pytest.raises(InvalidInput, match="one entity per token"):
        tagged_tokens(record, columns, 1)


def test_tagged_tokens_of_ordered_spans_are_those_of_the_general_path() -> None:
    """Spans in order, apart and on token boundaries are tagged without ``token_spans`` and
    ``spans_to_tags``: the same tags and tagged tokens as those give (``_tagged_any``), and
    any other spans (out of order, overlapping, touching, off the tokens) get what they give,
    tags or the same refusal, on random spans."""
    from textlabel.formats import alignment

    rng = random.Random(7)
    starts = list(range(0, 120, 4))
    columns = TokenColumns.from_offsets(starts, [s + 3 for s in starts], text_length=120)
    on = [(s, e) for s in starts for e in (s + 3, s + 7, s + 11) if e <= 119]
    tagged = 0
    for _ in range(400):
        picked = [SpanRecord(*rng.choice(on), rng.choice("AB")) for _ in range(rng.randint(0, 4))]
        if rng.random() < 0.5:
            picked.sort(key=lambda span: span.start)
        if rng.random() < 0.1:
            picked.append(SpanRecord(1, 3, "C"))  # inside a token
        record = DocumentRecord(text="w" * 120, tokens=columns, spans=picked)
        try:
            expected = alignment._tagged_any(record, columns, 1)
        except InvalidInput as error:
            with pytest.raises(InvalidInput, match=re.escape(str(error))):
                tagged_tokens(record, columns, 1)
            continue
        tagged += 1
        assert tagged_tokens(record, columns, 1) == expected
    assert tagged > 100  # many were tagged, not refused
