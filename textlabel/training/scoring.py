"""Entity precision, recall and F1, overall and per label (exact span and label match).

The same counting as spaCy's ``Scorer.score_spans`` (``ents_p/r/f``, ``ents_per_type``),
over project-label spans, so the base model and a fine-tuned one are scored alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from textlabel.records import SpanRecord


@dataclass(frozen=True, slots=True)
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"p": round(self.precision, 4), "r": round(self.recall, 4),
                "f": round(self.f1, 4), "support": self.tp + self.fn}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scores:
    """Scores on one dev set: overall (micro) and per label."""

    total: PRF = field(default_factory=PRF)
    per_label: dict[str, PRF] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        per_label = {k: v.as_dict() for k, v in sorted(self.per_label.items())}
        return {**self.total.as_dict(), "per_label": per_label}


def _keys(spans: Iterable[SpanRecord]) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in spans}


def score_spans(
    gold: Sequence[Sequence[SpanRecord]], predicted: Sequence[Sequence[SpanRecord]]
) -> Scores:
    """Exact-match scores of ``predicted`` against ``gold``, document by document."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold_spans, predicted_spans in zip(gold, predicted, strict=True):
        g, p = _keys(gold_spans), _keys(predicted_spans)
        for *_, label in g & p:
            tp[label] += 1
        for *_, label in p - g:
            fp[label] += 1
        for *_, label in g - p:
            fn[label] += 1
    labels = set(tp) | set(fp) | set(fn)
    per_label = {label: PRF(tp[label], fp[label], fn[label]) for label in labels}
    total = PRF(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return Scores(total=total, per_label=per_label)
