"""Cutting a document into windows of sentences and marking entities: pure, no app."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textlabel.annotate.view import Mark, window_view, windows
from textlabel.tokens import Tokens


@settings(max_examples=300, deadline=None)
@given(
    lengths=st.lists(st.integers(1, 30), min_size=1, max_size=40),
    size=st.integers(1, 50),
)
def test_windows_cover_everything_once_and_cut_only_long_sentences(lengths, size) -> None:
    sent_starts = [sum(lengths[:i]) for i in range(len(lengths))]
    n = sum(lengths)
    bounds = windows(sent_starts, n, size=size)
    assert bounds[0] == 0 and bounds == sorted(set(bounds)) and bounds[-1] < n
    sizes = [b - a for a, b in zip(bounds, [*bounds[1:], n], strict=True)]
    assert all(0 < s <= size for s in sizes)
    for bound in bounds[1:]:
        if bound not in sent_starts:  # a cut inside a sentence only when it is too long
            sentence = max(s for s in sent_starts if s < bound)
            following = min([s for s in sent_starts if s > sentence] + [n])
            assert following - sentence > size
    # Greedy: a window never stops before a sentence that would still have fit.
    for a, b in zip(bounds, bounds[1:], strict=False):
        next_end = min([s for s in sent_starts if s > b] + [n])
        assert next_end - a > size or b not in sent_starts


TEXT = "Ada Lovelace met Babbage.\n\nShe wrote notes. They matter."


def _tokens() -> Tokens:
    offsets = []
    for m in re.finditer(r"\w+|[^\w\s]", TEXT):
        offsets += [m.start(), m.end()]
    return Tokens.from_stored({"offsets": offsets, "sent_starts": [0, 5, 9]}, text_length=len(TEXT))


def test_window_view_marks_entities_keeps_whitespace_and_pages() -> None:
    tokens = _tokens()
    ada = Mark(0, 2, "PER")
    pages = [[0, 26], [27, len(TEXT)]]
    view = window_view(TEXT, tokens, [ada], number=0, pages=pages, size=100)
    assert (view.count, view.first, view.last) == (1, 0, len(tokens))
    assert [[t.text for t in s] for s in view.sentences] == [
        ["Ada", "Lovelace", "met", "Babbage", "."],
        ["She", "wrote", "notes", "."],
        ["They", "matter", "."],
    ]
    rebuilt = "".join(t.text + t.ws for s in view.sentences for t in s)
    assert rebuilt == TEXT.replace("\n\n", "").replace(". ", ".")  # sentence ends drop the gap
    first = view.sentences[0]
    assert [(t.label, t.begin, t.end) for t in first[:3]] == [
        ("PER", True, False),
        ("PER", False, True),
        (None, False, False),
    ]
    assert [t.page for s in view.sentences for t in s if t.page] == [1, 2]
    assert view.sentences[1][0].page == 2


@pytest.mark.parametrize(
    ("number", "first", "last"), [(0, 0, 5), (1, 5, 9), (2, 9, 12), (9, 9, 12)]
)
def test_window_view_pages_through_sentences(number, first, last) -> None:
    tokens = _tokens()
    view = window_view(TEXT, tokens, [], number=number, size=5)
    assert (view.first, view.last, view.count) == (first, last, 3)
    assert sum(len(s) for s in view.sentences) == last - first
