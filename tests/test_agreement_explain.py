"""Readings of agreement values for the dashboard."""

from __future__ import annotations

import pytest

from textlabel.agreement.explain import WHAT_IT_MEASURES, interpret
from textlabel.agreement.results import AgreementReport


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
    assert numbers <= set(WHAT_IT_MEASURES)
