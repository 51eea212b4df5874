"""POS and coreference reports against the reference packages on random projects."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import krippendorff
import numpy as np
import pytest
from scorch import scores as scorch_scores
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from textlabel.agreement.report import compute_report
from textlabel.agreement.stats import DocumentAnnotations

TOLERANCE = 1e-9
TAGS = ["NOUN", "VERB", "ADJ", "DET", "PROPN"]
ANNOTATORS = ["ann1", "ann2", "ann3"]


def _pos_project(seed: int, *, missing: float, raters: tuple[int, ...]):
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(3, 7)):
        n_tokens = rng.randint(10, 50)
        gold = [rng.choice(TAGS) for _ in range(n_tokens)]
        pos = {}
        for name in rng.sample(ANNOTATORS, rng.choice(raters)):
            pos[name] = [
                None if rng.random() < missing else (t if rng.random() < 0.8 else rng.choice(TAGS))
                for t in gold
            ]
        tokens = [(2 * i, 2 * i + 1) for i in range(n_tokens)]
        documents.append(DocumentAnnotations(doc_id, tokens, pos=pos))
    return documents


def _pos_matrix(documents) -> np.ndarray:
    columns = []
    for doc in documents:
        for index in range(len(doc.tokens)):
            column = []
            for name in ANNOTATORS:
                tag = doc.pos[name][index] if name in doc.pos else None
                column.append(np.nan if tag is None else TAGS.index(tag))
            columns.append(column)
    return np.array(columns, dtype=float).T


def _alpha(matrix: np.ndarray) -> float:
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")


@pytest.mark.parametrize("seed", range(10))
def test_pos_report_matches_reference_packages(seed: int) -> None:
    documents = _pos_project(seed, missing=0.1, raters=(1, 2, 3))
    report = compute_report(documents, layer="pos", labels=TAGS)
    matrix = _pos_matrix(documents)
    coded = np.isfinite(matrix)
    assert report.krippendorff_alpha == pytest.approx(_alpha(matrix), abs=TOLERANCE)
    assert report.fleiss_kappa is None  # some tokens have fewer taggers than others
    for pair in report.pairwise:
        i, j = ANNOTATORS.index(pair.a), ANNOTATORS.index(pair.b)
        both = coded[i] & coded[j]
        assert pair.n_items == both.sum()
        expected = cohen_kappa_score(matrix[i, both], matrix[j, both])
        assert pair.cohen_kappa == pytest.approx(expected, abs=TOLERANCE)
        assert pair.span_f1 is None
    for value, tag in enumerate(TAGS):
        binary = np.where(coded, (matrix == value).astype(float), np.nan)
        assert report.per_label[tag].krippendorff_alpha == pytest.approx(
            _alpha(binary), abs=TOLERANCE
        )
    counts: Counter[tuple[int, int]] = Counter()
    for i in range(3):
        for j in range(3):
            both = coded[i] & coded[j]
            if i != j:
                counts.update(
                    zip(matrix[i, both].astype(int), matrix[j, both].astype(int), strict=True)
                )
    assert report.confusion.labels == TAGS
    assert report.confusion.counts == [[counts[(r, c)] for c in range(5)] for r in range(5)]


@pytest.mark.parametrize("seed", range(5))
def test_pos_fleiss_and_document_scores(seed: int) -> None:
    documents = _pos_project(seed, missing=0.0, raters=(3,))
    report = compute_report(documents, layer="pos", labels=TAGS)
    matrix = _pos_matrix(documents)
    table, _ = aggregate_raters(matrix.T.astype(int), n_cat=len(TAGS))
    assert report.fleiss_kappa == pytest.approx(fleiss_kappa(table), abs=TOLERANCE)
    assert report.score_kind == "krippendorff_alpha"
    by_id = {d.id: d.score for d in report.documents}
    for doc in documents:
        assert by_id[doc.doc_id] == pytest.approx(_alpha(_pos_matrix([doc])), abs=TOLERANCE)


def _coref_project(seed: int):
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(2, 6)):
        mentions = [(10 * i, 10 * i + rng.randint(1, 9)) for i in range(rng.randint(2, 20))]
        coref = {}
        for name in rng.sample(ANNOTATORS, rng.choice([1, 2, 2, 3])):
            clusters: dict[int, list[tuple[int, int]]] = {}
            for mention in mentions:
                if rng.random() < 0.85:
                    clusters.setdefault(rng.randrange(1 + len(mentions) // 3), []).append(mention)
            coref[name] = list(clusters.values())
        documents.append(DocumentAnnotations(doc_id, [], coref=coref))
    return documents


@pytest.fixture(autouse=True)
def _scorch_on_python_floats(monkeypatch):
    """scorch hands numpy zeros to statistics.harmonic_mean, which then fails; floats do not."""
    monkeypatch.setattr(
        scorch_scores, "harmonic_mean", lambda xs: statistics.harmonic_mean(map(float, xs))
    )


def _union(documents, name: str) -> list[set]:
    """One partition of (document, mention): documents never share a cluster."""
    return [
        {(doc.doc_id, mention) for mention in cluster}
        for doc in documents
        for cluster in doc.coref.get(name, [])
    ]


@pytest.mark.parametrize("seed", range(12))
def test_coref_pairs_pool_documents_like_one_partition(seed: int) -> None:
    documents = _coref_project(seed)
    report = compute_report(documents, layer="coref")
    conll = []
    for pair in report.pairwise:
        shared = [d for d in documents if {pair.a, pair.b} <= d.coref.keys()]
        key, response = _union(shared, pair.a), _union(shared, pair.b)
        for ours, theirs in [
            (pair.muc, scorch_scores.muc),
            (pair.b_cubed, scorch_scores.b_cubed),
            (pair.ceaf_e, scorch_scores.ceaf_e),
        ]:
            recall, precision, f1 = theirs(key, response)
            assert (ours.recall, ours.precision, ours.f1) == pytest.approx(
                (recall, precision, f1), abs=TOLERANCE
            )
        expected = scorch_scores.conll2012(key, response)
        assert pair.conll_f1 == pytest.approx(expected, abs=TOLERANCE)
        conll.append(expected)
        mentions_a = set().union(*key) if key else set()
        mentions_b = set().union(*response) if response else set()
        total = len(mentions_a) + len(mentions_b)
        assert pair.n_mentions == total
        if total:
            assert pair.mention_f1 == pytest.approx(2 * len(mentions_a & mentions_b) / total)
    if conll:
        assert report.conll_f1 == pytest.approx(np.mean(conll), abs=1e-12)
    assert report.krippendorff_alpha is None and report.span_f1 is None
    assert report.score_kind == "conll_f1"
    for score in report.documents:
        doc = next(d for d in documents if d.doc_id == score.id)
        if len(doc.coref) == 2:
            a, b = sorted(doc.coref)
            sets = [[set(c) for c in doc.coref[n]] for n in (a, b)]
            expected = scorch_scores.conll2012(*sets) if any(sets[0] + sets[1]) else None
            assert score.score == pytest.approx(expected, abs=TOLERANCE)
        elif len(doc.coref) < 2:
            assert score.score is None
