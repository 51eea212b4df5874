"""The registry of agreement measures: readings, and one source for the page, API and CLI."""

from __future__ import annotations

import dataclasses
import re

import pytest
from marshmallow import fields

from textlabel.agreement.registry import (
    LAYER_MEASURES,
    LAYERS,
    MEASURES,
    get_measure,
    headline,
    interpret,
    layer_measures,
)
from textlabel.agreement.report import compute_report
from textlabel.agreement.results import AgreementReport, LabelAgreement, PairAgreement, Scores
from textlabel.agreement.scales import F1_SCALE, KRIPPENDORFF, LANDIS_KOCH
from textlabel.agreement.stats import DocumentAnnotations
from textlabel.cli.agreement import report_lines
from textlabel.errors import InvalidInput
from textlabel.layers import LAYERS as PROJECT_LAYERS
from textlabel.schemas.agreement import AgreementLabelOut, AgreementOut, AgreementPairOut


@pytest.mark.parametrize(
    ("name", "value", "reading"),
    [
        ("cohen_kappa", -0.1, "poor (below chance)"),
        ("cohen_kappa", 0.1, "slight"),
        ("fleiss_kappa", 0.3, "fair"),
        ("cohen_kappa_labelled", 0.5, "moderate"),
        ("cohen_kappa", 0.767, "substantial"),
        ("cohen_kappa", 0.81, "almost perfect"),
        ("krippendorff_alpha", 0.85, "reliable"),
        ("krippendorff_alpha", 0.7, "tentative only"),
        ("krippendorff_alpha_labelled", 0.503, "unreliable"),
        ("span_f1", 0.95, "high"),
        ("conll_f1", 0.2, "very low"),
        ("span_f1", None, "undefined"),
    ],
)
def test_interpret(name: str, value: float | None, reading: str) -> None:
    assert interpret(name, value) == reading


def test_every_headline_number_is_explained() -> None:
    numbers = {
        name for name, kind in AgreementReport.__annotations__.items() if kind == "float | None"
    }
    assert {"krippendorff_alpha", "span_f1", "conll_f1"} <= numbers
    assert numbers <= set(MEASURES)


def _numbers(scope: type[Scores]) -> set[str]:
    return {f.name for f in dataclasses.fields(scope) if f.type == "float | None"}


def test_agreement_layers_are_project_layers() -> None:
    assert set(LAYERS) <= set(PROJECT_LAYERS)
    assert [view.title for view in LAYER_MEASURES.values()] == [
        "Entities",
        "Part of speech",
        "Coreference",
        "Relations",
        "Document labels",
        "Span categories",
    ]


def test_every_number_of_every_scope_is_registered() -> None:
    assert _numbers(AgreementReport) == set(MEASURES)
    assert _numbers(PairAgreement) | _numbers(LabelAgreement) <= set(MEASURES)
    for measure in MEASURES.values():
        assert measure.stands_on in {f.name for f in dataclasses.fields(Scores)}
        assert measure.layers and set(measure.layers) <= set(LAYERS)
        assert callable(measure.function()), measure.computed_by


@pytest.mark.parametrize("layer", LAYERS)
def test_what_a_layer_shows_is_registered_for_that_layer(layer: str) -> None:
    view = layer_measures(layer)
    for name in (*view.pairs, *view.per_label, view.document_score):
        assert layer in get_measure(name).layers, name
    assert [m.name for m in headline(layer)] == [
        name for name, m in MEASURES.items() if layer in m.layers
    ]


def test_f1_is_not_read_on_kappa_bands() -> None:
    assert not set(F1_SCALE.readings) & set(LANDIS_KOCH.readings)
    assert not set(F1_SCALE.readings) & set(KRIPPENDORFF.readings)
    for measure in MEASURES.values():
        is_f1 = measure.kind in ("unitizing", "coreference")
        assert (measure.scale is F1_SCALE) is is_f1, measure.name
    # issue 15: an exact span F1 of 0.848 was shown as "fair", a kappa word for 0.21-0.40
    assert interpret("span_f1", 0.848) == "good"
    assert interpret("conll_f1", 0.781) == "modest"
    assert interpret("cohen_kappa", 0.848) == "almost perfect"


@pytest.mark.parametrize("name", ["accuracy", "", "Span_F1", "muc"])
def test_an_unknown_measure_raises(name: str) -> None:
    with pytest.raises(InvalidInput, match="unknown agreement measure"):
        get_measure(name)
    with pytest.raises(InvalidInput, match="known measures: krippendorff_alpha"):
        interpret(name, 0.5)


def test_an_unknown_layer_raises() -> None:
    with pytest.raises(
        InvalidInput, match="expected one of entities, pos, coref, relations, cats, spans"
    ):
        layer_measures("sentences")
    with pytest.raises(InvalidInput):
        headline("sentences")


def _floats(schema: type) -> dict[str, fields.Field]:
    return {
        name: field
        for name, field in schema._declared_fields.items()
        if isinstance(field, fields.Float)
    }


@pytest.mark.parametrize(
    ("schema", "scope"),
    [(AgreementOut, AgreementReport), (AgreementPairOut, PairAgreement),
     (AgreementLabelOut, LabelAgreement)],
)  # fmt: skip
def test_the_api_schema_describes_measures_from_the_registry(schema: type, scope: type) -> None:
    floats = _floats(schema)
    assert set(floats) == _numbers(scope)
    for name, field in floats.items():
        measure = get_measure(name)
        description = field.metadata["description"]
        assert description.startswith(measure.explanation) and measure.scale.name in description


TOKENS = [(i * 2, i * 2 + 1) for i in range(12)]


def _documents() -> list[DocumentAnnotations]:
    first = [(0, 3, "PER"), (6, 9, "ORG"), (12, 13, "PER")]
    second = [(0, 3, "PER"), (6, 9, "PER"), (16, 19, "ORG")]
    return [
        DocumentAnnotations(
            1,
            TOKENS,
            spans={"ann1": first, "ann2": second},
            pos={"ann1": ["NOUN", "VERB"] * 6, "ann2": ["NOUN", "NOUN"] * 6},
            coref={"ann1": [[(0, 3), (12, 13)]], "ann2": [[(0, 3), (16, 19)]]},
            relations={
                "ann1": [(0, 3, 12, 13, "PER")],
                "ann2": [(0, 3, 12, 13, "PER"), (0, 3, 16, 19, "ORG")],
            },
            cats={"ann1": ["PER"], "ann2": ["PER", "ORG"]},
            categories=("PER", "ORG"),
            span_cats={"ann1": [(0, 9, "PER"), (0, 3, "PER")], "ann2": [(0, 9, "PER")]},
        )
    ]


@pytest.mark.parametrize("layer", LAYERS)
def test_the_cli_table_reads_the_registry(layer: str) -> None:
    report = compute_report(_documents(), layer=layer, labels=["PER", "ORG"])
    lines = report_lines(report, project_name="P", n_documents=5)
    text = "\n".join(lines)
    for measure in headline(layer):
        value = measure.value_in(report)
        row = next(line for line in lines if line.startswith(measure.title + " "))
        assert row.split()[len(measure.title.split()) :][:2] == [
            "-" if value is None else f"{value:.3f}",
            measure.read(value).split()[0],
        ]
    pair_header = next(line for line in lines if line.startswith("pair "))
    assert re.split(r"\s{2,}", pair_header.strip())[1:-1] == [
        get_measure(name).short for name in LAYER_MEASURES[layer].pairs
    ]
    assert f"most disputed documents ({get_measure(report.score_kind).title})" in text
