"""Annotators against gold: exact-match precision, recall and F1 of spans, per label.

Pure. A span counts as correct only when start, end and label all match a gold span, the
same exact-match convention as the agreement report's span F1 and spaCy's ``ents_f``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SpanKey = tuple[int, int, str]


@dataclass(slots=True)
class PRFCounts:
    """True positives, false positives, false negatives; scores are None when undefined."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None

    @property
    def f1(self) -> float | None:
        total = 2 * self.tp + self.fp + self.fn
        return 2 * self.tp / total if total else None


@dataclass(slots=True)
class AnnotatorScore:
    annotator: str
    n_documents: int = 0
    overall: PRFCounts = field(default_factory=PRFCounts)
    per_label: dict[str, PRFCounts] = field(default_factory=dict)


def score_against_gold(
    pairs: Iterable[tuple[str, Sequence[SpanKey], Sequence[SpanKey]]],
) -> list[AnnotatorScore]:
    """``pairs`` are (annotator, their spans, gold spans) per document they submitted and
    gold exists for; returns one score per annotator, sorted by name."""
    scores: dict[str, AnnotatorScore] = {}
    for annotator, spans, gold in pairs:
        score = scores.setdefault(annotator, AnnotatorScore(annotator))
        score.n_documents += 1
        made, truth = set(spans), set(gold)
        for key, kind in [*((k, "tp") for k in made & truth), *((k, "fp") for k in made - truth),
                          *((k, "fn") for k in truth - made)]:  # fmt: skip
            for counts in (score.overall, score.per_label.setdefault(key[2], PRFCounts())):
                setattr(counts, kind, getattr(counts, kind) + 1)
    for score in scores.values():
        score.per_label = dict(sorted(score.per_label.items()))
    return [scores[name] for name in sorted(scores)]
