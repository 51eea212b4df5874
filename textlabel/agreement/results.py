"""The agreement report's shape: plain dataclasses, so ``dataclasses.asdict`` is its JSON.

Conventions that hold in every scope (report, pair, label, document):

- a number the data cannot define is None, and ``undefined[name]`` says why;
- ``too_few`` lists the numbers whose item count is below the report's ``min_items``;
- token measures stand on ``n_items`` tokens (``n_items_labelled`` for ``*_labelled``),
  document-label measures on ``n_items`` items, span and relation measures on ``n_spans``
  spans (relations, span categories), coreference measures on ``n_mentions`` mentions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textlabel.agreement.coref import PRF
from textlabel.agreement.registry import DEFAULT_MIN_ITEMS


@dataclass(slots=True)
class Scores:
    """Numbers of one scope with their item counts, reasons and small-sample markers."""

    n_items: int = 0
    n_items_labelled: int = 0
    n_spans: int = 0
    n_mentions: int = 0
    too_few: list[str] = field(default_factory=list)
    undefined: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class PairAgreement(Scores):
    """Two annotators over every document both submitted (``a`` is the key for P / R)."""

    a: str = ""
    b: str = ""
    n_documents: int = 0
    cohen_kappa: float | None = None
    cohen_kappa_labelled: float | None = None
    span_f1: float | None = None
    overlap_span_f1: float | None = None
    relation_f1: float | None = None
    spancat_f1: float | None = None
    spancat_overlap_f1: float | None = None
    exact: PRF | None = None
    overlap: PRF | None = None
    muc: PRF | None = None
    b_cubed: PRF | None = None
    ceaf_e: PRF | None = None
    conll_f1: float | None = None
    mention_f1: float | None = None


@dataclass(slots=True)
class LabelAgreement(Scores):
    """One label against all others; pairwise numbers are means over annotator pairs.

    ``n_items`` counts token values carrying the label (all annotators together).
    """

    krippendorff_alpha: float | None = None
    fleiss_kappa: float | None = None
    cohen_kappa: float | None = None
    span_f1: float | None = None
    overlap_span_f1: float | None = None
    relation_f1: float | None = None
    spancat_f1: float | None = None
    spancat_overlap_f1: float | None = None


@dataclass(slots=True)
class DocumentScore:
    """One document's own score (``AgreementReport.score_kind``); lower = more disagreement."""

    id: int
    score: float | None
    n_annotators: int
    n_items: int
    undefined: str | None = None


@dataclass(slots=True)
class ConfusionTable:
    """Counts of value pairs over all annotator pairs, both orders (so it is symmetric)."""

    labels: list[str]
    counts: list[list[int]]


@dataclass(slots=True)
class AgreementReport(Scores):
    """The whole report; pairwise headline numbers are means over annotator pairs."""

    layer: str = ""
    n_documents: int = 0
    n_documents_compared: int = 0
    annotators: list[str] = field(default_factory=list)
    units: str = ""
    krippendorff_alpha: float | None = None
    krippendorff_alpha_labelled: float | None = None
    fleiss_kappa: float | None = None
    cohen_kappa: float | None = None
    cohen_kappa_labelled: float | None = None
    span_f1: float | None = None
    overlap_span_f1: float | None = None
    relation_f1: float | None = None
    spancat_f1: float | None = None
    spancat_overlap_f1: float | None = None
    conll_f1: float | None = None
    muc_f1: float | None = None
    b_cubed_f1: float | None = None
    ceaf_e_f1: float | None = None
    mention_f1: float | None = None
    min_items: int = DEFAULT_MIN_ITEMS
    pairwise: list[PairAgreement] = field(default_factory=list)
    pair_matrices: dict[str, list[list[float | None]]] = field(default_factory=dict)
    per_label: dict[str, LabelAgreement] = field(default_factory=dict)
    confusion: ConfusionTable | None = None
    score_kind: str = ""
    documents: list[DocumentScore] = field(default_factory=list)
