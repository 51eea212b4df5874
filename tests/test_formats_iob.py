"""IOB1 / IOB2 / BILUO decoding and encoding, checked against spaCy's own converters."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.training.iob_utils import biluo_to_iob, iob_to_biluo, tags_to_entities

from textlabel.formats.iob import TagError, detect_scheme, parse_tag, spans_to_tags, tags_to_spans


def spacy_spans(iob_tags: list[str]) -> list[tuple[int, int, str]]:
    """spaCy's reading of an IOB sequence, as (start, end exclusive, label)."""
    return sorted(
        (start, end + 1, label) for label, start, end in tags_to_entities(iob_to_biluo(iob_tags))
    )


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (["O", "O"], []),
        (["B-PER", "I-PER", "O"], [(0, 2, "PER")]),
        (["I-PER", "I-PER", "O", "I-LOC"], [(0, 2, "PER"), (3, 4, "LOC")]),  # IOB1
        (["I-PER", "B-PER", "I-PER"], [(0, 1, "PER"), (1, 3, "PER")]),  # IOB1 adjacency
        (["B-PER", "I-ORG"], [(0, 1, "PER"), (1, 2, "ORG")]),
        (["B-creative-work", "I-creative-work"], [(0, 2, "creative-work")]),
        (["U-PER", "B-LOC", "I-LOC", "L-LOC", "O"], [(0, 1, "PER"), (1, 4, "LOC")]),
        (["S-PER", "B-LOC", "E-LOC"], [(0, 1, "PER"), (1, 3, "LOC")]),  # BIOES
        ([], []),
    ],
)
def test_tags_to_spans_table(tags: list[str], expected: list[tuple[int, int, str]]) -> None:
    assert tags_to_spans(tags) == expected


@pytest.mark.parametrize(
    ("tags", "scheme", "index", "fragment"),
    [
        (["O", "SOCCERO"], "auto", 1, "is not an entity tag"),
        (["B-corporation,B-group"], "auto", 0, "holds 2 labels"),
        (["X-PER"], "auto", 0, "is not an entity tag"),
        (["B-"], "auto", 0, "is not an entity tag"),
        (["O", "I-PER"], "iob2", 1, "does not continue"),
        (["B-PER", "O"], "biluo", 1, "before it was closed"),
        (["B-PER", "L-ORG"], "biluo", 1, "does not continue"),
        (["B-PER", "I-PER"], "biluo", 1, "not closed"),
        (["L-PER"], "biluo", 0, "does not continue"),
        (["U-PER"], "iob1", 0, "BILUO tag in an IOB sequence"),
    ],
)
def test_invalid_sequences_name_the_token(tags, scheme, index, fragment) -> None:
    with pytest.raises(TagError) as caught:
        tags_to_spans(tags, scheme=scheme)
    assert caught.value.index == index
    assert fragment in str(caught.value)


def test_parse_tag_normalizes_bioes() -> None:
    assert parse_tag("E-PER") == ("L", "PER")
    assert parse_tag("S-PER") == ("U", "PER")
    assert parse_tag("O") == ("O", None)


def test_detect_scheme() -> None:
    assert detect_scheme(["B-X", "I-X", "O"]) == "iob1"
    assert detect_scheme(["B-X", "L-X", "O"]) == "biluo"


def test_overlapping_spans_cannot_be_tags() -> None:
    with pytest.raises(TagError, match="overlaps"):
        spans_to_tags([(0, 2, "A"), (1, 3, "B")], 4)


@st.composite
def token_spans(draw: st.DrawFn) -> tuple[int, list[tuple[int, int, str]]]:
    length = draw(st.integers(0, 25))
    cuts = sorted(draw(st.sets(st.integers(0, length), max_size=12)))
    labels = st.sampled_from(["PER", "ORG", "creative-work"])
    spans = [
        (start, end, draw(labels))
        for start, end in zip(cuts[::2], cuts[1::2], strict=False)
        if start < end
    ]
    return length, spans


@settings(max_examples=100, deadline=None)
@given(token_spans())
def test_every_scheme_round_trips_and_agrees_with_spacy(case) -> None:
    length, spans = case
    iob2 = spans_to_tags(spans, length, scheme="iob2")
    iob1 = spans_to_tags(spans, length, scheme="iob1")
    biluo = spans_to_tags(spans, length, scheme="biluo")
    assert tags_to_spans(iob2, scheme="iob2") == spans
    assert tags_to_spans(iob1) == spans
    assert tags_to_spans(biluo) == spans
    # spaCy's converters are the independent reading.
    assert spacy_spans(iob2) == spans
    assert spacy_spans(iob1) == spans
    assert iob_to_biluo(iob2) == biluo
    assert biluo_to_iob(biluo) == iob2
