"""The one registry of agreement measures: what each number is, how to read it, where it shows.

Each ``Measure`` carries its name (the report field that holds it), title, a one-sentence
explanation, the scale its values are read on, the layers whose report leads with it, what
it stands on, and the pure function that computes it. Each ``LayerMeasures`` says which of
them a layer's report shows per annotator pair, per label and per document. The report
builder, the dashboard, the API schema and the CLI look measures up here instead of keeping
their own tables, as INCEpTION's ``AgreementMeasureSupportRegistry`` does; an unknown name
raises.

Coding measures (α, κ over token values) and unitizing / coreference measures (F1 over spans
and mentions) are kept apart, and so are their scales (``scales.py``): an F1 is never read
with the Landis & Koch bands of κ.

Nothing here imports numpy or the metric modules: listing measures (for ``--help`` or the
OpenAPI document) stays cheap; ``Measure.function()`` imports the metric on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import Any, Literal

from textlabel.agreement.scales import F1_SCALE, KRIPPENDORFF, LANDIS_KOCH, Scale
from textlabel.errors import InvalidInput
from textlabel.layers import TITLES

# Numbers standing on fewer items than this are marked "too few" (the report's ``too_few``)
DEFAULT_MIN_ITEMS = 50

Kind = Literal["coding", "unitizing", "coreference"]
StandsOn = Literal["n_items", "n_items_labelled", "n_spans", "n_mentions"]


@dataclass(frozen=True, slots=True)
class Measure:
    """One agreement number.

    ``name`` is the field holding it in ``AgreementReport`` (and in ``PairAgreement`` /
    ``LabelAgreement`` where those have it); ``pair_prf`` names the pair's PRF field whose
    F1 it is when the pair has no field of its own. ``layers`` are the layers whose report
    leads with it; ``averaged``: the project number is the mean over annotator pairs.
    ``computed_by`` is the pure function behind it, "module:function".
    """

    name: str
    title: str
    short: str
    explanation: str
    kind: Kind
    scale: Scale
    layers: tuple[str, ...]
    stands_on: StandsOn
    computed_by: str
    averaged: bool = False
    pair_prf: str | None = None

    def read(self, value: float | None) -> str:
        """A short reading of ``value`` on this measure's scale."""
        return self.scale.read(value)

    def explain(self, *, project: bool = False) -> str:
        """The explanation; for a project number, also whether it is a mean over pairs."""
        if project and self.averaged:
            return f"{self.explanation} Mean over annotator pairs."
        return self.explanation

    def value_in(self, scope: object) -> float | None:
        """This measure's number in a report, pair or label scope (None when it has none)."""
        if self.pair_prf is not None and not hasattr(scope, self.name):
            prf = getattr(scope, self.pair_prf, None)
            return None if prf is None else float(prf.f1)
        value: float | None = getattr(scope, self.name, None)
        return value

    def function(self) -> Callable[..., Any]:
        """Import and return the function that computes this measure."""
        module_name, _, function_name = self.computed_by.partition(":")
        found: Callable[..., Any] = getattr(import_module(module_name), function_name)
        return found


@dataclass(frozen=True, slots=True)
class LayerMeasures:
    """What a layer's report shows besides its headline (measure names, in display order)."""

    layer: str
    units: str
    pairs: tuple[str, ...]  # per annotator pair: matrices, heatmaps, the CLI's pair table
    per_label: tuple[str, ...]  # per label: the dashboard's bars, the CLI's label table
    document_score: str  # each document's own score, lower = more disagreement

    @property
    def title(self) -> str:
        return TITLES[self.layer]


