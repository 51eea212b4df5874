"""Coreference scores between two partitions of mentions: MUC, B-cubed, CEAF-e and CoNLL F1.

The formulas follow Pradhan et al. (2014), "Scoring coreference partitions of predicted
mentions: a reference implementation", so mentions present in only one partition count
against recall or precision instead of being dropped. Each score is first computed as
counts (numerators and denominators) because the CoNLL scorer pools a corpus by summing
counts over documents, not by averaging per-document scores; ``*_counts`` functions give
those counts and ``Counts.prf()`` turns a sum of them into precision, recall and F1.

A mention is any hashable value, e.g. a ``(start, end)`` character-offset tuple.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

from textlabel.errors import InvalidInput

Clusters = Sequence[Sequence[Hashable]]


@dataclass(frozen=True, slots=True)
class PRF:
    """Precision, recall and their harmonic mean; every value is 0.0 when undefined."""

    precision: float
    recall: float
    f1: float


@dataclass(frozen=True, slots=True)
class Counts:
    """The fractions behind a PRF, kept apart so documents pool by addition (micro)."""

    recall_num: float = 0.0
    recall_den: float = 0.0
    precision_num: float = 0.0
    precision_den: float = 0.0

    def __add__(self, other: Counts) -> Counts:
        return Counts(
            self.recall_num + other.recall_num,
            self.recall_den + other.recall_den,
            self.precision_num + other.precision_num,
            self.precision_den + other.precision_den,
        )

    def prf(self) -> PRF:
        """The reference scorer's convention: a zero denominator gives 0, not an error."""
        recall = self.recall_num / self.recall_den if self.recall_den else 0.0
        precision = self.precision_num / self.precision_den if self.precision_den else 0.0
        return PRF(precision, recall, f1_score(precision, recall))


def f1_score(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall, 0.0 when both are 0."""
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def muc(key: Clusters, response: Clusters) -> PRF:
    """MUC (Vilain et al. 1995): links needed to rebuild each cluster from the other side."""
    return muc_counts(key, response).prf()


def b_cubed(key: Clusters, response: Clusters) -> PRF:
    """B-cubed (Bagga & Baldwin 1998): per-mention overlap of the clusters holding it."""
    return b_cubed_counts(key, response).prf()


def ceaf_e(key: Clusters, response: Clusters) -> PRF:
    """Entity-based CEAF (Luo 2005): best one-to-one cluster alignment, Dice similarity."""
    return ceaf_e_counts(key, response).prf()


def conll_f1(key: Clusters, response: Clusters) -> float:
    """The CoNLL-2012 score: the unweighted mean of the MUC, B-cubed and CEAF-e F1."""
    return conll_f1_of(muc(key, response), b_cubed(key, response), ceaf_e(key, response))


def conll_f1_of(muc_prf: PRF, b_cubed_prf: PRF, ceaf_e_prf: PRF) -> float:
    """CoNLL F1 from already computed scores (e.g. pooled over documents)."""
    return (muc_prf.f1 + b_cubed_prf.f1 + ceaf_e_prf.f1) / 3


def mention_f1(n_first: int, n_second: int, common: int) -> float | None:
    """Dice agreement on mentions (same offsets), whatever their clusters; None without any."""
    return 2 * common / (n_first + n_second) if n_first + n_second else None


def muc_counts(key: Clusters, response: Clusters) -> Counts:
    """MUC numerators and denominators for one document."""
    key_sets, response_sets = as_partition(key, side="key"), as_partition(response, side="response")
    recall_num, recall_den = _muc_side(key_sets, response_sets)
    precision_num, precision_den = _muc_side(response_sets, key_sets)
    return Counts(recall_num, recall_den, precision_num, precision_den)


def b_cubed_counts(key: Clusters, response: Clusters) -> Counts:
    """B-cubed numerators (sums of per-mention scores) and denominators (mention counts)."""
    key_sets, response_sets = as_partition(key, side="key"), as_partition(response, side="response")
    recall_num = _b_cubed_side(key_sets, response_sets)
    precision_num = _b_cubed_side(response_sets, key_sets)
    return Counts(
        recall_num,
        sum(len(k) for k in key_sets),
        precision_num,
        sum(len(r) for r in response_sets),
    )


def ceaf_e_counts(key: Clusters, response: Clusters) -> Counts:
    """CEAF-e: the aligned similarity over the number of key / response clusters."""
    key_sets, response_sets = as_partition(key, side="key"), as_partition(response, side="response")
    similarity = _best_alignment(key_sets, response_sets)
    return Counts(similarity, len(key_sets), similarity, len(response_sets))


def as_partition(clusters: Clusters, *, side: str = "clusters") -> list[frozenset[Hashable]]:
    """Clusters as sets, empty ones dropped; a mention in two clusters raises InvalidInput.

    ``side`` names the partition in the error message (e.g. the document and annotator).
    """
    out: list[frozenset[Hashable]] = []
    seen: set[Hashable] = set()
    for cluster in clusters:
        members = frozenset(cluster)
        if not members:
            continue
        shared = members & seen
        if shared:
            raise InvalidInput(
                f"{side}: coreference mention {next(iter(shared))!r} is in two clusters"
            )
        seen |= members
        out.append(members)
    return out


def _muc_side(
    clusters: list[frozenset[Hashable]], other: list[frozenset[Hashable]]
) -> tuple[int, int]:
    """Sum of |c| - |parts of c cut by other| and of |c| - 1 (mentions outside other: own part)."""
    owner = {mention: index for index, cluster in enumerate(other) for mention in cluster}
    numerator = denominator = 0
    for cluster in clusters:
        inside = {owner[mention] for mention in cluster if mention in owner}
        outside = sum(1 for mention in cluster if mention not in owner)
        numerator += len(cluster) - (len(inside) + outside)
        denominator += len(cluster) - 1
    return numerator, denominator


def _b_cubed_side(clusters: list[frozenset[Hashable]], other: list[frozenset[Hashable]]) -> float:
    owner = {mention: index for index, cluster in enumerate(other) for mention in cluster}
    total = 0.0
    for cluster in clusters:
        overlaps: dict[int, int] = {}
        for mention in cluster:
            if mention in owner:
                overlaps[owner[mention]] = overlaps.get(owner[mention], 0) + 1
        total += sum(n * n for n in overlaps.values()) / len(cluster)
    return total


def _best_alignment(key: list[frozenset[Hashable]], response: list[frozenset[Hashable]]) -> float:
    """Maximum total Dice similarity over one-to-one key-response cluster alignments."""
    if not key or not response:
        return 0.0
    similarity = np.zeros((len(key), len(response)))
    owner = {mention: index for index, cluster in enumerate(response) for mention in cluster}
    for row, cluster in enumerate(key):
        for mention in cluster:
            if mention in owner:
                similarity[row, owner[mention]] += 1.0
    sizes_key = np.array([len(k) for k in key], dtype=float)
    sizes_response = np.array([len(r) for r in response], dtype=float)
    similarity = 2.0 * similarity / (sizes_key[:, None] + sizes_response[None, :])
    # Clusters sharing no mention with the other side cannot add to the optimum: drop them
    # so the assignment runs on the small overlapping block only.
    rows = np.flatnonzero(similarity.any(axis=1))
    cols = np.flatnonzero(similarity.any(axis=0))
    if rows.size == 0:
        return 0.0
    block = similarity[np.ix_(rows, cols)]
    # imported here: scipy costs every process ~40 MiB, and only CEAF scoring needs it
    from scipy.optimize import linear_sum_assignment

    row_index, col_index = linear_sum_assignment(block, maximize=True)
    return float(block[row_index, col_index].sum())
