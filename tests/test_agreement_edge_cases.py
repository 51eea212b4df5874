"""Edge cases give defined reports (None + a reason, or the value the literature defines)."""

from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from textlabel.agreement import compute_report, document_stats
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.errors import InvalidInput

TOKENS = [(i * 2, i * 2 + 1) for i in range(60)]  # one-character tokens, a space between
LABELS = ["PER", "ORG"]


def _span(first: int, last: int, label: str) -> tuple[int, int, str]:
    return (TOKENS[first][0], TOKENS[last][1], label)


SPANS = [_span(0, 1, "PER"), _span(5, 5, "ORG"), _span(10, 12, "PER"), _span(20, 20, "ORG")]


def _report(*docs: DocumentAnnotations, layer: str = "entities", **options):
    report = compute_report(list(docs), layer=layer, labels=LABELS, min_items=5, **options)
    json.dumps(asdict(report))  # every edge case still serializes
    return report


def test_one_annotator() -> None:
    report = _report(DocumentAnnotations(1, TOKENS, spans={"solo": SPANS}))
    assert report.annotators == ["solo"]
    assert report.n_documents == 1 and report.n_documents_compared == 0
    assert report.pairwise == []
    for name in ("krippendorff_alpha", "fleiss_kappa", "cohen_kappa", "span_f1"):
        assert getattr(report, name) is None
        assert report.undefined[name]
    assert "two or more annotators" in report.undefined["cohen_kappa"]
    assert report.undefined["fleiss_kappa"] == report.undefined["krippendorff_alpha"]
    assert report.documents[0].score is None
    assert "fewer than two" in report.documents[0].undefined


def test_no_documents() -> None:
    report = _report()
    assert report.n_documents == 0 and report.documents == [] and report.pairwise == []
    assert report.krippendorff_alpha is None


def test_identical_annotations_agree_perfectly() -> None:
    report = _report(DocumentAnnotations(1, TOKENS, spans={"a": SPANS, "b": SPANS, "c": SPANS}))
    for name in ("krippendorff_alpha", "krippendorff_alpha_labelled", "fleiss_kappa",
                 "cohen_kappa", "cohen_kappa_labelled", "span_f1", "overlap_span_f1"):  # fmt: skip
        assert getattr(report, name) == pytest.approx(1.0), name
    assert report.documents[0].score == 1.0
    assert report.per_label["PER"].krippendorff_alpha == pytest.approx(1.0)


def test_no_entities_at_all() -> None:
    report = _report(DocumentAnnotations(1, TOKENS, spans={"a": [], "b": []}))
    assert report.krippendorff_alpha is None
    assert "one and the same value" in report.undefined["krippendorff_alpha"]
    assert report.krippendorff_alpha_labelled is None  # no token left to compare
    assert report.span_f1 is None and "entity" in report.undefined["span_f1"]
    assert report.pairwise[0].cohen_kappa is None
    assert report.documents[0].score is None
    assert set(report.per_label) == set(LABELS)  # the project's labels are listed anyway
    assert report.per_label["PER"].span_f1 is None


def test_all_tokens_one_label() -> None:
    whole = [(TOKENS[0][0], TOKENS[-1][1], "PER")]
    report = _report(DocumentAnnotations(1, TOKENS, spans={"a": whole, "b": whole}))
    # no variation: chance agreement is 1 and the coefficients are 0 / 0 (Krippendorff 2011)
    assert report.krippendorff_alpha is None and report.cohen_kappa is None
    assert report.fleiss_kappa is None
    assert report.span_f1 == 1.0


