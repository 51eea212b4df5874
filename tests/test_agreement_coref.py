"""Coreference scores against the CoNLL reference scorer's worked cases and against scorch."""

from __future__ import annotations

import random

import pytest
from scorch import scores as scorch_scores

from textlabel.agreement.coref import (
    PRF,
    Counts,
    b_cubed,
    b_cubed_counts,
    ceaf_e,
    conll_f1,
    muc,
    muc_counts,
)
from textlabel.errors import InvalidInput

# Key and responses of test cases TC-A-* of the CoNLL reference scorer
# (conll/reference-coreference-scorers, test/TestCases.README; Pradhan et al. 2014).
# "B" is a mention that overlaps "b" but is a different mention.
KEY = [["a"], ["b", "c"], ["d", "e", "f"]]
F = 2 / 7  # for readability of the expected F1 below

REFERENCE_CASES = {
    "A-1 perfect": (KEY, (1, 1, 1), (1, 1, 1), (1, 1, 1)),
    "A-2 missing mentions": (
        [["a"], ["d", "e"]],
        (1 / 3, 1, 1 / 2),
        (7 / 18, 1, 14 / 25),
        (0.6, 0.9, 0.72),
    ),
    "A-3 false alarms": (
        [["a"], ["b", "c", "x"], ["d", "e", "f", "y"], ["z"]],
        (1, 3 / 5, 0.75),
        (1, (4 + 7 / 12) / 9, 110 / 163),
        ((1 + 4 / 5 + 6 / 7) / 3, (1 + 4 / 5 + 6 / 7) / 4, None),
    ),
    "A-4 missing and false alarms": (
        [["a"], ["b", "c", "x"], ["d", "y"], ["z"]],
        (1 / 3, 1 / 3, 1 / 3),
        ((3 + 1 / 3) / 6, (1 + 4 / 3 + 1 / 2) / 7, None),
        (2.2 / 3, 2.2 / 4, None),
    ),
    "A-5 overlapping mention in aligned entity": (
        [["a"], ["b", "c", "x", "B"], ["d", "y"], ["z"]],
        (1 / 3, 1 / 4, F),
        ((3 + 1 / 3) / 6, 2.5 / 8, None),
        ((1 + 4 / 6 + 2 / 5) / 3, (1 + 4 / 6 + 2 / 5) / 4, None),
    ),
    "A-6 overlapping mention in unaligned entity": (
        [["a"], ["b", "c", "x"], ["d", "y"], ["B", "z"]],
        (1 / 3, 1 / 4, F),
        ((10 / 3) / 6, (1 + 4 / 3 + 1 / 2) / 8, None),
        (2.2 / 3, 2.2 / 4, None),
    ),
    "A-7 duplicate mention is de-duplicated": (
        [["a"], ["b", "c", "x", "b"], ["d", "y"], ["z"]],
        (1 / 3, 1 / 3, 1 / 3),
        ((10 / 3) / 6, (1 + 4 / 3 + 1 / 2) / 7, None),
        (2.2 / 3, 2.2 / 4, None),
    ),
    "A-10 all singletons": (
        [["a"], ["b"], ["c"], ["d"], ["e"], ["f"]],
        (0, 0, 0),
        (3 / 6, 1, 2 / 3),
        None,
    ),
    "A-11 one big entity": (
        [["a", "b", "c", "d", "e", "f"]],
        (1, 3 / 5, 6 / 8),
        (1, (1 / 6 + 2 * 2 / 6 + 3 * 3 / 6) / 6, 14 / 25),
        None,
    ),
}


def _check(prf: PRF, expected: tuple[float, float, float | None]) -> None:
    recall, precision, f1 = expected
    if f1 is None:
        f1 = 2 * precision * recall / (precision + recall)
    assert prf.recall == pytest.approx(recall, abs=1e-9)
    assert prf.precision == pytest.approx(precision, abs=1e-9)
    assert prf.f1 == pytest.approx(f1, abs=1e-9)


@pytest.mark.parametrize("name", list(REFERENCE_CASES))
def test_reference_scorer_cases(name: str) -> None:
    response, expected_muc, expected_b3, expected_ceaf = REFERENCE_CASES[name]
    _check(muc(KEY, response), expected_muc)
    _check(b_cubed(KEY, response), expected_b3)
    if expected_ceaf is not None:
        _check(ceaf_e(KEY, response), expected_ceaf)


def _random_partition(rng: random.Random, mentions: list[int]) -> list[list[int]]:
    chosen = [m for m in mentions if rng.random() < 0.8]
    clusters: dict[int, list[int]] = {}
    for mention in chosen:
        clusters.setdefault(rng.randrange(max(1, len(chosen) // 2)), []).append(mention)
    return list(clusters.values())


@pytest.mark.parametrize("seed", range(40))
def test_matches_scorch_on_random_partitions(seed: int) -> None:
    rng = random.Random(seed)
    mentions = list(range(rng.randrange(1, 25)))
    key, response = _random_partition(rng, mentions), _random_partition(rng, mentions)
    key_sets, response_sets = [set(c) for c in key], [set(c) for c in response]
    for ours, theirs in [
        (muc, scorch_scores.muc),
        (b_cubed, scorch_scores.b_cubed),
        (ceaf_e, scorch_scores.ceaf_e),
    ]:
        recall, precision, f1 = theirs(key_sets, response_sets)
        result = ours(key, response)
        assert (result.recall, result.precision, result.f1) == pytest.approx(
            (recall, precision, f1), abs=1e-9
        )
    assert conll_f1(key, response) == pytest.approx(
        scorch_scores.conll2012(key_sets, response_sets), abs=1e-9
    )


def test_mentions_as_offset_tuples() -> None:
    key = [[(0, 4), (10, 12)], [(20, 25)]]
    assert conll_f1(key, key) == 1.0


@pytest.mark.parametrize("function", [muc, b_cubed, ceaf_e])
def test_empty_partitions_score_zero(function) -> None:
    assert function([], []) == PRF(0.0, 0.0, 0.0)
    assert function(KEY, []) == PRF(0.0, 0.0, 0.0)


def test_f1_is_symmetric_between_annotators() -> None:
    other = REFERENCE_CASES["A-5 overlapping mention in aligned entity"][0]
    assert conll_f1(KEY, other) == pytest.approx(conll_f1(other, KEY), abs=1e-12)


def test_counts_pool_documents_by_summing() -> None:
    response = REFERENCE_CASES["A-2 missing mentions"][0]
    pooled = muc_counts(KEY, KEY) + muc_counts(KEY, response)
    # key links 3 + 3, recovered 3 + 1; response links 3 + 1, all correct
    assert pooled.prf().recall == pytest.approx(4 / 6)
    assert pooled.prf().precision == pytest.approx(1.0)
    assert Counts() + b_cubed_counts(KEY, KEY) == b_cubed_counts(KEY, KEY)


def test_mention_in_two_clusters_is_rejected() -> None:
    with pytest.raises(InvalidInput, match="two clusters"):
        muc(KEY, [["a", "b"], ["b", "c"]])
