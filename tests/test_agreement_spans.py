"""Span F1 (exact and overlap) and the spans-to-token-codes mapping."""

from __future__ import annotations

import random

import numpy as np
import pytest

from textlabel.agreement.spans import span_counts, span_f1
from textlabel.agreement.units import check_spans, token_bounds, token_codes
from textlabel.errors import InvalidInput

# NLP-NOTES 5.11: 200 one-character tokens, two coders, end exclusive
NOTES_A = [
    (3, 5, "PER"), (10, 11, "ORG"), (20, 23, "LOC"), (40, 41, "PER"),
    (60, 62, "ORG"), (90, 91, "PER"), (120, 123, "ORG"), (150, 151, "LOC"),
]  # fmt: skip
NOTES_B = [
    (3, 5, "PER"), (10, 11, "PER"), (21, 23, "LOC"), (40, 41, "PER"),
    (60, 62, "ORG"), (95, 96, "PER"), (120, 123, "ORG"), (170, 171, "LOC"),
]  # fmt: skip


def test_worked_example_of_the_notes() -> None:
    exact = span_f1(NOTES_A, NOTES_B)
    assert (exact.precision, exact.recall, exact.f1) == (0.5, 0.5, 0.5)
    assert span_f1(NOTES_A, NOTES_B, overlap=True).f1 == 0.625


def _brute_force(first, second, *, overlap: bool) -> tuple[float, float]:
    """Set comprehension reference: (precision, recall) with ``first`` as the key."""
    first, second = set(first), set(second)

    def found(span, others):
        if not overlap:
            return span in others
        return any(o[2] == span[2] and o[0] < span[1] and span[0] < o[1] for o in others)

    recall = sum(found(s, second) for s in first) / len(first) if first else 0.0
    precision = sum(found(s, first) for s in second) / len(second) if second else 0.0
    return precision, recall


def _random_spans(rng: random.Random) -> list[tuple[int, int, str]]:
    spans = []
    for _ in range(rng.randrange(0, 12)):
        start = rng.randrange(0, 40)
        spans.append((start, start + rng.randint(1, 6), rng.choice("ABC")))
    return spans


@pytest.mark.parametrize("seed", range(60))
@pytest.mark.parametrize("overlap", [False, True])
def test_matches_brute_force_on_random_spans(seed: int, overlap: bool) -> None:
    rng = random.Random(seed)
    first, second = _random_spans(rng), _random_spans(rng)
    result = span_f1(first, second, overlap=overlap)
    precision, recall = _brute_force(first, second, overlap=overlap)
    assert result.precision == pytest.approx(precision, abs=1e-12)
    assert result.recall == pytest.approx(recall, abs=1e-12)
    swapped = span_f1(second, first, overlap=overlap)
    assert swapped.f1 == pytest.approx(result.f1, abs=1e-12)


@pytest.mark.parametrize(
    ("first", "second", "exact_f1", "overlap_f1"),
    [
        pytest.param([], [], 0.0, 0.0, id="no spans at all"),
        pytest.param([(0, 4, "A")], [], 0.0, 0.0, id="one side empty"),
        pytest.param([(0, 4, "A")], [(0, 4, "B")], 0.0, 0.0, id="label swap"),
        pytest.param([(0, 4, "A")], [(0, 5, "A")], 0.0, 1.0, id="boundary shift"),
        pytest.param([(0, 4, "A")], [(4, 8, "A")], 0.0, 0.0, id="touching is not overlapping"),
        pytest.param([(0, 4, "A"), (0, 4, "A")], [(0, 4, "A")], 1.0, 1.0, id="duplicate"),
        pytest.param([(0, 10, "A")], [(0, 3, "A"), (5, 9, "A")], 0.0, 1.0, id="one covers two"),
    ],
)
def test_hand_made_cases(first, second, exact_f1: float, overlap_f1: float) -> None:
    assert span_f1(first, second).f1 == exact_f1
    assert span_f1(first, second, overlap=True).f1 == overlap_f1


def test_counts_are_per_label() -> None:
    codes = {"O": 0, "PER": 1, "ORG": 2, "LOC": 3}
    counts = span_counts(NOTES_A, NOTES_B, codes=codes)
    # rows: n first, n second, exact, overlap first, overlap second; columns: codes
    assert counts[:, codes["PER"]].tolist() == [3, 4, 2, 2, 2]
    assert counts[:, codes["LOC"]].tolist() == [2, 2, 0, 1, 1]
    assert counts[:, codes["O"]].tolist() == [0, 0, 0, 0, 0]


TOKENS = [(0, 3), (4, 9), (10, 12), (12, 13), (14, 20)]  # "The quick br. fox..."
CODES = {"O": 0, "A": 1, "B": 2}


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        pytest.param([], [0, 0, 0, 0, 0], id="no spans"),
        pytest.param([(4, 13, "A")], [0, 1, 1, 1, 0], id="snapped span"),
        pytest.param([(5, 11, "A")], [0, 1, 1, 0, 0], id="unsnapped: overlap counts"),
        pytest.param([(3, 4, "A")], [0, 0, 0, 0, 0], id="whitespace only"),
        pytest.param([(0, 20, "A"), (4, 9, "B")], [1, 1, 1, 1, 1], id="nested: outer wins"),
        pytest.param([(4, 9, "B"), (0, 20, "A")], [1, 1, 1, 1, 1], id="order does not matter"),
        pytest.param([(0, 9, "A"), (4, 13, "B")], [1, 1, 2, 2, 0], id="crossing: first wins"),
        pytest.param([(14, 99, "B")], [0, 0, 0, 0, 2], id="past the end"),
        pytest.param([(0, 3, "B"), (0, 3, "A")], [1, 0, 0, 0, 0], id="same offsets: A first"),
        pytest.param([(0, 3, "A"), (0, 3, "B")], [1, 0, 0, 0, 0], id="same offsets, reordered"),
    ],
)
def test_token_codes(spans, expected: list[int]) -> None:
    starts, ends = token_bounds(TOKENS)
    assert token_codes(starts, ends, spans, codes=CODES).tolist() == expected


def test_token_codes_against_a_per_token_loop() -> None:
    rng = random.Random(4)
    tokens, offset = [], 0
    for _ in range(60):
        length = rng.randint(1, 6)
        tokens.append((offset, offset + length))
        offset += length + rng.randint(0, 1)
    spans = []
    position = 0
    while position < 55:  # non-overlapping, token-snapped, as the server stores them
        length = rng.randint(1, 3)
        spans.append((tokens[position][0], tokens[position + length - 1][1], rng.choice("AB")))
        position += length + rng.randint(0, 4)
    expected = [
        next((CODES[label] for s, e, label in spans if s <= start and end <= e), 0)
        for start, end in tokens
    ]
    starts, ends = token_bounds(tokens)
    assert token_codes(starts, ends, spans, codes=CODES).tolist() == expected
    assert np.count_nonzero(expected) > 10


@pytest.mark.parametrize("span", [(5, 5, "A"), (6, 2, "A"), (-1, 3, "A")])
def test_bad_offsets_are_rejected_with_where(span) -> None:
    with pytest.raises(InvalidInput, match=r"document 7, annotator 'ann'.*start < end"):
        check_spans([span], where="document 7, annotator 'ann'")
