"""Span-level agreement between two annotators: exact and overlap F1, per label.

Span F1 between annotators treats one as the key and the other as the response; F1 is
symmetric, so which is which does not matter. Two variants (NLP-NOTES 5.12: an exact
match punishes a one-token boundary difference twice, as a miss and a false alarm):

- exact: same start, end and label;
- overlap: same label and at least one shared character. A span counts as found when
  any span of the other annotator overlaps it, so precision and recall are counted on
  each side separately and one long span may cover two short ones.

Counts come per label in a ``SPAN_COUNT_ROWS`` x labels array so that documents and label
groups pool by addition before any F1 is taken (micro averaging).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from textlabel.agreement.coref import PRF, f1_score
from textlabel.agreement.units import Span, span_array

# rows of the counts array returned by span_counts
N_FIRST, N_SECOND, EXACT, OVERLAP_FIRST, OVERLAP_SECOND = range(5)
SPAN_COUNT_ROWS = 5


def span_counts(
    first: Sequence[Span], second: Sequence[Span], *, codes: Mapping[str, int]
) -> np.ndarray:
    """Per-label counts (rows: see module constants) of two annotators' spans."""
    n_values = max(codes.values(), default=0) + 1
    return match_counts(
        span_array(first, codes=codes), span_array(second, codes=codes), n_values=n_values
    )


def match_counts(first: np.ndarray, second: np.ndarray, *, n_values: int) -> np.ndarray:
    """``span_counts`` of two ``units.span_array`` results (converted once per annotator)."""
    out = np.zeros((SPAN_COUNT_ROWS, n_values), dtype=np.int64)
    a_start, a_end, a_label = first[:, 0], first[:, 1], first[:, 2]
    b_start, b_end, b_label = second[:, 0], second[:, 1], second[:, 2]
    out[N_FIRST] = np.bincount(a_label, minlength=n_values)
    out[N_SECOND] = np.bincount(b_label, minlength=n_values)
    if a_start.size == 0 or b_start.size == 0:
        return out
    overlap = (
        (a_label[:, None] == b_label[None, :])
        & (a_start[:, None] < b_end[None, :])
        & (b_start[None, :] < a_end[:, None])
    )
    exact = overlap & (a_start[:, None] == b_start[None, :]) & (a_end[:, None] == b_end[None, :])
    out[EXACT] = np.bincount(a_label[exact.any(axis=1)], minlength=n_values)
    out[OVERLAP_FIRST] = np.bincount(a_label[overlap.any(axis=1)], minlength=n_values)
    out[OVERLAP_SECOND] = np.bincount(b_label[overlap.any(axis=0)], minlength=n_values)
    return out


def exact_prf(counts: np.ndarray) -> PRF:
    """Exact-match scores of the first annotator taken as key, from (pooled) counts."""
    n_first, n_second, exact = (int(counts[row].sum()) for row in (N_FIRST, N_SECOND, EXACT))
    recall = exact / n_first if n_first else 0.0
    precision = exact / n_second if n_second else 0.0
    return PRF(precision, recall, f1_score(precision, recall))


def overlap_prf(counts: np.ndarray) -> PRF:
    """Overlap-match scores of the first annotator taken as key, from (pooled) counts."""
    n_first, n_second = int(counts[N_FIRST].sum()), int(counts[N_SECOND].sum())
    found_first, found_second = int(counts[OVERLAP_FIRST].sum()), int(counts[OVERLAP_SECOND].sum())
    recall = found_first / n_first if n_first else 0.0
    precision = found_second / n_second if n_second else 0.0
    return PRF(precision, recall, f1_score(precision, recall))


def n_spans(counts: np.ndarray) -> int:
    """How many spans the counts stand on (both annotators together)."""
    return int(counts[N_FIRST].sum() + counts[N_SECOND].sum())


def span_f1(first: Sequence[Span], second: Sequence[Span], *, overlap: bool = False) -> PRF:
    """Span agreement of two annotators on one document (``first`` taken as key)."""
    labels = sorted({span[2] for span in first} | {span[2] for span in second})
    counts = span_counts(first, second, codes={label: i for i, label in enumerate(labels)})
    return overlap_prf(counts) if overlap else exact_prf(counts)
