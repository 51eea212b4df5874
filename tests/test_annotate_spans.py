"""Span snapping, label, overlap, chain and POS checks: pure, no app."""

from __future__ import annotations

import re
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textlabel.annotate.checks import UNIVERSAL_POS, check_pos, snap_chains, snap_entities
from textlabel.errors import InvalidInput
from textlabel.records import MentionRecord, SpanRecord
from textlabel.tokens import Tokens

TEXT = "Ada Lovelace met Charles Babbage in London."


def tokens_of(text: str) -> Tokens:
    """Whitespace-and-punctuation tokens found by a regex, independent of spaCy."""
    offsets: list[int] = []
    for match in re.finditer(r"\w+|[^\w\s]", text):
        offsets += [match.start(), match.end()]
    return Tokens.from_stored({"offsets": offsets}, text_length=len(text))


def entities(spans: list[dict]) -> list[SpanRecord]:
    return [SpanRecord(s["start"], s["end"], s["label"]) for s in spans]


def chains_of(chains: list[list[dict]]) -> list[list[MentionRecord]]:
    return [[MentionRecord(m["start"], m["end"]) for m in chain] for chain in chains]


TOKENS = tokens_of(TEXT)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 12, (0, 12, 0, 2)),  # exact
        (1, 5, (0, 12, 0, 2)),  # inside two tokens: widened to both
        (3, 5, (4, 12, 1, 2)),  # the space before "Lovelace" plus "L": only Lovelace
        (36, 43, (36, 43, 6, 8)),  # "London." -> London + "."
        (0, 43, (0, 43, 0, 8)),
    ],
)
def test_snap_widens_to_touched_tokens(start, end, expected) -> None:
    span = TOKENS.snap(start, end)
    assert (span.start, span.end, span.first, span.last) == expected
    assert TEXT[span.start : span.end].strip() == TEXT[span.start : span.end]


@pytest.mark.parametrize(
    ("start", "end", "reason"),
    [
        (-1, 3, "outside"),
        (40, 44, "outside"),
        (5, 5, "empty"),
        (6, 2, "empty"),
        (12, 13, "covers no token"),  # the space between "Lovelace" and "met"
    ],
)
def test_snap_refuses(start, end, reason) -> None:
    with pytest.raises(InvalidInput, match=reason) as info:
        TOKENS.snap(start, end)
    assert info.value.details["span"]["start"] == start


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text("ab", min_size=1, max_size=4), min_size=1, max_size=12),
    gaps=st.lists(st.sampled_from([" ", "  ", "\n"]), min_size=12, max_size=12),
    data=st.data(),
)
def test_snap_matches_brute_force(words, gaps, data) -> None:
    text = "".join(w + g for w, g in zip(words, gaps, strict=False))
    tokens = tokens_of(text)
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    touched = [i for i in range(len(tokens)) if tokens.starts[i] < end and start < tokens.ends[i]]
    if not touched:
        with pytest.raises(InvalidInput):
            tokens.snap(start, end)
        return
    span = tokens.snap(start, end)
    assert (span.first, span.last) == (touched[0], touched[-1] + 1)
    assert (span.start, span.end) == (tokens.starts[touched[0]], tokens.ends[touched[-1]])


def test_entities_sorted_and_labels_checked() -> None:
    spans = [
        {"start": 17, "end": 32, "label": "PER"},
        {"start": 0, "end": 12, "label": "PER"},
        {"start": 36, "end": 42, "label": "LOC"},
    ]
    result = snap_entities(TOKENS, entities(spans), labels=["PER", "LOC"])
    assert [TEXT[s.start : s.end] for s in result] == ["Ada Lovelace", "Charles Babbage", "London"]
    with pytest.raises(InvalidInput, match="unknown label 'LOC'") as info:
        snap_entities(TOKENS, entities(spans), labels=["PER"])
    assert info.value.details["index"] == 2
    assert info.value.details["span"] == spans[2]


@pytest.mark.parametrize(
    ("second", "overlaps"),
    [
        ({"start": 4, "end": 16, "label": "ORG"}, True),  # shares "Lovelace"
        ({"start": 2, "end": 3, "label": "ORG"}, True),  # inside "Ada" after snapping
        ({"start": 0, "end": 12, "label": "PER"}, True),  # exact duplicate
        ({"start": 13, "end": 16, "label": "ORG"}, False),  # "met": adjacent
        ({"start": 11, "end": 14, "label": "ORG"}, True),  # snaps onto "Lovelace met"
    ],
)
def test_overlapping_entities_are_refused_with_both_spans(second, overlaps) -> None:
    first = {"start": 0, "end": 12, "label": "PER"}
    if not overlaps:
        assert len(snap_entities(TOKENS, entities([first, second]), labels=["PER", "ORG"])) == 2
        return
    with pytest.raises(InvalidInput, match="overlaps") as info:
        snap_entities(TOKENS, entities([first, second]), labels=["PER", "ORG"])
    assert {info.value.details["index"]} <= {0, 1}
    assert {repr(info.value.details["span"]), repr(info.value.details["overlaps"])} == {
        repr(first),
        repr(second),
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(1, 4)), max_size=6))
def test_overlap_check_matches_pairwise_brute_force(ranges) -> None:
    spans = []
    for first, length in ranges:
        last = min(first + length, len(TOKENS)) - 1
        spans.append({"start": TOKENS.starts[first], "end": TOKENS.ends[last], "label": "X"})
    clash = any(a["start"] < b["end"] and b["start"] < a["end"] for a, b in combinations(spans, 2))
    if clash:
        with pytest.raises(InvalidInput, match="overlaps"):
            snap_entities(TOKENS, entities(spans), labels=["X"])
    else:
        assert len(snap_entities(TOKENS, entities(spans), labels=["X"])) == len(spans)


def test_chains_snap_allow_nesting_and_refuse_a_mention_in_two_chains() -> None:
    text = "Ada saw her mother. She smiled."
    tokens = tokens_of(text)
    chains = [
        [{"start": 0, "end": 3}, {"start": 8, "end": 11}, {"start": 20, "end": 23}],
        [{"start": 8, "end": 18}],  # "her mother" contains "her": nesting is fine
        [],
    ]
    result = snap_chains(tokens, chains_of(chains))
    assert [[text[m.start : m.end] for m in chain] for chain in result] == [
        ["Ada", "her", "She"],
        ["her mother"],
    ]
    with pytest.raises(InvalidInput, match="appears twice") as info:
        snap_chains(tokens, chains_of([[{"start": 0, "end": 3}], [{"start": 1, "end": 2}]]))
    assert info.value.details["chain"] == 1


def test_pos_tags_must_align_and_be_universal() -> None:
    tags = [None] * len(TOKENS)
    tags[2] = "VERB"
    assert check_pos(tags, n_tokens=len(TOKENS)) == tags
    with pytest.raises(InvalidInput, match="has 8 tokens"):
        check_pos(tags[:-1], n_tokens=len(TOKENS))
    tags[3] = "NN"
    with pytest.raises(InvalidInput, match="token 3: 'NN'"):
        check_pos(tags, n_tokens=len(TOKENS))
    assert len(UNIVERSAL_POS) == 17
