"""Chain confidence as a calibrated probability: of the chains given confidence c on held-out
text, about c were right whole (every mention one entity), so "accept the chains above 0.8"
means accepting chains that were right about 8 times in 10.

A logistic model over what the written chain shows (its weakest link's raw score from the
sieve priors and the ranker, how many mentions, how many are pronouns, names, distinct heads,
how far apart) fitted by ``bench/coref_calibrate.py`` on LitBank's train part (CC BY 4.0) and
shipped as ``confidence.json``. Without the file the raw score is used as is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from spacy.tokens import Doc

TABLE = Path(__file__).with_name("confidence.json")
FEATURES = (
    "bias",
    "raw",
    "mentions_log",
    "pronoun_share",
    "has_name",
    "heads_log",
    "starts_with_pronoun",
    "widest_gap_log",
)
_PRONOUN_TAGS = frozenset({"PRP", "PRP$"})


def chain_features(doc: Doc, spans: Sequence[tuple[int, int]], raw: float) -> list[float]:
    """The model's inputs for one written chain (token offsets in text order)."""
    pronouns = [end - start == 1 and doc[start].tag_ in _PRONOUN_TAGS for start, end in spans]
    roots = [doc[start:end].root for start, end in spans]
    heads = {root.lower_ for root, pronoun in zip(roots, pronouns, strict=True) if not pronoun}
    gaps = [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    return [
        1.0,
        raw,
        math.log(len(spans)),
        sum(pronouns) / len(spans),
        float(any(root.tag_ in ("NNP", "NNPS") for root in roots)),
        math.log1p(len(heads)),
        float(pronouns[0]),
        math.log1p(max(max(gaps, default=0), 0)) / 5,
    ]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Weights, one per feature of ``FEATURES`` (none: the raw score is returned)."""

    weights: tuple[float, ...] = ()

    def __call__(self, doc: Doc, spans: Sequence[tuple[int, int]], raw: float) -> float:
        """The confidence of the chain written as ``spans``, whose weakest link scored ``raw``."""
        if not self.weights:
            return raw
        return self.probability(chain_features(doc, spans, raw))

    def probability(self, features: Sequence[float]) -> float:
        score = sum(w * x for w, x in zip(self.weights, features, strict=True))
        # a written chain keeps some confidence: 0 would read as "no score"
        return round(min(max(1.0 / (1.0 + math.exp(-score)), 0.01), 0.99), 4)


def read_calibration(path: Path) -> Calibration:
    """The model in ``path``; ValueError naming the file when its features are not the code's."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES or len(data["weights"]) != len(FEATURES):
        raise ValueError(f"{path}: calibration features differ from the code's")
    return Calibration(tuple(float(w) for w in data["weights"]))


@cache
def load_calibration() -> Calibration:
    """The shipped model (the raw score when the file is absent)."""
    return read_calibration(TABLE) if TABLE.exists() else Calibration()
