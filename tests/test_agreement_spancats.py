"""Agreement on span categories (spans that overlap and nest): exact F1 against spaCy's
``Scorer.score_spans(allow_overlap=True)``, one-to-one overlap F1 against a plain
character-set implementation and hand-made cases, and the API, page and CLI."""

from __future__ import annotations

import random
import statistics

import pytest
import spacy
from click.testing import CliRunner
from spacy.scorer import Scorer
from spacy.tokens import Doc
from spacy.training import Example

from tests.factories import add_documents, make_user
from tests.helpers import api_as, sign_in
from textlabel.agreement.report import compute_report
from textlabel.agreement.stats import DocumentAnnotations

TOLERANCE = 1e-9
ANNOTATORS = ["ann1", "ann2", "ann3"]
LABELS = ("ARG", "CLAIM", "EVIDENCE")
N_TOKENS = 40  # token i is the word "w" at characters [2i, 2i + 1)


def _random_spans(rng: random.Random) -> set[tuple[int, int, str]]:
    """Token-aligned spans in character offsets; nested and overlapping ones included."""
    out = set()
    for _ in range(rng.randint(0, 8)):
        first = rng.randrange(N_TOKENS)
        last = min(N_TOKENS, first + rng.randint(1, 6))
        out.add((2 * first, 2 * last - 1, rng.choice(LABELS)))
    return out


def _project(seed: int) -> list[DocumentAnnotations]:
    rng = random.Random(seed)
    documents = []
    for doc_id in range(rng.randint(4, 10)):
        gold = _random_spans(rng)
        span_cats = {}
        for name in rng.sample(ANNOTATORS, rng.choice((2, 3))):
            own = {s for s in gold if rng.random() < 0.75}
            for start, end, label in gold:  # boundary disagreements, relabellings
                if rng.random() < 0.15:
                    own.add((start, min(end + 2, 2 * N_TOKENS - 1), label))
                if rng.random() < 0.1:
                    own.add((start, end, rng.choice(LABELS)))
            span_cats[name] = sorted(own | _random_spans(rng) if rng.random() < 0.2 else own)
        documents.append(DocumentAnnotations(doc_id, [], span_cats=span_cats))
    return documents


def _doc(vocab, spans) -> Doc:
    doc = Doc(vocab, words=["w"] * N_TOKENS)
    doc.spans["sc"] = [doc.char_span(s, e, label=label) for s, e, label in spans]
    return doc


def _spacy_scores(documents, a: str, b: str) -> dict:
    """spaCy's span scores of annotator ``b`` against ``a`` (the reference) over the
    documents both submitted."""
    vocab = spacy.blank("en").vocab
    examples = [
        Example(_doc(vocab, doc.span_cats[b]), _doc(vocab, doc.span_cats[a]))
        for doc in documents
        if a in doc.span_cats and b in doc.span_cats
    ]
    return Scorer.score_spans(
        examples, "sc", getter=lambda doc, key: doc.spans.get(key, []), allow_overlap=True
    )


@pytest.mark.parametrize("seed", range(10))
def test_exact_f1_matches_spacy_scorer(seed: int) -> None:
    documents = _project(seed)
    report = compute_report(documents, layer="spans", labels=LABELS)
    assert report.pairwise
    per_label: dict[str, list[float]] = {label: [] for label in LABELS}
    for pair in report.pairwise:
        scores = _spacy_scores(documents, pair.a, pair.b)
        if pair.n_spans == 0:
            assert pair.spancat_f1 is None
            continue
        assert pair.spancat_f1 == pytest.approx(scores["sc_f"], abs=TOLERANCE)
        assert pair.exact.precision == pytest.approx(scores["sc_p"], abs=TOLERANCE)
        assert pair.exact.recall == pytest.approx(scores["sc_r"], abs=TOLERANCE)
        for label, prf in scores["sc_per_type"].items():
            per_label[label].append(prf["f"])
    for label in LABELS:
        got = report.per_label[label].spancat_f1
        if per_label[label]:
            assert got == pytest.approx(statistics.mean(per_label[label]), abs=TOLERANCE)
        else:
            assert got is None


def _overlap_f1(first: set, second: set) -> float:
    """One-to-one overlap matching on character sets: identical spans first, then greedily
    the pair (same label) sharing the most characters."""
    chars = {s: set(range(s[0], s[1])) for s in first | second}
    matched = len(first & second)
    rest_a, rest_b = first - second, second - first
    shared = [(len(chars[x] & chars[y]), x, y) for x in rest_a for y in rest_b if x[2] == y[2]]
    pairs = sorted((p for p in shared if p[0]), key=lambda p: (-p[0], p[1], p[2]))
    for _, x, y in pairs:
        if x in rest_a and y in rest_b:
            rest_a.discard(x)
            rest_b.discard(y)
            matched += 1
    precision = matched / len(second) if second else 0.0
    recall = matched / len(first) if first else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


@pytest.mark.parametrize("seed", range(10))
def test_overlap_f1_is_one_to_one_greedy_matching(seed: int) -> None:
    documents = _project(seed)
    report = compute_report(documents, layer="spans", labels=LABELS)
    for pair in report.pairwise:
        if pair.n_spans == 0:
            continue
        # pooled over documents: counts add, so F1 comes from the summed matches
        n_a = n_b = matched = 0
        for doc in documents:
            if pair.a in doc.span_cats and pair.b in doc.span_cats:
                a, b = set(doc.span_cats[pair.a]), set(doc.span_cats[pair.b])
                n_a, n_b = n_a + len(a), n_b + len(b)
                f1 = _overlap_f1(a, b)
                # matched = F1 * (|a| + |b|) / 2
                matched += round(f1 * (len(a) + len(b)) / 2)
        expected = 2 * matched / (n_a + n_b)
        assert pair.spancat_overlap_f1 == pytest.approx(expected, abs=TOLERANCE)
        assert pair.spancat_overlap_f1 >= pair.spancat_f1


