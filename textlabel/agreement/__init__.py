"""Inter-annotator agreement: pure metric functions and the project report builder.

Nothing here imports Flask or the database. The service (``service.py``) loads submitted
annotations as ``DocumentAnnotations``, caches ``document_stats`` per document and
annotation versions, and calls ``combine`` on the cached statistics;
``compute_report`` does both steps at once.
"""

from __future__ import annotations

from textlabel.agreement.coref import PRF, b_cubed, ceaf_e, conll_f1, muc
from textlabel.agreement.report import combine, compute_report
from textlabel.agreement.results import (
    AgreementReport,
    ConfusionTable,
    DocumentScore,
    LabelAgreement,
    PairAgreement,
)
from textlabel.agreement.stats import LAYERS, DocumentAnnotations, DocumentStats, document_stats

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
