"""Agreement on span categories (spans that may overlap and nest): exact and overlap F1.

One annotator is the key, the other the response; both F1s are symmetric. Each annotator's
spans are a set of (start, end, label): the same span twice counts once.

- exact: a span matches when the other annotator has the same start, end and label;
- overlap: spans are matched one to one. Identical spans are paired first; then, among the
  remaining pairs with the same label and at least one shared character, the pair sharing
  the most characters is matched, its two spans leave, and so on (ties: earlier key span,
  then earlier response span). Precision is matched / the response's spans, recall matched /
  the key's. Unlike the entity layer's overlap F1 (where one long span may "find" two short
  ones), one span is never counted twice, which matters when spans nest: a long span and
  the short one inside it are two statements, not one.

Counts come in the ``spans.SPAN_COUNT_ROWS`` x labels layout (``OVERLAP_FIRST`` and
``OVERLAP_SECOND`` both hold the matched pairs) so that ``spans.exact_prf`` /
``spans.overlap_prf`` and the project pooling work on them unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from textlabel.agreement.spans import (
    EXACT,
    N_FIRST,
    N_SECOND,
    OVERLAP_FIRST,
    OVERLAP_SECOND,
    SPAN_COUNT_ROWS,
)
from textlabel.agreement.units import Span


def spancat_counts(
    first: Sequence[Span], second: Sequence[Span], *, codes: Mapping[str, int]
) -> np.ndarray:
    """Per-label counts of two annotators' span categories (rows: ``spans`` constants).

    Args:
        first: the key's spans, (start, end, label).
        second: the response's spans.
        codes: each label's column.
    """
    n_values = max(codes.values(), default=-1) + 1
    out = np.zeros((SPAN_COUNT_ROWS, n_values), dtype=np.int64)
    a = {(int(s), int(e), label) for s, e, label in first}
    b = {(int(s), int(e), label) for s, e, label in second}
    for span in a:
        out[N_FIRST, codes[span[2]]] += 1
    for span in b:
        out[N_SECOND, codes[span[2]]] += 1
    exact = a & b
    for span in exact:
        out[EXACT, codes[span[2]]] += 1
    for label, matched in _overlap_matches(a - exact, b - exact).items():
        out[OVERLAP_FIRST, codes[label]] += matched
    out[OVERLAP_SECOND] = out[OVERLAP_FIRST] = out[OVERLAP_FIRST] + out[EXACT]
    return out


def _overlap_matches(a: set[Span], b: set[Span]) -> dict[str, int]:
    """Greedy one-to-one matching by shared characters, per label: matched pairs by label."""
    candidates = [
        (min(x[1], y[1]) - max(x[0], y[0]), x, y)
        for x in a
        for y in b
        if x[2] == y[2] and x[0] < y[1] and y[0] < x[1]
    ]
    # most shared characters first; ties by the key span's, then the response span's position
    candidates.sort(key=lambda c: (-c[0], c[1], c[2]))
    used_a: set[Span] = set()
    used_b: set[Span] = set()
    out: dict[str, int] = {}
    for _, x, y in candidates:
        if x in used_a or y in used_b:
            continue
        used_a.add(x)
        used_b.add(y)
        out[x[2]] = out.get(x[2], 0) + 1
    return out
