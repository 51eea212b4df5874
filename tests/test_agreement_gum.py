"""Coreference agreement on real GUM clusters (tests/data/ud), perturbed, checked with scorch."""

from __future__ import annotations

import random
import re
import statistics

import pytest
from scorch import scores as scorch_scores

from tests.helpers import DATA
from textlabel.agreement.coref import b_cubed, ceaf_e, conll_f1, muc
from textlabel.agreement.report import compute_report
from textlabel.agreement.stats import DocumentAnnotations

BRACKET = re.compile(r"\(([^()]+)\)|\(([^()]+)|([^()]+)\)")


def _gum_clusters(path) -> list[list[tuple[int, int]]]:
    """Mentions as (first word, last word) of the CorefUD ``Entity=`` brackets, by entity."""
    clusters: dict[str, list[tuple[int, int]]] = {}
    open_mentions: dict[str, list[int]] = {}
    word = -1
    for line in path.read_text(encoding="utf-8").splitlines():
        columns = line.split("\t")
        if len(columns) != 10 or not columns[0].isdigit():
            continue  # comments, blank lines, multiword-token ranges and empty nodes
        word += 1
        for item in columns[9].split("|"):
            if not item.startswith("Entity="):
                continue
            for single, opening, closing in BRACKET.findall(item[len("Entity=") :]):
                if single:
                    clusters.setdefault(single.split("-")[0], []).append((word, word))
                elif opening:
                    open_mentions.setdefault(opening.split("-")[0], []).append(word)
                else:
                    start = open_mentions[closing].pop()
                    clusters.setdefault(closing, []).append((start, word))
    assert not any(open_mentions.values())
    return list(clusters.values())


@pytest.fixture(scope="module")
def gum_key() -> list[list[tuple[int, int]]]:
    return _gum_clusters(DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu")


def _perturbed(key, seed: int) -> list[list[tuple[int, int]]]:
    """Another annotator: misses mentions, splits one entity and merges two others."""
    rng = random.Random(seed)
    clusters = [[m for m in cluster if rng.random() > 0.1] for cluster in key]
    clusters = [c for c in clusters if c]
    big = max(range(len(clusters)), key=lambda i: len(clusters[i]))
    half = len(clusters[big]) // 2
    clusters += [clusters[big][half:]]
    clusters[big] = clusters[big][:half]
    first, second = rng.sample(range(len(clusters)), 2)
    clusters[first] = clusters[first] + clusters[second]
    del clusters[second]
    return clusters


def test_gum_document_is_parsed(gum_key) -> None:
    # data/ud/README.md: 336 mentions in this document
    assert sum(len(cluster) for cluster in gum_key) == 336
    assert conll_f1(gum_key, gum_key) == 1.0


@pytest.mark.parametrize("seed", range(4))
def test_scores_on_gum_match_scorch(gum_key, seed: int, monkeypatch) -> None:
    monkeypatch.setattr(
        scorch_scores, "harmonic_mean", lambda xs: statistics.harmonic_mean(map(float, xs))
    )
    response = _perturbed(gum_key, seed)
    key_sets, response_sets = [set(c) for c in gum_key], [set(c) for c in response]
    for ours, theirs in [
        (muc, scorch_scores.muc),
        (b_cubed, scorch_scores.b_cubed),
        (ceaf_e, scorch_scores.ceaf_e),
    ]:
        recall, precision, f1 = theirs(key_sets, response_sets)
        result = ours(gum_key, response)
        assert (result.recall, result.precision, result.f1) == pytest.approx(
            (recall, precision, f1), abs=1e-9
        )
    expected = scorch_scores.conll2012(key_sets, response_sets)
    assert 0.5 < expected < 1.0
    doc = DocumentAnnotations(1, [], coref={"gold": gum_key, "other": response})
    report = compute_report([doc], layer="coref")
    assert report.conll_f1 == pytest.approx(expected, abs=1e-9)
    assert report.documents[0].score == pytest.approx(expected, abs=1e-9)
