"""Inter-annotator agreement: pure metric functions and the project report builder.

Nothing here imports Flask or the database. The service (``service.py``) loads submitted
annotations as ``DocumentAnnotations``, caches ``document_stats`` per document and
annotation versions, and calls ``combine`` on the cached statistics;
``compute_report`` does both steps at once. ``registry.py`` says what each number is.

The names below are imported on first use, so ``textlabel.agreement.registry`` (read by
``textlabel --help`` and the OpenAPI document) loads neither numpy nor scipy.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textlabel.agreement.coref import PRF, b_cubed, ceaf_e, conll_f1, muc
    from textlabel.agreement.registry import LAYERS
    from textlabel.agreement.report import combine, compute_report
    from textlabel.agreement.results import (
        AgreementReport,
        ConfusionTable,
        DocumentScore,
        LabelAgreement,
        PairAgreement,
    )
    from textlabel.agreement.stats import DocumentAnnotations, DocumentStats, document_stats

_HOMES = {
    "LAYERS": "registry",
    "PRF": "coref",
    "b_cubed": "coref",
    "ceaf_e": "coref",
    "conll_f1": "coref",
    "muc": "coref",
    "combine": "report",
    "compute_report": "report",
    "AgreementReport": "results",
    "ConfusionTable": "results",
    "DocumentScore": "results",
    "LabelAgreement": "results",
    "PairAgreement": "results",
    "DocumentAnnotations": "stats",
    "DocumentStats": "stats",
    "document_stats": "stats",
}
__all__ = [
    "LAYERS",
    "PRF",
    "AgreementReport",
    "ConfusionTable",
    "DocumentAnnotations",
    "DocumentScore",
    "DocumentStats",
    "LabelAgreement",
    "PairAgreement",
    "b_cubed",
    "ceaf_e",
    "combine",
    "compute_report",
    "conll_f1",
    "document_stats",
    "muc",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'textlabel.agreement' has no attribute {name!r}")
    return getattr(import_module(f"textlabel.agreement.{home}"), name)
