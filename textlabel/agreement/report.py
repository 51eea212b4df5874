"""The project agreement report: ``compute_report = combine(map(document_stats))``.

``dataclasses.asdict(report)`` is the JSON of ``GET /api/v1/projects/{pid}/agreement``:
the contract keys of DESIGN.md plus the additions documented on each class. Project-level
numbers pool the units of all documents (micro); per-document scores sit beside them.

The shape and its conventions (None + reason, ``too_few``, item counts) are in
``results.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from textlabel.agreement import coref
from textlabel.agreement.categorical import (
    NO_ITEMS,
    UNEQUAL_RATERS,
    Coefficient,
    cohen_kappa,
    drop_agreed,
    fleiss_kappa,
    krippendorff_alpha,
    one_vs_rest,
)
from textlabel.agreement.pooling import PairTotals, ProjectTotals, pool, project_vocabulary
from textlabel.agreement.registry import DEFAULT_MIN_ITEMS, MEASURES, headline, layer_measures
from textlabel.agreement.results import (
    AgreementReport,
    ConfusionTable,
    DocumentScore,
    LabelAgreement,
    PairAgreement,
    Scores,
)
from textlabel.agreement.spans import exact_prf, n_spans, overlap_prf
from textlabel.agreement.stats import DocumentAnnotations, DocumentStats, document_stats
from textlabel.agreement.units import OUTSIDE
from textlabel.errors import InvalidInput


def compute_report(
    documents: Iterable[DocumentAnnotations],
    *,
    layer: str,
    labels: Sequence[str] | None = None,
    min_items: int = DEFAULT_MIN_ITEMS,
) -> AgreementReport:
    """The agreement report of a set of documents (their submitted annotations only)."""
    first = list(labels or ())
    stats = [document_stats(doc, layer=layer, labels=first) for doc in documents]
    return combine(stats, layer=layer, labels=first, min_items=min_items)


def combine(
    stats: Iterable[DocumentStats],
    *,
    layer: str,
    labels: Sequence[str] | None = None,
    min_items: int = DEFAULT_MIN_ITEMS,
) -> AgreementReport:
    """Pool per-document statistics (e.g. cached ones) into the project report."""
    view = layer_measures(layer)
    stats = list(stats)
    for doc in stats:
        if doc.layer != layer:
            raise InvalidInput(f"document {doc.doc_id}: statistics of layer {doc.layer!r}")
    first = [OUTSIDE, *(labels or ())] if layer == "entities" else list(labels or ())
    values = project_vocabulary(stats, first) if layer != "coref" else ()
    totals = pool(stats, values)
    report = AgreementReport(
        layer=layer,
        n_documents=len(stats),
        n_documents_compared=sum(1 for doc in stats if doc.pairs),
        annotators=sorted({name for doc in stats for name in doc.annotators}),
        units=view.units,
        min_items=min_items,
        score_kind=view.document_score,
        documents=_document_scores(stats),
    )
    report.pairwise = [_pair(a, b, pair, layer) for (a, b), pair in sorted(totals.pairs.items())]
    if layer == "coref":
        _coref_headline(report, totals)
    elif layer in ("relations", "spans"):
        report.n_spans = round(float(totals.span_totals.sum()))
        report.per_label = _relation_labels(totals, min_items, layer)
    else:
        _token_headline(report, totals, layer)
        if layer != "cats":  # its values are yes / no (multi-choice), not labels
            report.per_label = _per_label(totals, layer, min_items)
        report.confusion = _confusion(totals)
    _headline_means(report)
    report.pair_matrices = _pair_matrices(report)
    _mark_too_few(report, min_items)
    return report


def _set(scope: Scores, name: str, coefficient: Coefficient) -> None:
    setattr(scope, name, coefficient.value)
    if coefficient.undefined is not None:
        scope.undefined[name] = coefficient.undefined


def _fleiss(totals: ProjectTotals, matrix: np.ndarray) -> Coefficient:
    if not totals.raters:
        return Coefficient(None, NO_ITEMS)
    if len(totals.raters) != 1 or None in totals.raters:
        return Coefficient(None, UNEQUAL_RATERS)
    return fleiss_kappa(matrix)


def _token_headline(report: AgreementReport, totals: ProjectTotals, layer: str) -> None:
    report.n_items = totals.n_units
    _set(report, "krippendorff_alpha", krippendorff_alpha(totals.coincidence))
    _set(report, "fleiss_kappa", _fleiss(totals, totals.coincidence))
    if layer == "entities":
        report.n_items_labelled = totals.n_units_labelled
        labelled = drop_agreed(totals.coincidence, 0, amount=totals.outside)
        _set(report, "krippendorff_alpha_labelled", krippendorff_alpha(labelled))
        report.n_spans = round(float(totals.span_totals.sum()))


def _coref_headline(report: AgreementReport, totals: ProjectTotals) -> None:
    report.n_mentions = round(totals.n_mentions)


def _pair(a: str, b: str, pair: PairTotals, layer: str) -> PairAgreement:
    out = PairAgreement(a=a, b=b, n_documents=pair.n_documents)
    if layer == "coref":
        counts = pair.coref
        out.muc, out.b_cubed, out.ceaf_e = (
            counts.muc.prf(),
            counts.b_cubed.prf(),
            counts.ceaf_e.prf(),
        )
        out.conll_f1 = coref.conll_f1_of(out.muc, out.b_cubed, out.ceaf_e)
        n_a, n_b, common = (int(x) for x in counts.mentions)
        out.n_mentions = out.n_items = n_a + n_b
        out.mention_f1 = coref.mention_f1(n_a, n_b, common)
        if out.mention_f1 is None:
            out.undefined["mention_f1"] = "neither annotator marked a mention"
        return out
    if layer == "relations":
        out.n_spans = n_spans(pair.spans)
        out.exact = exact_prf(pair.spans)
        if out.n_spans:
            out.relation_f1 = out.exact.f1
        else:
            out.undefined["relation_f1"] = "neither annotator drew a relation"
        return out
    if layer == "spans":
        out.n_spans = n_spans(pair.spans)
        out.exact, out.overlap = exact_prf(pair.spans), overlap_prf(pair.spans)
        if out.n_spans:
            out.spancat_f1, out.spancat_overlap_f1 = out.exact.f1, out.overlap.f1
        else:
            for name in ("spancat_f1", "spancat_overlap_f1"):
                out.undefined[name] = "neither annotator marked a span category"
        return out
    out.n_items = round(float(pair.confusion.sum()))
    _set(out, "cohen_kappa", cohen_kappa(pair.confusion))
    if layer == "entities":
        out.n_items_labelled = out.n_items - pair.all_outside
        labelled = drop_agreed(pair.confusion, 0, amount=pair.all_outside)
        _set(out, "cohen_kappa_labelled", cohen_kappa(labelled))
        out.n_spans = n_spans(pair.spans)
        _span_numbers(out, pair.spans)
        out.exact, out.overlap = exact_prf(pair.spans), overlap_prf(pair.spans)
    return out


def _span_numbers(scope: PairAgreement | LabelAgreement, counts: np.ndarray) -> None:
    if n_spans(counts) == 0:
        for name in ("span_f1", "overlap_span_f1"):
            scope.undefined[name] = "neither annotator marked an entity"
        return
    scope.span_f1 = exact_prf(counts).f1
    scope.overlap_span_f1 = overlap_prf(counts).f1


def _per_label(totals: ProjectTotals, layer: str, min_items: int) -> dict[str, LabelAgreement]:
    out: dict[str, LabelAgreement] = {}
    start = 1 if layer == "entities" else 0
    for index in range(start, len(totals.values)):
        label = LabelAgreement(n_items=round(float(totals.coincidence[index].sum())))
        binary = one_vs_rest(totals.coincidence, index)
        _set(label, "krippendorff_alpha", krippendorff_alpha(binary))
        _set(label, "fleiss_kappa", _fleiss(totals, binary))
        kappas = [cohen_kappa(one_vs_rest(p.confusion, index)) for p in totals.pairs.values()]
        _set(label, "cohen_kappa", _mean(kappas))
        if layer == "entities":
            label.n_spans = round(float(totals.span_totals[:, index].sum()))
            pairs = [
                pair.spans[:, index : index + 1]
                for pair in totals.pairs.values()
                if n_spans(pair.spans[:, index : index + 1])
            ]
            _set(label, "span_f1", _mean([Coefficient(exact_prf(c).f1) for c in pairs]))
            _set(label, "overlap_span_f1", _mean([Coefficient(overlap_prf(c).f1) for c in pairs]))
        _mark_too_few(label, min_items)
        out[totals.values[index]] = label
    return out


_LABEL_MEASURES = {
    "relations": (("relation_f1", exact_prf),),
    "spans": (("spancat_f1", exact_prf), ("spancat_overlap_f1", overlap_prf)),
}


def _relation_labels(
    totals: ProjectTotals, min_items: int, layer: str
) -> dict[str, LabelAgreement]:
    """Relation F1 (relations) or exact and overlap span-category F1 (spans) per label: the
    mean over annotator pairs that used that label."""
    measures = _LABEL_MEASURES[layer]
    out: dict[str, LabelAgreement] = {}
    for index, value in enumerate(totals.values):
        label = LabelAgreement(n_spans=round(float(totals.span_totals[:, index].sum())))
        counts = [pair.spans[:, index : index + 1] for pair in totals.pairs.values()]
        used = [c for c in counts if n_spans(c)]
        unused = Coefficient(None, "no annotator pair used this label")
        for name, prf in measures:
            defined = [Coefficient(prf(c).f1) for c in used]
            _set(label, name, _mean(defined) if defined else unused)
        _mark_too_few(label, min_items)
        out[value] = label
    return out


def _mean(coefficients: list[Coefficient]) -> Coefficient:
    """Mean over annotator pairs of the defined values; else the pairs' reasons."""
    defined = [c.value for c in coefficients if c.value is not None]
    if defined:
        return Coefficient(float(np.mean(defined)))
    reasons = sorted({c.undefined for c in coefficients if c.undefined})
    if not coefficients:
        reasons = ["no document was submitted by two or more annotators"]
    return Coefficient(None, "; ".join(reasons) or "no annotator pair used this label")


