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


def span_array(
    spans: Sequence[Span], *, codes: Mapping[str, int], where: str = "spans"
) -> np.ndarray:
    """Spans as an (n, 3) int array of start, end, label code: deduplicated, outermost first.

    Sorted by start, then longest first, then label code. A span with impossible offsets raises
    ``InvalidInput`` naming ``where`` (e.g. the document and annotator).
    """
    # spans may arrive as JSON lists, so they are made hashable before deduplication
    unique = {(int(start), int(end), label) for start, end, label in spans}
    rows = [(start, end, codes[label]) for start, end, label in unique]
    array = np.array(rows, dtype=np.int64).reshape(len(rows), 3)
    bad = (array[:, 0] < 0) | (array[:, 0] >= array[:, 1])
    if bad.any():
        start, end, _ = array[np.argmax(bad)]
        raise InvalidInput(f"{where}: span ({start}, {end}) needs 0 <= start < end")
    # the label code breaks ties so that the order never depends on set iteration
    return array[np.lexsort((array[:, 2], -array[:, 1], array[:, 0]))]


def token_codes(
    starts: np.ndarray,
    ends: np.ndarray,
    spans: Sequence[Span] | np.ndarray,
    *,
    codes: Mapping[str, int],
) -> np.ndarray:
    """The code of each token: ``codes[label]`` of the span covering it, 0 (= "O") if none.

    ``spans`` may also be a ``span_array``. When one annotator's spans overlap (nested
    entities), the span that starts first wins, and among those the longest: the
    outermost entity, as in flat NER formats.
    """
    array = spans if isinstance(spans, np.ndarray) else span_array(spans, codes=codes)
    out = np.zeros(starts.shape[0], dtype=np.int64)
    if array.shape[0] == 0 or out.size == 0:
        return out
    # first token ending after the span starts; first token starting at or after its end
    first = np.searchsorted(ends, array[:, 0], side="right")
    stop = np.maximum(np.searchsorted(starts, array[:, 1], side="left"), first)
    if (array[1:, 0] >= array[:-1, 1]).all():
        # disjoint spans (the usual case): paint every covered token in one assignment
        lengths = stop - first
        run_starts = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum())) + np.repeat(first - run_starts, lengths)
        out[positions] = np.repeat(array[:, 2], lengths)
        return out
    # painted in reverse so the outermost span is painted last and wins
    for index in range(array.shape[0] - 1, -1, -1):
        out[first[index] : stop[index]] = array[index, 2]
    return out


def check_spans(spans: Sequence[Span], *, where: str) -> None:
    """Reject spans whose offsets cannot be right, naming the document and annotator."""
    span_array(spans, codes={span[2]: 0 for span in spans}, where=where)
