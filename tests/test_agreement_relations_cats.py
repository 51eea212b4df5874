"""Agreement on relations (F1 over (head, child, label)) and document labels (Cohen's and
Fleiss' kappa, Krippendorff's alpha; multi-choice as one binary item per label), against
hand counts and the reference packages (krippendorff, statsmodels, scikit-learn)."""

from __future__ import annotations

import random
import statistics
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from tests.factories import add_documents, make_user
from tests.helpers import api_as
from textlabel.agreement.report import compute_report
from textlabel.agreement.stats import DocumentAnnotations

TOLERANCE = 1e-9
ANNOTATORS = ["ann1", "ann2", "ann3"]
CATEGORIES = ("sports", "politics", "science", "arts")
RELATION_LABELS = ("knows", "lives_in", "works_for")


def _cats_project(seed: int, *, single: bool) -> list[DocumentAnnotations]:
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(8, 20)):
        gold = {c for c in CATEGORIES if rng.random() < 0.4}
        if single:
            gold = {rng.choice(CATEGORIES)} if rng.random() < 0.9 else set()
        cats = {}
        for name in ANNOTATORS:
            chosen = set(gold)
            if rng.random() < 0.3:  # a disagreement: swap one category in or out
                chosen ^= {rng.choice(CATEGORIES)}
            if single and len(chosen) > 1:
                chosen = {min(chosen)}
            cats[name] = sorted(chosen, key=CATEGORIES.index)
        documents.append(DocumentAnnotations(doc_id, [(0, 1)], cats=cats, categories=CATEGORIES,
                                             cats_single=single))  # fmt: skip
    return documents


def _cats_matrix(documents: list[DocumentAnnotations], *, single: bool) -> np.ndarray:
    """annotators x items: multi-choice one binary item per (document, category)."""
    columns = []
    for doc in documents:
        if single:
            values = [*CATEGORIES, "(none)"]
            columns.append([values.index(doc.cats[n][0] if doc.cats[n] else "(none)")
                            for n in ANNOTATORS])  # fmt: skip
        else:
            columns += [[int(c in doc.cats[n]) for n in ANNOTATORS] for c in CATEGORIES]
    return np.array(columns, dtype=float).T


@pytest.mark.parametrize("single", [False, True], ids=["multi", "single"])
@pytest.mark.parametrize("seed", range(6))
def test_document_label_agreement_matches_reference_packages(seed: int, single: bool) -> None:
    documents = _cats_project(seed, single=single)
    report = compute_report(documents, layer="cats")
    matrix = _cats_matrix(documents, single=single)
    expected_alpha = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert report.krippendorff_alpha == pytest.approx(expected_alpha, abs=TOLERANCE)
    table, _ = aggregate_raters(matrix.T.astype(int))
    assert report.fleiss_kappa == pytest.approx(fleiss_kappa(table), abs=TOLERANCE)
    kappas = []
    for pair in report.pairwise:
        a, b = ANNOTATORS.index(pair.a), ANNOTATORS.index(pair.b)
        expected = cohen_kappa_score(matrix[a], matrix[b])
        assert pair.cohen_kappa == pytest.approx(expected, abs=TOLERANCE)
        kappas.append(expected)
    assert report.cohen_kappa == pytest.approx(statistics.mean(kappas), abs=TOLERANCE)
    assert report.n_items == matrix.shape[1]


def _relations_project(seed: int) -> list[DocumentAnnotations]:
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(3, 8)):
        entities = [(10 * i, 10 * i + 5) for i in range(rng.randint(3, 8))]
        gold = {(*h, *c, rng.choice(RELATION_LABELS))
                for h, c in combinations(entities, 2) if rng.random() < 0.3}  # fmt: skip
        relations = {}
        for name in rng.sample(ANNOTATORS, rng.choice((2, 3))):
            drawn = {r for r in gold if rng.random() < 0.8}
            if rng.random() < 0.5:
                h, c = rng.sample(entities, 2)
                drawn.add((*h, *c, rng.choice(RELATION_LABELS)))
            relations[name] = sorted(drawn)
        documents.append(DocumentAnnotations(doc_id, [(0, 1)], relations=relations))
    return documents


def _f1(first: set, second: set) -> float:
    common = len(first & second)
    precision = common / len(second) if second else 0.0
    recall = common / len(first) if first else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@pytest.mark.parametrize("seed", range(8))
