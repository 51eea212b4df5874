"""The one token model: stored form, offsets to tokens, snapping, splitting. Pure, no app."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textlabel.errors import InvalidInput
from textlabel.records import TokenRecord
from textlabel.tokens import Tokens

TEXT = "Ada met Babbage. They wrote notes."


def regex_tokens(text: str, sent_starts: list[int] | None = None) -> Tokens:
    """Word-and-punctuation tokens found by a regex, independent of spaCy."""
    records = [
        TokenRecord(m.start(), m.end(), text[m.end() : m.end() + 1].isspace())
        for m in re.finditer(r"\w+|[^\w\s]", text)
    ]
    return Tokens.from_records(records, sent_starts, text_length=len(text))


def test_stored_form_round_trips_with_its_flags() -> None:
    tokens = regex_tokens(TEXT, [0, 4])
    stored = tokens.to_stored()
    assert stored == {"offsets": [0, 3, 4, 7, 8, 15, 15, 16, 17, 21, 22, 27, 28, 33, 33, 34],
                      "sent_starts": [0, 4]}  # fmt: skip
    assert Tokens.from_stored(stored, text_length=len(TEXT)) == tokens
    flagged = Tokens([0], [3], [0], 4, last_ws=True, sents_guessed=True)
    assert Tokens.from_stored(flagged.to_stored(), text_length=4) == flagged


def test_records_know_the_whitespace_after_each_token() -> None:
    tokens = regex_tokens(TEXT)
    assert [r.ws for r in tokens.records()][:4] == [True, True, False, True]
    assert tokens.records()[-1].ws is False  # "." ends the text
    assert Tokens([0], [3], [0], 3, last_ws=True).records()[-1].ws is True


@settings(max_examples=300, deadline=None)
@given(
    words=st.lists(st.text("ab.", min_size=1, max_size=4), min_size=1, max_size=10),
    data=st.data(),
)
def test_range_is_exact_boundaries_only(words, data) -> None:
    text = " ".join(words)
    tokens = regex_tokens(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(0, len(text)))
    pairs = tokens.pairs()
    firsts = [i for i, (s, _) in enumerate(pairs) if s == start]
    lasts = [i for i, (_, e) in enumerate(pairs) if e == end]
    expected = (firsts[0], lasts[0] + 1) if firsts and lasts and lasts[0] >= firsts[0] else None
    assert tokens.range(start, end) == expected


def test_snap_error_details_are_made_only_on_error() -> None:
    tokens = regex_tokens(TEXT)
    made = []
    assert tokens.snap(1, 5, details=lambda: made.append(1)) == (0, 7, 0, 2)
    assert made == []
    with pytest.raises(InvalidInput, match="covers no token") as info:
        tokens.snap(3, 4, details=lambda: {"where": "here"})
    assert info.value.details == {"where": "here"}


def test_split_at_cuts_tokens_and_keeps_sentence_starts_on_their_tokens() -> None:
    tokens = regex_tokens(TEXT, [0, 4])  # "They" starts the second sentence
    split = tokens.split_at([1, 10, 19])  # inside "Ada", "Babbage", "They"
    assert [TEXT[s:e] for s, e in split.pairs()][:7] == ["A", "da", "met", "Ba", "bbage", ".", "Th"]
    assert [TEXT[split.starts[i] : split.ends[i]] for i in split.sent_starts] == ["A", "Th"]
    assert tokens.split_at([]) is tokens
    assert tokens.split_at([0, 3, 4]) == tokens  # cuts on boundaries change nothing