def _headline_means(report: AgreementReport) -> None:
    """The headline numbers that are means over annotator pairs (``Measure.averaged``)."""
    for measure in headline(report.layer):
        if measure.averaged:
            values = [
                Coefficient(measure.value_in(p), p.undefined.get(measure.name))
                for p in report.pairwise
            ]
            _set(report, measure.name, _mean(values))
    if not report.pairwise:
        report.undefined["pairwise"] = "no document was submitted by two or more annotators"


def _pair_matrices(report: AgreementReport) -> dict[str, list[list[float | None]]]:
    measures = [MEASURES[name] for name in layer_measures(report.layer).pairs]
    position = {name: i for i, name in enumerate(report.annotators)}
    size = len(report.annotators)
    out: dict[str, list[list[float | None]]] = {}
    for measure in measures:
        matrix: list[list[float | None]] = [[None] * size for _ in range(size)]
        for pair in report.pairwise:
            i, j = position[pair.a], position[pair.b]
            matrix[i][j] = matrix[j][i] = measure.value_in(pair)
        out[measure.name] = matrix
    return out


def _confusion(totals: ProjectTotals) -> ConfusionTable:
    size = len(totals.values)
    counts = np.zeros((size, size))
    for pair in totals.pairs.values():
        counts += pair.confusion + pair.confusion.T
    return ConfusionTable(list(totals.values), np.rint(counts).astype(int).tolist())


