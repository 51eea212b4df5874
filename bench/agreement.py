"""Benchmark: the full entity agreement report against the krippendorff package alone.

10,000 documents x 3 annotators x 200 tokens. Each annotator copies a gold set of spans
with realistic noise: missed spans, label swaps, boundary shifts of one token, and extra
spans. Prints the time of the full report (per-document statistics + combination), of a
recombination from cached per-document statistics, and of ``krippendorff.alpha`` (nominal)
on the same tokens in the same run, plus their ratio. Run:

    .venv/bin/python bench/agreement.py [--documents N] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import asdict

import numpy as np

from textlabel.agreement.report import combine, compute_report
from textlabel.agreement.stats import DocumentAnnotations, document_stats
from textlabel.agreement.units import token_bounds, token_codes

LABELS = ["PER", "ORG", "LOC", "MISC"]
ANNOTATORS = ["ann1", "ann2", "ann3"]
N_TOKENS = 200


def make_tokens(rng: random.Random) -> list[tuple[int, int]]:
    tokens, offset = [], 0
    for _ in range(N_TOKENS):
        length = rng.randint(1, 9)
        tokens.append((offset, offset + length))
        offset += length + 1
    return tokens


def gold_spans(rng: random.Random) -> list[tuple[int, int, str]]:
    """About 15 non-overlapping entities of 1-4 tokens, as token index ranges."""
    spans, position = [], rng.randint(0, 10)
    while position < N_TOKENS - 4:
        length = rng.choice([1, 1, 1, 2, 2, 3, 4])
        spans.append((position, position + length, rng.choice(LABELS)))
        position += length + rng.randint(3, 20)
    return spans


def noisy(rng: random.Random, gold: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out = []
    for start, end, label in gold:
        roll = rng.random()
        if roll < 0.06:
            continue  # missed
        if roll < 0.12:
            label = rng.choice([x for x in LABELS if x != label])  # label swap
        elif roll < 0.22:
            if rng.random() < 0.5:
                start = max(0, start + rng.choice([-1, 1]))
            else:
                end = min(N_TOKENS, end + rng.choice([-1, 1]))
            if end <= start:
                end = start + 1
        out.append((start, end, label))
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):  # extra spans
        start = rng.randrange(N_TOKENS - 1)
        out.append((start, start + 1, rng.choice(LABELS)))
    return out


def make_documents(n_documents: int, seed: int) -> list[DocumentAnnotations]:
    rng = random.Random(seed)
    documents = []
    for doc_id in range(n_documents):
        tokens = make_tokens(rng)
        gold = gold_spans(rng)
        spans = {}
        for name in ANNOTATORS:
            spans[name] = [
                (tokens[s][0], tokens[e - 1][1], label) for s, e, label in noisy(rng, gold)
            ]
        documents.append(DocumentAnnotations(doc_id, tokens, spans=spans))
    return documents


def reliability_matrix(documents: list[DocumentAnnotations]) -> np.ndarray:
    """Annotators x all tokens, the krippendorff package's input (built outside the timing)."""
    codes = {label: i for i, label in enumerate(["O", *LABELS])}
    columns = []
    for doc in documents:
        starts, ends = token_bounds(doc.tokens)
        columns.append(
            np.array([token_codes(starts, ends, doc.spans[n], codes=codes) for n in ANNOTATORS])
        )
    return np.concatenate(columns, axis=1).astype(float)


class Timing:
    """Wall-clock and CPU seconds: CPU time is the fairer figure on a shared, loaded box."""

    def __init__(self, wall: float, cpu: float) -> None:
        self.wall, self.cpu = wall, cpu

    def __str__(self) -> str:
        return f"{self.wall:7.3f} s wall  {self.cpu:7.3f} s CPU"


def timed(function, *args, **kwargs):
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, Timing(time.perf_counter() - wall, time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    options = parser.parse_args()

    import krippendorff

    documents = make_documents(options.documents, options.seed)
    data = reliability_matrix(documents)

    report, report_seconds = timed(compute_report, documents, layer="entities", labels=LABELS)
    stats, stats_seconds = timed(
        lambda: [document_stats(d, layer="entities", labels=LABELS) for d in documents]
    )
    _, combine_seconds = timed(combine, stats, layer="entities", labels=LABELS)
    _, json_seconds = timed(asdict, report)
    alpha, package_seconds = timed(
        krippendorff.alpha, reliability_data=data, level_of_measurement="nominal"
    )

    print(
        f"{options.documents:,} documents x {len(ANNOTATORS)} annotators x {N_TOKENS} tokens "
        f"({data.shape[1]:,} units, {report.n_spans:,} annotator-spans)"
    )
    print(f"full entity report (compute_report):     {report_seconds}")
    print(f"  per-document statistics alone:         {stats_seconds}")
    print(f"  recombining cached statistics:         {combine_seconds}")
    print(f"dataclasses.asdict(report) (JSON-ready): {json_seconds}")
    print(f"krippendorff.alpha alone (nominal):      {package_seconds}")
    ratio_wall = report_seconds.wall / package_seconds.wall
    ratio_cpu = report_seconds.cpu / package_seconds.cpu
    print(f"ratio full report / krippendorff alpha:  {ratio_wall:7.2f} wall  {ratio_cpu:7.2f} CPU")
    print(f"alpha: report {report.krippendorff_alpha:.12f}  package {alpha:.12f}")
    print(
        f"span F1 {report.span_f1:.4f}  overlap F1 {report.overlap_span_f1:.4f}  "
        f"Cohen {report.cohen_kappa:.4f} (labelled {report.cohen_kappa_labelled:.4f})  "
        f"Fleiss {report.fleiss_kappa:.4f}"
    )
    verdict = "met" if report_seconds.wall < 5 else "NOT met"
    print(f"target: full report under 5 s wall: {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