def test_nested_spans_are_matched_one_to_one() -> None:
    # ann1 marks a claim and a claim inside it; ann2 only the outer one, a little longer
    doc = DocumentAnnotations(
        1, [], span_cats={"ann1": [(0, 20, "CLAIM"), (4, 8, "CLAIM")], "ann2": [(0, 22, "CLAIM")]}
    )
    report = compute_report([doc], layer="spans", labels=LABELS)
    (pair,) = report.pairwise
    assert pair.spancat_f1 == 0.0
    # one match of three spans: P = 1/1, R = 1/2 (the inner span is not found twice)
    assert pair.overlap.precision == 1.0 and pair.overlap.recall == 0.5
    assert pair.spancat_overlap_f1 == pytest.approx(2 / 3)
    # greedy by shared characters: (0, 20) pairs with (2, 20), not with (0, 3)
    spans = {"a": [(0, 20, "ARG"), (0, 4, "ARG")], "b": [(2, 20, "ARG"), (0, 3, "ARG")]}
    doc = DocumentAnnotations(2, [], span_cats=spans)
    report = compute_report([doc], layer="spans")
    assert report.spancat_overlap_f1 == 1.0 and report.spancat_f1 == 0.0
    # labels must agree for a match
    doc = DocumentAnnotations(3, [], span_cats={"a": [(0, 5, "ARG")], "b": [(0, 5, "CLAIM")]})
    report = compute_report([doc], layer="spans")
    assert report.spancat_f1 == 0.0 and report.spancat_overlap_f1 == 0.0


def test_edge_cases_one_rater_and_no_spans() -> None:
    alone = DocumentAnnotations(1, [], span_cats={"ann1": [(0, 5, "ARG")]})
    report = compute_report([alone], layer="spans", labels=LABELS)
    assert report.spancat_f1 is None and report.pairwise == []
    assert report.documents[0].undefined == "fewer than two annotators submitted this document"
    none = DocumentAnnotations(2, [], span_cats={"ann1": [], "ann2": []})
    report = compute_report([none], layer="spans", labels=LABELS)
    assert report.spancat_f1 is None and report.spancat_overlap_f1 is None
    assert report.pairwise[0].undefined["spancat_f1"] == "neither annotator marked a span category"
    assert report.per_label["ARG"].spancat_f1 is None


def test_agreement_api_page_and_cli_report_span_categories(
    app, session, database_url, tmp_path, monkeypatch
) -> None:
    from textlabel import cli
    from textlabel.models import Project

    for name in ("mgr", "ann1", "ann2"):
        make_user(session, name)
    manager = api_as(app, "mgr")
    project = manager.post("/projects", json={
        "name": "Spans", "labels": [{"name": "PER"}], "overlap": 2, "layers": ["spans"],
        "span_labels": [{"name": "CLAIM"}, {"name": "ARG"}],
    }).json  # fmt: skip
    for name in ("ann1", "ann2"):
        manager.post(f"/projects/{project['id']}/members", json={"username": name,
                                                                "role": "annotator"})  # fmt: skip
    text = "Taxes should rise because schools need money and roads need repair."
    (document,) = add_documents(session, session.get(Project, project["id"]), [text])
    end, school = len(text) - 1, text.index("schools")
    arg = {"start": 0, "end": end, "label": "ARG"}
    bodies = {  # nested: the whole sentence is an ARG holding CLAIMs
        "ann1": [arg, {"start": 0, "end": 17, "label": "CLAIM"},
                 {"start": school, "end": school + 18, "label": "CLAIM"}],
        "ann2": [arg, {"start": 0, "end": 12, "label": "CLAIM"}],
    }  # fmt: skip
    for name, spans in bodies.items():
        saved = api_as(app, name).put(f"/documents/{document.id}/annotations/me", json={
            "version": 0, "status": "submitted", "span_cats": spans})  # fmt: skip
        assert saved.status_code == 200, saved.json
    url = f"/projects/{project['id']}/agreement?layer=spans"
    body = manager.get(url).json
    assert body["layer"] == "spans" and body["n_spans"] == 5
    assert body["spancat_f1"] == pytest.approx(2 * 1 / 5)  # 1 identical of 3 + 2
    assert body["spancat_overlap_f1"] == pytest.approx(2 * 2 / 5)
    assert body["per_label"]["ARG"]["spancat_f1"] == 1.0
    assert body["per_label"]["CLAIM"]["spancat_overlap_f1"] == pytest.approx(2 * 1 / 3)
    assert body["cache"] == {"reused": 0, "computed": 1}
    assert manager.get(url).json["cache"] == {"reused": 1, "computed": 0}
    page = sign_in(app.test_client(), "mgr").get(url).get_data(as_text=True)
    assert "Span-category F1, overlap" in page and "0.800" in page
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", database_url)
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "x")
    result = CliRunner().invoke(cli.main, ["agreement", "Spans", "--layer", "spans"])
    assert result.exit_code == 0, result.output
    assert "overlap F1" in result.output and "CLAIM" in result.output
