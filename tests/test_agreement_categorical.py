"""Cohen, Fleiss and Krippendorff from count matrices, against the reference packages."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from textlabel.agreement.categorical import (
    MISSING,
    NO_ITEMS,
    NO_VARIATION,
    UNEQUAL_RATERS,
    cohen_kappa,
    coincidence_matrix,
    confusion_matrix,
    drop_agreed,
    fleiss_kappa,
    fleiss_kappa_from_counts,
    krippendorff_alpha,
    one_vs_rest,
    unit_counts,
)

TOLERANCE = 1e-9


def _random_codes(seed: int, *, coders: int, units: int, values: int, missing: float):
    rng = np.random.default_rng(seed)
    # skewed prevalence like real labels: value 0 ("O") dominates
    weights = np.array([6.0, *np.ones(values - 1)])
    codes = rng.choice(values, size=(coders, units), p=weights / weights.sum())
    # coders agree with coder 0 most of the time, so the coefficients are not all near 0
    agree = rng.random((coders, units)) < 0.7
    codes = np.where(agree, codes[0], codes)
    codes[rng.random((coders, units)) < missing] = MISSING
    return codes


def _package_alpha(codes: np.ndarray) -> float:
    data = np.where(codes == MISSING, np.nan, codes).astype(float)
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


@pytest.mark.parametrize("seed", range(25))
def test_alpha_matches_krippendorff_package_with_missing_data(seed: int) -> None:
    rng = np.random.default_rng(seed + 1000)
    coders, units, values = (
        int(rng.integers(2, 6)),
        int(rng.integers(5, 300)),
        int(rng.integers(2, 7)),
    )
    codes = _random_codes(seed, coders=coders, units=units, values=values, missing=0.25)
    ours = krippendorff_alpha(coincidence_matrix(codes, n_values=values))
    assert ours.value == pytest.approx(_package_alpha(codes), abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(25))
def test_cohen_matches_sklearn(seed: int) -> None:
    codes = _random_codes(seed, coders=2, units=int(20 + seed * 7), values=4, missing=0.0)
    ours = cohen_kappa(confusion_matrix(codes[0], codes[1], n_values=4))
    assert ours.value == pytest.approx(cohen_kappa_score(codes[0], codes[1]), abs=TOLERANCE)


def test_cohen_ignores_units_either_coder_left_missing() -> None:
    codes = _random_codes(3, coders=2, units=120, values=3, missing=0.2)
    both = (codes[0] != MISSING) & (codes[1] != MISSING)
    ours = cohen_kappa(confusion_matrix(codes[0], codes[1], n_values=3))
    expected = cohen_kappa_score(codes[0][both], codes[1][both])
    assert ours.value == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(25))
def test_fleiss_matches_statsmodels(seed: int) -> None:
    coders = 2 + seed % 4
    codes = _random_codes(seed, coders=coders, units=int(10 + seed * 11), values=5, missing=0.0)
    table, _ = aggregate_raters(codes.T, n_cat=5)
    ours = fleiss_kappa_from_counts(unit_counts(codes, n_values=5))
    assert ours.value == pytest.approx(statsmodels_fleiss(table), abs=TOLERANCE)
    # the same number from the coincidence matrix alone (what the report pools)
    pooled = fleiss_kappa(coincidence_matrix(codes, n_values=5))
    assert pooled.value == pytest.approx(statsmodels_fleiss(table), abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("value", [0, 1, 2])
def test_one_vs_rest_equals_coefficients_on_binarized_codes(seed: int, value: int) -> None:
    codes = _random_codes(seed, coders=3, units=150, values=4, missing=0.1)
    binary = np.where(codes == MISSING, MISSING, (codes != value).astype(int))
    collapsed = one_vs_rest(coincidence_matrix(codes, n_values=4), value)
    expected = krippendorff_alpha(coincidence_matrix(binary, n_values=2))
    assert krippendorff_alpha(collapsed).value == pytest.approx(expected.value, abs=TOLERANCE)
    assert krippendorff_alpha(collapsed).value == pytest.approx(
        _package_alpha(binary), abs=TOLERANCE
    )
    pair = one_vs_rest(confusion_matrix(codes[0], codes[1], n_values=4), value)
    both = (codes[0] != MISSING) & (codes[1] != MISSING)
    assert cohen_kappa(pair).value == pytest.approx(
        cohen_kappa_score(binary[0][both], binary[1][both]), abs=TOLERANCE
    )


def test_dropping_agreed_outside_units_equals_filtering_them_out() -> None:
    codes = _random_codes(7, coders=3, units=200, values=4, missing=0.0)
    all_outside = (codes == 0).all(axis=0)
    full = coincidence_matrix(codes, n_values=4)
    dropped = drop_agreed(full, 0, amount=3.0 * all_outside.sum())
    expected = _package_alpha(codes[:, ~all_outside])
    assert krippendorff_alpha(dropped).value == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize(
    ("codes", "reason"),
    [
        pytest.param([[1, 1, 1], [1, 1, 1]], NO_VARIATION, id="identical, one value"),
        pytest.param([[2, 2], [2, MISSING]], NO_VARIATION, id="one value with a gap"),
        pytest.param([[0, 1, 2]], NO_ITEMS, id="one coder"),
        pytest.param([[0, MISSING], [MISSING, 1]], NO_ITEMS, id="no unit coded twice"),
        pytest.param(np.zeros((2, 0), dtype=int), NO_ITEMS, id="no units"),
    ],
)
def test_undefined_alpha_says_why(codes, reason: str) -> None:
    result = krippendorff_alpha(coincidence_matrix(np.array(codes), n_values=3))
    assert (result.value, result.undefined) == (None, reason)
    # the reference package refuses the same data
    if np.array(codes).size:
        with pytest.raises(ValueError):
            _package_alpha(np.array(codes))


def test_identical_codes_with_variation_give_one() -> None:
    codes = np.array([[0, 1, 2, 0], [0, 1, 2, 0], [0, 1, 2, 0]])
    assert krippendorff_alpha(coincidence_matrix(codes, n_values=3)).value == 1.0
    assert cohen_kappa(confusion_matrix(codes[0], codes[1], n_values=3)).value == 1.0
    assert fleiss_kappa_from_counts(unit_counts(codes, n_values=3)).value == 1.0


def test_cohen_undefined_when_both_coders_use_one_value() -> None:
    result = cohen_kappa(confusion_matrix(np.zeros(5, int), np.zeros(5, int), n_values=2))
    assert result == cohen_kappa(np.array([[5, 0], [0, 0]]))
    assert (result.value, result.undefined) == (None, NO_VARIATION)
    with pytest.warns(UndefinedMetricWarning):  # sklearn agrees that it is undefined
        assert np.isnan(cohen_kappa_score([0] * 5, [0] * 5, labels=[0, 1]))


def test_fleiss_needs_the_same_number_of_coders_per_unit() -> None:
    counts = np.array([[2, 0], [1, 2]])
    assert fleiss_kappa_from_counts(counts).undefined == UNEQUAL_RATERS
    assert fleiss_kappa_from_counts(np.array([[1, 0], [0, 1]])).undefined == NO_ITEMS
