"""The entity report against the reference packages on pooled random projects, and the notes."""

from __future__ import annotations

import json
import random
import warnings
from collections import Counter
from dataclasses import asdict

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from textlabel.agreement.report import combine, compute_report
from textlabel.agreement.stats import DocumentAnnotations, document_stats

TOLERANCE = 1e-9
LABELS = ["PER", "ORG", "LOC"]
ANNOTATORS = ["ann1", "ann2", "ann3", "ann4"]


def _random_project(seed: int, *, raters: tuple[int, ...] = (1, 2, 2, 3)) -> list:
    """Documents of random length, annotator subsets and token-snapped, non-nested spans."""
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(4, 9)):
        tokens, offset = [], 0
        for _ in range(rng.randint(5, 60)):
            length = rng.randint(1, 7)
            tokens.append((offset, offset + length))
            offset += length + 1
        gold, position = [], rng.randint(0, 3)
        while position < len(tokens) - 3:
            length = rng.randint(1, 3)
            gold.append((position, position + length, rng.choice(LABELS)))
            position += length + rng.randint(1, 6)
        spans = {}
        for name in rng.sample(ANNOTATORS, rng.choice(raters)):
            mine = []
            for start, end, label in gold:
                roll = rng.random()
                if roll < 0.15:
                    continue
                if roll < 0.3:
                    label = rng.choice(LABELS)
                elif roll < 0.4 and end - start > 1:
                    end -= 1
                mine.append((tokens[start][0], tokens[end - 1][1], label))
            spans[name] = mine
        documents.append(DocumentAnnotations(doc_id, tokens, spans=spans))
    return documents


def _token_matrix(documents) -> tuple[np.ndarray, list[int]]:
    """Annotators x all tokens of the project (NaN = did not submit), by a plain loop."""
    values = {"O": 0, **{label: i + 1 for i, label in enumerate(LABELS)}}
    columns, doc_of_column = [], []
    for doc in documents:
        for start, end in doc.tokens:
            column = []
            for name in ANNOTATORS:
                if name not in doc.spans:
                    column.append(np.nan)
                    continue
                covering = [lab for s, e, lab in doc.spans[name] if s <= start and end <= e]
                column.append(values[covering[0]] if covering else 0)
            columns.append(column)
            doc_of_column.append(doc.doc_id)
    return np.array(columns, dtype=float).T.reshape(len(ANNOTATORS), -1), doc_of_column


def _kappa(first: np.ndarray, second: np.ndarray) -> float | None:
    """sklearn's kappa, None where sklearn finds it undefined (one label only)."""
    if first.size == 0:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = cohen_kappa_score(first, second, labels=[0, 1, 2, 3], replace_undefined_by=np.nan)
    return None if np.isnan(value) else float(value)


def _close(ours: float | None, expected: float | None) -> bool:
    if expected is None or ours is None:
        return ours is expected
    return abs(ours - expected) <= TOLERANCE


def _alpha(matrix: np.ndarray) -> float:
    return krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")


def _pair_f1(documents, a: str, b: str, *, label: str | None = None) -> float | None:
    first = {(d.doc_id, *s) for d in documents if {a, b} <= d.spans.keys() for s in d.spans[a]}
    second = {(d.doc_id, *s) for d in documents if {a, b} <= d.spans.keys() for s in d.spans[b]}
    if label is not None:
        first = {s for s in first if s[3] == label}
        second = {s for s in second if s[3] == label}
    if not first and not second:
        return None
    return 2 * len(first & second) / (len(first) + len(second))


def _pairs(documents) -> list[tuple[str, str]]:
    return sorted({(a, b) for d in documents for a in d.spans for b in d.spans if a < b})


