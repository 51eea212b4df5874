"""Chance-corrected agreement on categorical (nominal) codes: Cohen, Fleiss, Krippendorff.

Every coefficient is computed from a small sufficient statistic rather than from the raw
codes, so documents pool by adding matrices (what the project report does):

- Cohen's kappa from a pair's confusion matrix (rows: first coder, columns: second);
- Krippendorff's alpha and Fleiss' kappa from the coincidence matrix of Krippendorff
  (2011, "Computing Krippendorff's alpha-reliability"): ``o[c, k]`` sums, over every unit
  coded by ``m >= 2`` coders, the ordered pairs of values (c, k) from different coders
  weighted by ``1 / (m - 1)``. Units coded by fewer than two coders carry no information
  about agreement and are left out, which is how alpha handles missing data. When every
  unit has the same number of coders, the same matrix gives Fleiss' kappa exactly.

Codes are small non-negative integers indexing a vocabulary the caller keeps; -1 means
"not coded". A coefficient that the data cannot define comes back as ``value=None`` with
the reason, never as NaN or an exception.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MISSING = -1


@dataclass(frozen=True, slots=True)
class Coefficient:
    """A chance-corrected coefficient, or None with the reason it is undefined here."""

    value: float | None
    undefined: str | None = None


NO_ITEMS = "no items coded by two or more annotators"
NO_VARIATION = "every annotator used one and the same value throughout, so chance agreement is 1"
UNEQUAL_RATERS = "the number of annotators differs between items"


def unit_counts(codes: np.ndarray, *, n_values: int) -> np.ndarray:
    """Per-unit value counts (units x values) from a coders x units array of codes."""
    codes = np.asarray(codes, dtype=np.int64)
    n_units = codes.shape[1]
    unit = np.broadcast_to(np.arange(n_units), codes.shape)
    coded = codes != MISSING
    flat = unit[coded] * n_values + codes[coded]
    return np.bincount(flat, minlength=n_units * n_values).reshape(n_units, n_values)


def coincidence_from_counts(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's coincidence matrix from per-unit value counts (units x values)."""
    counts = np.asarray(counts, dtype=np.float64)
    coders = counts.sum(axis=1)
    pairable = coders >= 2
    counts, coders = counts[pairable], coders[pairable]
    weighted = counts / (coders - 1)[:, None]
    coincidence: np.ndarray = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    return coincidence


def coincidence_matrix(codes: np.ndarray, *, n_values: int) -> np.ndarray:
    """Krippendorff's coincidence matrix from a coders x units array of codes (-1 = missing)."""
    return coincidence_from_counts(unit_counts(codes, n_values=n_values))


def confusion_matrix(first: np.ndarray, second: np.ndarray, *, n_values: int) -> np.ndarray:
    """Counts of (first coder's value, second coder's value) over units both coded."""
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    both = (first != MISSING) & (second != MISSING)
    flat = first[both] * n_values + second[both]
    return np.bincount(flat, minlength=n_values * n_values).reshape(n_values, n_values)


def krippendorff_alpha(coincidence: np.ndarray) -> Coefficient:
    """Nominal alpha = 1 - D_o / D_e from a coincidence matrix (Krippendorff 2011, eq. 1-3)."""
    coincidence = np.asarray(coincidence, dtype=np.float64)
    total = float(coincidence.sum())
    if total <= 1.0:
        return Coefficient(None, NO_ITEMS)
    marginals = coincidence.sum(axis=1)
    disagreement = total - float(np.trace(coincidence))
    expected = total * total - float(marginals @ marginals)
    if expected <= 0.0:
        return Coefficient(None, NO_VARIATION)
    return Coefficient(1.0 - (total - 1.0) * disagreement / expected)


def fleiss_kappa(coincidence: np.ndarray) -> Coefficient:
    """Fleiss' kappa from the coincidence matrix of units that all have the same coder count.

    With ``n`` coders on every unit, ``trace(o) / total`` is Fleiss' mean observed agreement
    and ``marginals / total`` his category proportions, so no other statistic is needed; the
    caller must check that the coder count is constant (Fleiss is undefined otherwise).
    """
    coincidence = np.asarray(coincidence, dtype=np.float64)
    total = float(coincidence.sum())
    if total <= 0.0:
        return Coefficient(None, NO_ITEMS)
    observed = float(np.trace(coincidence)) / total
    proportions = coincidence.sum(axis=1) / total
    chance = float(proportions @ proportions)
    if chance >= 1.0:
        return Coefficient(None, NO_VARIATION)
    return Coefficient((observed - chance) / (1.0 - chance))


def fleiss_kappa_from_counts(counts: np.ndarray) -> Coefficient:
    """Fleiss' kappa from a units x values table of counts (the statsmodels layout)."""
    counts = np.asarray(counts)
    coders = counts.sum(axis=1)
    if counts.shape[0] == 0 or coders.min() < 2:
        return Coefficient(None, NO_ITEMS)
    if coders.min() != coders.max():
        return Coefficient(None, UNEQUAL_RATERS)
    return fleiss_kappa(coincidence_from_counts(counts))


def cohen_kappa(confusion: np.ndarray) -> Coefficient:
    """Cohen's kappa from a two-coder confusion matrix."""
    confusion = np.asarray(confusion, dtype=np.float64)
    total = float(confusion.sum())
    if total <= 0.0:
        return Coefficient(None, NO_ITEMS)
    observed = float(np.trace(confusion)) / total
    chance = float(confusion.sum(axis=1) @ confusion.sum(axis=0)) / (total * total)
    if chance >= 1.0:
        return Coefficient(None, NO_VARIATION)
    return Coefficient((observed - chance) / (1.0 - chance))


def one_vs_rest(matrix: np.ndarray, index: int) -> np.ndarray:
    """Collapse a values x values matrix to 2 x 2: value ``index`` against all others.

    Exact for both confusion and coincidence matrices, since both count pairs of values.
    """
    matrix = np.asarray(matrix)
    hit = matrix[index, index]
    row = matrix[index].sum() - hit
    column = matrix[:, index].sum() - hit
    rest = matrix.sum() - hit - row - column
    return np.array([[hit, row], [column, rest]])


def drop_agreed(matrix: np.ndarray, index: int, *, amount: float | None = None) -> np.ndarray:
    """A copy without ``amount`` (default: all) of the agreeing pairs on value ``index``.

    Used to leave out the tokens every annotator left outside any entity: they only add
    to the O-O cell, so removing them is a subtraction on that one cell.
    """
    out = np.array(matrix, dtype=np.float64, copy=True)
    out[index, index] -= out[index, index] if amount is None else amount
    return out