_CATEGORICAL = "textlabel.agreement.categorical"
_CODING = ("entities", "pos", "cats")
MEASURES: dict[str, Measure] = {
    measure.name: measure
    for measure in (
        Measure(
            "krippendorff_alpha",
            "Krippendorff's α",
            "alpha",
            "Agreement on every token's label beyond chance, all annotators at once; "
            "missing annotations allowed (1 = perfect, 0 = chance).",
            kind="coding",
            scale=KRIPPENDORFF,
            layers=_CODING,
            stands_on="n_items",
            computed_by=f"{_CATEGORICAL}:krippendorff_alpha",
        ),
        Measure(
            "krippendorff_alpha_labelled",
            "α without all-O tokens",
            "alpha w/o O",
            "The same alpha on only the tokens some annotator put in an entity, so the many "
            "agreed O tokens do not inflate it.",
            kind="coding",
            scale=KRIPPENDORFF,
            layers=("entities",),
            stands_on="n_items_labelled",
            computed_by=f"{_CATEGORICAL}:krippendorff_alpha",
        ),
        Measure(
            "fleiss_kappa",
            "Fleiss' κ",
            "Fleiss' kappa",
            "Chance-corrected token agreement when every document has the same number of "
            "annotators.",
            kind="coding",
            scale=LANDIS_KOCH,
            layers=_CODING,
            stands_on="n_items",
            computed_by=f"{_CATEGORICAL}:fleiss_kappa",
        ),
        Measure(
            "cohen_kappa",
            "Cohen's κ (mean of pairs)",
            "kappa",
            "Chance-corrected token agreement of two annotators.",
            kind="coding",
            scale=LANDIS_KOCH,
            layers=_CODING,
            stands_on="n_items",
            computed_by=f"{_CATEGORICAL}:cohen_kappa",
            averaged=True,
        ),
        Measure(
            "cohen_kappa_labelled",
            "Cohen's κ without all-O tokens",
            "kappa w/o O",
            "Cohen's kappa without the tokens every annotator left outside any entity.",
            kind="coding",
            scale=LANDIS_KOCH,
            layers=("entities",),
            stands_on="n_items_labelled",
            computed_by=f"{_CATEGORICAL}:cohen_kappa",
            averaged=True,
        ),
        Measure(
            "span_f1",
            "Span F1, exact",
            "span F1",
            "Share of entities two annotators marked identically (same start, end and label).",
            kind="unitizing",
            scale=F1_SCALE,
            layers=("entities",),
            stands_on="n_spans",
            computed_by="textlabel.agreement.spans:exact_prf",
            averaged=True,
        ),
        Measure(
            "overlap_span_f1",
            "Span F1, overlap",
            "overlap F1",
            "Like span F1, but overlapping spans with the same label count as agreeing, so "
            "boundary differences are forgiven.",
            kind="unitizing",
            scale=F1_SCALE,
            layers=("entities",),
            stands_on="n_spans",
            computed_by="textlabel.agreement.spans:overlap_prf",
            averaged=True,
        ),
        Measure(
            "relation_f1",
            "Relation F1",
            "relation F1",
            "Share of relations two annotators drew identically: the same head entity, child "
            "entity (by offsets) and label.",
            kind="unitizing",
            scale=F1_SCALE,
            layers=("relations",),
            stands_on="n_spans",
            computed_by="textlabel.agreement.spans:exact_prf",
            averaged=True,
        ),
        Measure(
            "spancat_f1",
            "Span-category F1, exact",
            "exact F1",
            "Share of span categories two annotators marked identically (same start, end and "
            "label); nested and overlapping spans each count.",
            kind="unitizing",
            scale=F1_SCALE,
            layers=("spans",),
            stands_on="n_spans",
            computed_by="textlabel.agreement.spancats:spancat_counts",
            averaged=True,
        ),
        Measure(
            "spancat_overlap_f1",
            "Span-category F1, overlap",
            "overlap F1",
            "Spans with the same label that share characters, matched one to one (identical "
            "ones first, then the pair sharing most characters), so boundary differences are "
            "forgiven but no span is counted twice.",
            kind="unitizing",
            scale=F1_SCALE,
            layers=("spans",),
            stands_on="n_spans",
            computed_by="textlabel.agreement.spancats:spancat_counts",
            averaged=True,
        ),
        Measure(
            "conll_f1",
            "CoNLL F1",
            "CoNLL F1",
            "Mean of MUC, B-cubed and CEAF-e F1: how similarly two annotators grouped "
            "mentions into entities.",
            kind="coreference",
            scale=F1_SCALE,
            layers=("coref",),
            stands_on="n_mentions",
            computed_by="textlabel.agreement.coref:conll_f1_of",
            averaged=True,
        ),
        Measure(
            "muc_f1",
            "MUC F1",
            "MUC F1",
            "Coreference links one annotator would have to add or cut to match the other.",
            kind="coreference",
            scale=F1_SCALE,
            layers=("coref",),
            stands_on="n_mentions",
            computed_by="textlabel.agreement.coref:muc",
            averaged=True,
            pair_prf="muc",
        ),
        Measure(
            "b_cubed_f1",
            "B³ F1",
            "B³ F1",
            "Per mention, how much its entity overlaps the other annotator's.",
            kind="coreference",
            scale=F1_SCALE,
            layers=("coref",),
            stands_on="n_mentions",
            computed_by="textlabel.agreement.coref:b_cubed",
            averaged=True,
            pair_prf="b_cubed",
        ),
        Measure(
            "ceaf_e_f1",
            "CEAF-e F1",
            "CEAF-e F1",
            "Entities matched one to one between annotators by their shared mentions.",
            kind="coreference",
            scale=F1_SCALE,
            layers=("coref",),
            stands_on="n_mentions",
            computed_by="textlabel.agreement.coref:ceaf_e",
            averaged=True,
            pair_prf="ceaf_e",
        ),
        Measure(
            "mention_f1",
            "Mention F1",
            "mention F1",
            "Share of coreference mentions both annotators marked at the same offsets.",
            kind="coreference",
            scale=F1_SCALE,
            layers=("coref",),
            stands_on="n_mentions",
            computed_by="textlabel.agreement.coref:mention_f1",
            averaged=True,
        ),
    )
}