def test_relation_f1_is_f1_over_head_child_label_triples(seed: int) -> None:
    documents = _relations_project(seed)
    report = compute_report(documents, layer="relations", labels=RELATION_LABELS)
    by_pair: dict[tuple[str, str], tuple[set, set]] = {}
    for doc in documents:
        for a, b in combinations(sorted(doc.relations), 2):
            first, second = by_pair.setdefault((a, b), (set(), set()))
            first |= {(doc.doc_id, *r) for r in doc.relations[a]}
            second |= {(doc.doc_id, *r) for r in doc.relations[b]}
    assert {(p.a, p.b) for p in report.pairwise} == set(by_pair)
    for pair in report.pairwise:
        first, second = by_pair[(pair.a, pair.b)]
        assert pair.relation_f1 == pytest.approx(_f1(first, second), abs=TOLERANCE)
        assert pair.n_spans == len(first) + len(second)
    expected = statistics.mean(_f1(*sets) for sets in by_pair.values())
    assert report.relation_f1 == pytest.approx(expected, abs=TOLERANCE)
    for label in RELATION_LABELS:  # per label: the mean over the pairs that drew it
        per_pair = [
            _f1({r for r in a if r[-1] == label}, {r for r in b if r[-1] == label})
            for a, b in by_pair.values()
            if any(r[-1] == label for r in a | b)
        ]
        got = report.per_label[label].relation_f1
        if per_pair:
            assert got == pytest.approx(statistics.mean(per_pair), abs=TOLERANCE)
        else:
            assert got is None


def test_edge_cases_one_rater_and_no_relations() -> None:
    alone = DocumentAnnotations(1, [(0, 1)], relations={"ann1": [(0, 5, 10, 15, "knows")]})
    report = compute_report([alone], layer="relations", labels=RELATION_LABELS)
    assert report.relation_f1 is None and report.pairwise == []
    none = DocumentAnnotations(2, [(0, 1)], relations={"ann1": [], "ann2": []})
    report = compute_report([none], layer="relations")
    assert report.relation_f1 is None
    assert "neither annotator drew a relation" in report.pairwise[0].undefined["relation_f1"]
    same = DocumentAnnotations(3, [(0, 1)], cats={"a": ["x"], "b": ["x"]}, categories=("x", "y"))
    report = compute_report([same], layer="cats")
    assert report.n_items == 2 and report.pairwise[0].n_items == 2


def test_agreement_api_reports_relations_and_document_labels(app, session) -> None:
    from textlabel.models import Project

    for name in ("mgr", "ann1", "ann2"):
        make_user(session, name)
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Agree", "labels": [{"name": "PER"}, {"name": "LOC"}], "overlap": 2,
        "layers": ["entities", "relations", "cats"],
        "relation_labels": [{"name": "lives_in"}, {"name": "knows"}],
        "categories": [{"name": "science"}, {"name": "politics"}],
    }).json  # fmt: skip
    for name in ("ann1", "ann2"):
        manager.post(f"/projects/{project['id']}/members", json={"username": name,
                                                                "role": "annotator"})  # fmt: skip
    text = "Ada Lovelace met Charles Babbage in London."
    (document,) = add_documents(session, session.get(Project, project["id"]), [text])
    spans = [{"start": 0, "end": 12, "label": "PER"}, {"start": 17, "end": 32, "label": "PER"},
             {"start": 36, "end": 42, "label": "LOC"}]  # fmt: skip

    def rel(head, child, label):
        return {"head": {"start": head[0], "end": head[1]},
                "child": {"start": child[0], "end": child[1]}, "label": label}  # fmt: skip

    bodies = {
        "ann1": {"relations": [rel((0, 12), (36, 42), "lives_in"), rel((0, 12), (17, 32), "knows")],
                 "cats": {"science": 1.0}},
        "ann2": {"relations": [rel((0, 12), (36, 42), "lives_in")],
                 "cats": {"science": 1.0, "politics": 1.0}},
    }  # fmt: skip
    for name, body in bodies.items():
        saved = api_as(app, name).put(f"/documents/{document.id}/annotations/me", json={
            "version": 0, "status": "submitted", "spans": spans, **body})  # fmt: skip
        assert saved.status_code == 200, saved.json
    relations = manager.get(f"/projects/{project['id']}/agreement?layer=relations").json
    assert relations["relation_f1"] == pytest.approx(_f1({1, 2}, {1}))
    assert relations["per_label"]["lives_in"]["relation_f1"] == 1.0
    assert relations["per_label"]["knows"]["relation_f1"] == 0.0
    cats = manager.get(f"/projects/{project['id']}/agreement?layer=cats").json
    matrix = np.array([[1, 0], [1, 1]], dtype=float)  # (science, politics) per annotator
    assert cats["n_items"] == 2
    expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
    assert cats["krippendorff_alpha"] == pytest.approx(expected)
    page = manager.get(f"/projects/{project['id']}/agreement?layer=relations")
    assert page.status_code == 200