def test_missing_annotations_across_documents() -> None:
    shifted = [_span(0, 1, "PER"), _span(5, 6, "ORG"), _span(10, 12, "ORG")]
    report = _report(
        DocumentAnnotations(1, TOKENS, spans={"a": SPANS, "b": shifted}),
        DocumentAnnotations(2, TOKENS, spans={"b": SPANS, "c": SPANS}),
        DocumentAnnotations(3, TOKENS, spans={"a": SPANS, "b": SPANS, "c": shifted}),
        DocumentAnnotations(4, TOKENS, spans={"c": SPANS}),
    )
    assert report.annotators == ["a", "b", "c"]
    assert report.n_documents == 4 and report.n_documents_compared == 3
    assert [(p.a, p.b, p.n_documents) for p in report.pairwise] == [
        ("a", "b", 2),
        ("a", "c", 1),
        ("b", "c", 2),
    ]
    assert report.krippendorff_alpha is not None
    assert report.fleiss_kappa is None and "differs" in report.undefined["fleiss_kappa"]
    assert report.n_items == 3 * len(TOKENS)  # document 4 has nobody to agree with


def test_label_only_one_annotator_used() -> None:
    extra = [*SPANS, _span(30, 31, "MISC")]
    report = _report(DocumentAnnotations(1, TOKENS, spans={"a": extra, "b": SPANS}))
    misc = report.per_label["MISC"]
    assert misc.span_f1 == 0.0 and misc.overlap_span_f1 == 0.0
    assert misc.n_spans == 1 and misc.n_items == 2  # two tokens, one annotator
    assert misc.krippendorff_alpha is not None and misc.krippendorff_alpha < 0
    assert misc.cohen_kappa == pytest.approx(0.0)  # a never-used value gives kappa 0
    assert list(report.per_label) == ["PER", "ORG", "MISC"]  # project labels first


def test_pos_with_untagged_tokens_and_one_tag() -> None:
    tokens = TOKENS[:4]
    report = _report(
        DocumentAnnotations(1, tokens, pos={"a": ["NOUN"] * 4, "b": ["NOUN", None, "NOUN", None]}),
        layer="pos",
    )
    assert report.n_items == 2 and report.krippendorff_alpha is None
    assert report.pairwise[0].n_items == 2


def test_coref_without_mentions() -> None:
    report = _report(DocumentAnnotations(1, [], coref={"a": [], "b": []}), layer="coref")
    pair = report.pairwise[0]
    assert pair.conll_f1 == 0.0 and pair.mention_f1 is None
    assert report.documents[0].score is None
    assert report.mention_f1 is None and "neither" in report.undefined["mention_f1"]


def test_coref_with_one_annotator() -> None:
    report = _report(DocumentAnnotations(1, [], coref={"a": [[(0, 3), (9, 12)]]}), layer="coref")
    for name in ("conll_f1", "muc_f1", "b_cubed_f1", "ceaf_e_f1", "mention_f1"):
        assert getattr(report, name) is None
        assert "two or more annotators" in report.undefined[name]


def test_json_shaped_input_is_accepted() -> None:
    as_lists = [list(span) for span in SPANS]
    spans = _report(DocumentAnnotations(1, TOKENS, spans={"a": SPANS, "b": as_lists}))
    assert spans.span_f1 == 1.0
    clusters = [[[0, 3], [9, 12]], [[20, 24]]]
    chains = _report(
        DocumentAnnotations(1, [], coref={"a": clusters, "b": [[(0, 3), (9, 12)]]}),
        layer="coref",
    )
    assert chains.pairwise[0].muc.f1 == 1.0 and chains.mention_f1 == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("doc", "layer", "message"),
    [
        (DocumentAnnotations(1, TOKENS), "sentiment", "unknown agreement layer"),
        (DocumentAnnotations(3, TOKENS, spans={"a": [(4, 2, "PER")]}), "entities", "document 3"),
        (DocumentAnnotations(4, TOKENS, pos={"a": ["NOUN"]}), "pos", "1 POS tags for 60 tokens"),
        (DocumentAnnotations(5, [], coref={"a": [[(0, 1)], [(0, 1)]]}), "coref", "two clusters"),
    ],
)
def test_bad_input_raises_invalid_input(doc, layer: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        document_stats(doc, layer=layer)