def _document_items(doc: DocumentStats) -> int:
    """What a document's score stands on, in the headline's unit: tokens (items of document
    labels), or for coreference and relations the mentions or relations (each annotator's,
    shared out over the pairs as the headline does)."""
    share = 1.0 / max(1, len(doc.annotators) - 1)
    if doc.layer in ("relations", "spans"):
        return round(sum(float(p.spans[:2].sum()) for p in doc.pairs if p.spans is not None)
                     * share)  # fmt: skip
    if doc.layer != "coref":
        return doc.n_units
    mentions = sum(float(p.coref.mentions[:2].sum()) for p in doc.pairs if p.coref is not None)
    return round(mentions * share)


def _document_scores(stats: list[DocumentStats]) -> list[DocumentScore]:
    scores = [
        DocumentScore(
            doc.doc_id, doc.score, len(doc.annotators), _document_items(doc), doc.score_undefined
        )  # fmt: skip
        for doc in stats
    ]
    return sorted(scores, key=lambda d: (d.score is None, d.score or 0.0, d.id))


def _mark_too_few(scope: Scores, min_items: int) -> None:
    for pair in getattr(scope, "pairwise", ()):
        _mark_too_few(pair, min_items)
    for measure in MEASURES.values():
        name = measure.name
        if getattr(scope, name, None) is not None and getattr(scope, measure.stands_on) < min_items:
            scope.too_few.append(name)
