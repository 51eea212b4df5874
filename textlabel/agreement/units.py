"""Character-offset spans to per-token codes: the units of token-level entity agreement.

Every token of a document is one unit; its value for an annotator is the label of the
entity span covering it, or "O" (code 0) when none does, so "O" is a category like any
other (IOB prefixes are dropped: B-PER and I-PER are both PER). Spans are matched to
tokens by character overlap, which equals containment for the token-snapped spans the
server stores and still does something sensible for spans that are not snapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from textlabel.errors import InvalidInput

OUTSIDE = "O"

Span = tuple[int, int, str]


def token_bounds(tokens: Sequence[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Start and end character offsets of the tokens as two int arrays."""
    if not tokens:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    bounds = np.asarray(tokens, dtype=np.int64)
    return bounds[:, 0], bounds[:, 1]


def token_codes(
    starts: np.ndarray,
    ends: np.ndarray,
    spans: Sequence[Span],
    *,
    codes: Mapping[str, int],
) -> np.ndarray:
    """The code of each token: ``codes[label]`` of the span covering it, 0 (= "O") if none.

    When one annotator's spans overlap (nested entities), the span that starts first
    wins, and among those the longest: the outermost entity, as in flat NER formats.
    """
    out = np.zeros(starts.shape[0], dtype=np.int64)
    if not spans or out.size == 0:
        return out
    ordered = sorted(spans, key=lambda span: (span[0], -span[1]))
    span_starts = np.fromiter((span[0] for span in ordered), dtype=np.int64, count=len(ordered))
    span_ends = np.fromiter((span[1] for span in ordered), dtype=np.int64, count=len(ordered))
    # first token ending after the span starts; first token starting at or after its end
    first = np.searchsorted(ends, span_starts, side="right")
    stop = np.searchsorted(starts, span_ends, side="left")
    # painted in reverse so the outermost span is painted last and wins
    for index in range(len(ordered) - 1, -1, -1):
        out[first[index] : stop[index]] = codes[ordered[index][2]]
    return out


def check_spans(spans: Sequence[Span], *, where: str) -> None:
    """Reject spans whose offsets cannot be right, naming the document and annotator."""
    for start, end, label in spans:
        if not 0 <= start < end:
            raise InvalidInput(f"{where}: span ({start}, {end}, {label!r}) needs 0 <= start < end")
