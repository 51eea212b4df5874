"""Pooling per-document statistics into project totals (micro): sums over one vocabulary.

Documents index their matrices by their own vocabulary (the labels they happen to use), so
pooling first adds up documents that share a vocabulary and then places each group's sum
into the project vocabulary once: with thousands of documents and a handful of distinct
vocabularies this keeps the combination to a few numpy additions per document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from textlabel.agreement.spans import SPAN_COUNT_ROWS
from textlabel.agreement.stats import CorefPairCounts, DocumentStats


@dataclass(slots=True)
class PairTotals:
    """One annotator pair's counts over every document both submitted."""

    confusion: np.ndarray
    spans: np.ndarray
    coref: CorefPairCounts = field(default_factory=CorefPairCounts)
    n_documents: int = 0
    all_outside: int = 0  # tokens of those documents that every annotator left outside


@dataclass(slots=True)
class ProjectTotals:
    """Every pooled count the report is computed from, over the project vocabulary."""

    values: tuple[str, ...]
    coincidence: np.ndarray
    outside: float
    n_units: int
    n_units_labelled: int
    raters: set[int | None]
    pairs: dict[tuple[str, str], PairTotals]
    # annotator-spans / mentions per value, each annotator's counted once per document
    span_totals: np.ndarray
    n_mentions: float


def project_vocabulary(stats: Sequence[DocumentStats], first: Sequence[str]) -> tuple[str, ...]:
    """``first`` in order, then every other value the documents use, sorted."""
    listed = list(dict.fromkeys(first))
    found = {value for doc in stats for value in doc.values} - set(listed)
    return (*listed, *sorted(found))


def pool(stats: Sequence[DocumentStats], values: tuple[str, ...]) -> ProjectTotals:
    """Sum the statistics of the documents with two or more annotators."""
    size = len(values)
    index = {value: i for i, value in enumerate(values)}
    coincidences: dict[tuple[str, ...], np.ndarray] = {}
    confusions: dict[tuple[str, str, tuple[str, ...]], np.ndarray] = {}
    span_arrays: dict[tuple[str, str, tuple[str, ...]], np.ndarray] = {}
    span_totals: dict[tuple[str, ...], np.ndarray] = {}
    pairs: dict[tuple[str, str], PairTotals] = {}
    totals = ProjectTotals(
        values, np.zeros((size, size)), 0.0, 0, 0, set(), pairs, np.zeros((2, size)), 0.0
    )
    for doc in stats:
        if not doc.pairs:
            continue
        totals.outside += doc.outside
        totals.n_units += doc.n_units
        totals.n_units_labelled += doc.n_units_labelled
        totals.raters.add(doc.raters)
        _add(coincidences, doc.values, doc.coincidence)
        share = 1.0 / (len(doc.annotators) - 1)
        for pair in doc.pairs:
            key = (pair.a, pair.b)
            if key not in pairs:
                pairs[key] = PairTotals(np.zeros((size, size)), np.zeros((SPAN_COUNT_ROWS, size)))
            totals_of_pair = pairs[key]
            totals_of_pair.n_documents += 1
            totals_of_pair.all_outside += doc.n_units - doc.n_units_labelled
            _add(confusions, (*key, doc.values), pair.confusion)
            if pair.spans is not None:
                _add(span_arrays, (*key, doc.values), pair.spans)
                _add(span_totals, doc.values, pair.spans[:2] * share)
            if pair.coref is not None:
                totals_of_pair.coref = totals_of_pair.coref + pair.coref
                totals.n_mentions += float(pair.coref.mentions[:2].sum()) * share
    for vocabulary, matrix in coincidences.items():
        _embed(totals.coincidence, matrix, vocabulary, index)
    for (a, b, vocabulary), matrix in confusions.items():
        _embed(pairs[(a, b)].confusion, matrix, vocabulary, index)
    for (a, b, vocabulary), array in span_arrays.items():
        pairs[(a, b)].spans[:, [index[v] for v in vocabulary]] += array
    for vocabulary, array in span_totals.items():
        totals.span_totals[:, [index[v] for v in vocabulary]] += array
    return totals


def _add(groups: dict[Any, np.ndarray], key: Any, array: np.ndarray) -> None:
    if key in groups:
        groups[key] += array
    else:
        groups[key] = np.array(array, dtype=np.float64)


def _embed(
    target: np.ndarray, matrix: np.ndarray, vocabulary: tuple[str, ...], index: dict[str, int]
) -> None:
    if matrix.size == 0:
        return
    positions = [index[value] for value in vocabulary]
    target[np.ix_(positions, positions)] += matrix