@pytest.mark.parametrize("seed", range(12))
def test_pooled_project_matches_reference_packages(seed: int) -> None:
    documents = _random_project(seed)
    report = compute_report(documents, layer="entities", labels=LABELS)
    matrix, _ = _token_matrix(documents)
    coded = np.isfinite(matrix)

    assert report.krippendorff_alpha == pytest.approx(_alpha(matrix), abs=TOLERANCE)
    all_outside = np.nansum(matrix, axis=0) == 0
    labelled = _alpha(matrix[:, ~all_outside])
    assert report.krippendorff_alpha_labelled == pytest.approx(labelled, abs=TOLERANCE)
    assert report.n_items == int((coded.sum(axis=0) >= 2).sum())

    pairs = _pairs(documents)
    assert [(p.a, p.b) for p in report.pairwise] == pairs
    for pair in report.pairwise:
        i, j = ANNOTATORS.index(pair.a), ANNOTATORS.index(pair.b)
        both = coded[i] & coded[j]
        assert pair.n_items == both.sum()
        assert _close(pair.cohen_kappa, _kappa(matrix[i, both], matrix[j, both]))
        keep = both & ~all_outside
        assert _close(pair.cohen_kappa_labelled, _kappa(matrix[i, keep], matrix[j, keep]))
        assert pair.span_f1 == pytest.approx(_pair_f1(documents, pair.a, pair.b), abs=1e-12)
    defined = [_pair_f1(documents, a, b) for a, b in pairs]
    expected_f1 = np.mean([f1 for f1 in defined if f1 is not None])
    assert report.span_f1 == pytest.approx(expected_f1, abs=1e-12)

    for value, label in enumerate(LABELS, start=1):
        binary = np.where(coded, (matrix == value).astype(float), np.nan)
        per_label = report.per_label[label]
        assert per_label.krippendorff_alpha == pytest.approx(_alpha(binary), abs=TOLERANCE)
        f1s = [_pair_f1(documents, a, b, label=label) for a, b in pairs]
        expected = np.mean([f for f in f1s if f is not None])
        assert per_label.span_f1 == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_fleiss_when_every_document_has_three_annotators(seed: int) -> None:
    documents = _random_project(seed, raters=(3,))
    report = compute_report(documents, layer="entities", labels=LABELS)
    matrix, _ = _token_matrix(documents)
    units = matrix.T[np.isfinite(matrix.T)].reshape(-1, 3).astype(int)  # 3 codes per token
    table, _ = aggregate_raters(units, n_cat=4)
    assert report.fleiss_kappa == pytest.approx(fleiss_kappa(table), abs=TOLERANCE)
    for value, label in enumerate(LABELS, start=1):
        table, _ = aggregate_raters((units == value).astype(int), n_cat=2)
        assert report.per_label[label].fleiss_kappa == pytest.approx(
            fleiss_kappa(table), abs=TOLERANCE
        )


def test_fleiss_is_null_when_annotators_per_document_differ() -> None:
    documents = _random_project(3, raters=(2, 3))
    assert {len(d.spans) for d in documents} == {2, 3}
    report = compute_report(documents, layer="entities")
    assert report.fleiss_kappa is None
    assert "differs" in report.undefined["fleiss_kappa"]


def test_documents_are_scored_by_their_own_span_f1_lowest_first() -> None:
    documents = _random_project(5)
    report = compute_report(documents, layer="entities", labels=LABELS)
    expected = {}
    for doc in documents:
        names = sorted(doc.spans)
        f1s = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
        first = sum(len(set(doc.spans[a])) + len(set(doc.spans[b])) for a, b in f1s)
        common = sum(len(set(doc.spans[a]) & set(doc.spans[b])) for a, b in f1s)
        expected[doc.doc_id] = 2 * common / first if first else None
    assert {d.id: d.score for d in report.documents} == pytest.approx(expected)
    scored = [d.score for d in report.documents if d.score is not None]
    assert scored == sorted(scored)
    assert report.score_kind == "span_f1"


def test_confusion_table_counts_both_orders_of_every_pair() -> None:
    documents = _random_project(6)
    report = compute_report(documents, layer="entities", labels=LABELS)
    matrix, _ = _token_matrix(documents)
    counts: Counter[tuple[int, int]] = Counter()
    for i in range(len(ANNOTATORS)):
        for j in range(len(ANNOTATORS)):
            if i != j:
                both = np.isfinite(matrix[i]) & np.isfinite(matrix[j])
                counts.update(
                    zip(matrix[i, both].astype(int), matrix[j, both].astype(int), strict=True)
                )
    assert report.confusion.labels == ["O", *LABELS]
    expected = [[counts[(r, c)] for c in range(4)] for r in range(4)]
    assert report.confusion.counts == expected


A = [(3, 5, "PER"), (10, 11, "ORG"), (20, 23, "LOC"), (40, 41, "PER"),
     (60, 62, "ORG"), (90, 91, "PER"), (120, 123, "ORG"), (150, 151, "LOC")]  # fmt: skip
B = [(3, 5, "PER"), (10, 11, "PER"), (21, 23, "LOC"), (40, 41, "PER"),
     (60, 62, "ORG"), (95, 96, "PER"), (120, 123, "ORG"), (170, 171, "LOC")]  # fmt: skip