LAYER_MEASURES: dict[str, LayerMeasures] = {
    view.layer: view
    for view in (
        LayerMeasures(
            "entities",
            "tokens of documents with two or more annotators; a token's value is the label of "
            'the entity covering it, or O; the "without all-O tokens" numbers leave out tokens '
            "every annotator of the document left O",
            pairs=("cohen_kappa", "span_f1"),
            per_label=("span_f1", "krippendorff_alpha"),
            document_score="span_f1",
        ),
        LayerMeasures(
            "pos",
            "tokens of documents with two or more annotators; untagged tokens are missing",
            pairs=("cohen_kappa",),
            per_label=("krippendorff_alpha",),
            document_score="krippendorff_alpha",
        ),
        LayerMeasures(
            "coref",
            "mentions by character offsets, clusters compared per document",
            pairs=("conll_f1",),
            per_label=(),
            document_score="conll_f1",
        ),
        LayerMeasures(
            "relations",
            "relations of documents with two or more annotators, each a (head entity, child "
            "entity, label) triple by character offsets; a symmetric relation is stored with "
            "its earlier entity as head, so it matches whichever way it was drawn",
            pairs=("relation_f1",),
            per_label=("relation_f1",),
            document_score="relation_f1",
        ),
        LayerMeasures(
            "cats",
            "document labels of documents with two or more annotators: in multi-choice "
            'projects one item per document and category valued "yes" or "no", in '
            "single-choice ones one item per document valued with the chosen category",
            pairs=("cohen_kappa",),
            per_label=(),
            document_score="krippendorff_alpha",
        ),
        LayerMeasures(
            "spans",
            "span categories of documents with two or more annotators, each a (start, end, "
            "label) by character offsets; spans may overlap and nest, and each is one item",
            pairs=("spancat_f1", "spancat_overlap_f1"),
            per_label=("spancat_f1", "spancat_overlap_f1"),
            document_score="spancat_f1",
        ),
    )
}

# The layers agreement is measured on, in the order reports and tabs list them
LAYERS: tuple[str, ...] = tuple(LAYER_MEASURES)


def get_measure(name: str) -> Measure:
    """The measure called ``name``.

    Raises:
        InvalidInput: for a name not in ``MEASURES``, listing the known ones.
    """
    try:
        return MEASURES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown agreement measure {name!r}; known measures: {', '.join(MEASURES)}",
            details={"measure": name, "known": list(MEASURES)},
        ) from None


def layer_measures(layer: str) -> LayerMeasures:
    """What the report of ``layer`` shows.

    Raises:
        InvalidInput: for a layer agreement is not measured on, listing the known ones.
    """
    try:
        return LAYER_MEASURES[layer]
    except KeyError:
        raise InvalidInput(
            f"unknown agreement layer {layer!r}; expected one of {', '.join(LAYERS)}",
            details={"layer": layer},
        ) from None


def headline(layer: str) -> tuple[Measure, ...]:
    """The measures the report of ``layer`` leads with, in display order."""
    layer_measures(layer)
    return tuple(measure for measure in MEASURES.values() if layer in measure.layers)


def interpret(name: str, value: float | None) -> str:
    """A short reading of ``value`` for the measure ``name`` ("undefined" for None)."""
    return get_measure(name).read(value)