@pytest.fixture
def notes_report():
    """NLP-NOTES 5.11: 200 tokens, two coders, IO labels."""
    tokens = [(i, i + 1) for i in range(200)]
    doc = DocumentAnnotations(1, tokens, spans={"A": A, "B": B})
    return compute_report([doc], layer="entities", labels=LABELS, min_items=10)


@pytest.mark.parametrize(
    ("name", "published"),
    [
        ("span_f1", 0.500),
        ("overlap_span_f1", 0.625),
        ("cohen_kappa", 0.767),
        ("cohen_kappa_labelled", 0.489),
        ("krippendorff_alpha", 0.768),
        ("krippendorff_alpha_labelled", 0.503),
        ("fleiss_kappa", 0.767),
    ],
)
def test_worked_cross_check_of_the_notes(notes_report, name: str, published: float) -> None:
    assert getattr(notes_report, name) == pytest.approx(published, abs=5e-4)


def test_worked_cross_check_to_1e9(notes_report) -> None:
    a = np.zeros(200)
    b = np.zeros(200)
    for spans, out in ((A, a), (B, b)):
        for start, end, label in spans:
            out[start:end] = LABELS.index(label) + 1
    labelled = (a != 0) | (b != 0)
    assert labelled.sum() == notes_report.n_items_labelled == 16
    assert notes_report.cohen_kappa == pytest.approx(cohen_kappa_score(a, b), abs=TOLERANCE)
    assert notes_report.cohen_kappa_labelled == pytest.approx(
        cohen_kappa_score(a[labelled], b[labelled]), abs=TOLERANCE
    )
    assert notes_report.krippendorff_alpha == pytest.approx(_alpha(np.array([a, b])), abs=1e-9)
    assert notes_report.krippendorff_alpha_labelled == pytest.approx(
        _alpha(np.array([a[labelled], b[labelled]])), abs=TOLERANCE
    )
    table, _ = aggregate_raters(np.array([a, b]).T.astype(int), n_cat=4)
    assert notes_report.fleiss_kappa == pytest.approx(fleiss_kappa(table), abs=TOLERANCE)


def test_report_is_json_ready_with_the_contract_keys(notes_report) -> None:
    data = json.loads(json.dumps(asdict(notes_report)))
    for key in ["layer", "n_documents", "annotators", "krippendorff_alpha", "fleiss_kappa",
                "span_f1", "pairwise", "per_label", "documents"]:  # fmt: skip
        assert key in data
    assert {"a", "b", "cohen_kappa", "span_f1", "n_items"} <= data["pairwise"][0].keys()
    assert {"krippendorff_alpha", "span_f1"} <= data["per_label"]["PER"].keys()
    assert {"id", "score"} <= data["documents"][0].keys()
    assert data["annotators"] == ["A", "B"]


def test_combining_cached_statistics_equals_recomputing() -> None:
    documents = _random_project(9)
    stats = {d.doc_id: document_stats(d, layer="entities", labels=LABELS) for d in documents}
    # an edit to one document replaces only that document's statistics
    edited = documents[0]
    edited.spans[next(iter(edited.spans))] = []
    stats[edited.doc_id] = document_stats(edited, layer="entities", labels=LABELS)
    cached = combine(reversed(list(stats.values())), layer="entities", labels=LABELS)
    fresh = compute_report(documents, layer="entities", labels=LABELS)
    assert _rounded(asdict(cached)) == _rounded(asdict(fresh))
    assert cached.n_documents == len(documents)


def _rounded(data):
    """The data with floats rounded, since pooling order may change the last bits."""
    if isinstance(data, float):
        return round(data, 12)
    if isinstance(data, dict):
        return {key: _rounded(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_rounded(value) for value in data]
    return data


def test_too_few_items_are_marked(notes_report) -> None:
    assert "krippendorff_alpha" not in notes_report.too_few  # 200 tokens >= 10
    assert "cohen_kappa_labelled" not in notes_report.too_few  # 16 >= 10
    strict = compute_report(
        [DocumentAnnotations(1, [(i, i + 1) for i in range(200)], spans={"A": A, "B": B})],
        layer="entities",
        min_items=100,
    )
    assert {"cohen_kappa_labelled", "krippendorff_alpha_labelled", "span_f1"} <= set(strict.too_few)
    assert "krippendorff_alpha" not in strict.too_few
    assert "span_f1" in strict.per_label["LOC"].too_few
