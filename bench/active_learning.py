"""Benchmark: does ordering documents by model uncertainty save annotation? A simulation on
real corpora (wikigold, WNUT17 in ../shared/data/ner): split by document into a training
pool and a dev set (``--dev-share`` of the source documents, fixed), start from ``--start``
labelled documents drawn at random, then add ``--step`` documents at a time, chosen by each
of ``--strategies``: ``random``; ``uncertainty``, the queue's own ranking
(``textlabel.nlp.uncertainty.document_uncertainty``, what the product stores per document);
and, to compare scores the product does not use, ``mean`` (mean per-token doubt
``1 - margin``), ``sum`` (total doubt of the document), ``top3`` (its three most doubtful
tokens per token), ``sqrt`` (total doubt over the square root of the length), ``both``
(disagreement between the base and the trained model plus the mean doubt) and ``disagree``
(disagreement first, the mean doubt breaking ties) and ``novel`` (mean doubt, counting only
the doubt on words not already doubtful in a document picked earlier in the same step) and
``density`` (the queue's uncertainty times the unit's mean TF-IDF cosine similarity to the
unlabelled pool: Settles & Craven 2008's information density, beta = 1) and ``entity``
(entity-level least confidence per token, ``textlabel.nlp.uncertainty.entity_doubt``: each
predicted entity counts its weakest action's doubt once, each token read as outside the
probability that an entity starts there).
After every step the base model is fine-tuned afresh on everything labelled so far
(``training.finetune``, the code the ``train`` job runs) and its entity F1 on dev is printed
with the number of labelled tokens (and the 1-minute load average then: the machine is shared,
and a step's seconds mean little without it). Each strategy runs with every seed (seeds change
the first sample, the random order and training). The summary says how many tokens each order
needed to reach the F1 that random order has at its last step, and the mean F1 difference at
equal steps, and the fair measure: each curve linear between its steps, the mean over seeds of
those curves, the token share at which it reaches random's mean final F1, with a bootstrap
interval over seeds. A run is deterministic per seed, so seeds and strategies can run in
separate processes (``--first-seed``, ``--strategies``) and their printed lines be summarized
together (``--from-log`` on the outputs).

wikigold's 145 articles are too few to add 50 at a time, so its units are passages of
``PASSAGE_SENTENCES`` sentences; the train/dev split is still by article, so no article
has passages on both sides (``--passage`` sentences each). WNUT17 units are tweets.
``--new-labels`` maps none of the model's labels to the corpus's: a project whose labels the
base model lacks (wikigold's ``ORG`` and ``LOC`` are the model's own by name), where the
learning curve is steep. Run (it takes long; be nice): see
README, "Does it pay?", for the commands and figures.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from textlabel.ingest.base import ReadOptions
from textlabel.ingest.conll import read
from textlabel.nlp.docs import record_to_doc
from textlabel.nlp.pipeline import default_model_name
from textlabel.nlp.uncertainty import (
    disagreement,
    document_uncertainty,
    entity_doubt,
    greedy_scores,
)
from textlabel.records import DocumentRecord
from textlabel.training.finetune import (
    TrainSettings,
    evaluate,
    fine_tune,
    load_base,
    predict_spans,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from al_curves import from_log, summarize  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent.parent / "shared" / "data" / "ner"
PASSAGE_SENTENCES = 4
CORPORA = {
    "wikigold": (
        "wikigold.conll.txt",
        {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC",
         "NORP": "MISC", "EVENT": "MISC", "PRODUCT": "MISC", "WORK_OF_ART": "MISC",
         "LAW": "MISC", "LANGUAGE": "MISC"},
    ),
    "wnut17": (
        "wnut17_emerging.test.annotated",
        {"PERSON": "person", "ORG": "corporation", "GPE": "location", "LOC": "location",
         "FAC": "location", "PRODUCT": "product", "WORK_OF_ART": "creative-work",
         "NORP": "group"},
    ),
}  # fmt: skip


def data_dir() -> Path:
    for candidate in (DATA, Path("/work/shared/data/ner")):
        if candidate.is_dir():
            return candidate
    sys.exit("shared/data/ner not found")


def label_map_of(corpus: str, new_labels: bool) -> dict[str, str]:
    """The corpus's map from model labels, or (``new_labels``) none: every label is new."""
    name, label_map = CORPORA[corpus]
    if not new_labels:
        return label_map
    return {label: label for label in sorted(set(label_map.values()))}


def load_units(
    corpus: str, dev_share: float = 0.2, passage: int = PASSAGE_SENTENCES
) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
    """(training pool, dev) units of ``corpus``, split by source document."""
    name, _ = CORPORA[corpus]
    raw = (data_dir() / name).read_bytes()
    records = [
        r for r in read(io.BytesIO(raw), name, ReadOptions()) if isinstance(r, DocumentRecord)
    ]
    pool: list[DocumentRecord] = []
    dev: list[DocumentRecord] = []
    for number, record in enumerate(records):
        digest = hashlib.blake2b(f"split:{number}".encode(), digest_size=8).digest()
        side = dev if int.from_bytes(digest, "big") < dev_share * 2**64 else pool
        side.extend(_passages(record, passage) if corpus == "wikigold" else [record])
    return pool, dev


def _passages(record: DocumentRecord, passage: int) -> list[DocumentRecord]:
    """``record`` cut into runs of ``passage`` sentences (entities kept whole)."""
    tokens = record.tokens or []
    starts = [*(record.sent_starts or [0]), len(tokens)]
    cuts = [*starts[:-1:passage], len(tokens)]
    out = []
    for first, last in zip(cuts, cuts[1:], strict=False):
        if first >= last:
            continue
        begin, end = tokens[first].start, tokens[last - 1].end
        part = [type(t)(t.start - begin, t.end - begin, t.ws) for t in tokens[first:last]]
        spans = [type(s)(s.start - begin, s.end - begin, s.label) for s in record.spans
                 if s.start >= begin and s.end <= end]  # fmt: skip
        sents = [s - first for s in starts[:-1] if first <= s < last]
        out.append(DocumentRecord(text=record.text[begin:end], tokens=part, sent_starts=sents,
                                  spans=spans))  # fmt: skip
    return out


def n_tokens(records: list[DocumentRecord]) -> int:
    return sum(len(r.tokens or ()) for r in records)


def choose(
    strategy: str, nlp, rest: list[int], pool, label_map, k: int, rng, base_spans
) -> list[int]:  # type: ignore[no-untyped-def]
    if strategy == "random":
        return rng.sample(rest, min(k, len(rest)))
    docs = [record_to_doc(nlp.vocab, pool[i], layers=()) for i in rest]
    scores = []
    for first in range(0, len(docs), 256):
        scores.extend(greedy_scores(nlp, docs[first : first + 256]))
    if strategy in ("both", "disagree"):
        mine = predict_spans(nlp, [pool[i] for i in rest], label_map=label_map)
        torn = [disagreement(base_spans[i], m) for i, m in zip(rest, mine, strict=True)]
    else:
        torn = [0.0] * len(rest)

    def key(j: int) -> float:
        s = scores[j]
        doubts = [1.0 - m for m in s.margins]
        n = max(len(doubts), 1)
        if strategy == "uncertainty":
            return document_uncertainty(s)
        if strategy == "entity":
            return entity_doubt(s)
        if strategy == "mnlp":
            return -sum(math.log(max(c, 1e-9)) for c in s.chosen) / n
        if strategy == "mean":
            return sum(doubts) / n
        if strategy == "sum":
            return sum(doubts)
        if strategy == "both":
            return torn[j] + sum(doubts) / n
        if strategy == "disagree":
            return torn[j] * 10 + sum(doubts) / n
        if strategy == "top3":
            return sum(sorted(doubts)[-3:]) / n
        if strategy == "sqrt":
            return sum(doubts) / n**0.5
        raise ValueError(strategy)

    if strategy == "novel":
        return [rest[j] for j in novel_first(docs, scores, k)]
    if strategy == "density":
        dense = density(docs)
        ranked = sorted(range(len(rest)), key=lambda j: -document_uncertainty(scores[j]) * dense[j])
        return [rest[j] for j in ranked[:k]]
    ranked = sorted(range(len(rest)), key=lambda j: -key(j))
    return [rest[j] for j in ranked[:k]]


def novel_first(docs, scores, k: int) -> list[int]:  # type: ignore[no-untyped-def]
    """``k`` docs picked one by one by their doubt per token on words not yet doubted in
    this batch: the doubt at a token counts only if its lower-cased text is not among the
    doubtful words (doubt > 0.5) of the docs already picked, so a step does not spend its
    tokens on ten passages that all hesitate over the same name."""
    words = [[t.lower_ for t in doc] for doc in docs]
    seen: set[str] = set()
    picked: list[int] = []
    left = set(range(len(docs)))
    for _ in range(min(k, len(docs))):
        novel = {}
        for j in left:
            doubts = [1.0 - m for m in scores[j].margins]
            fresh = sum(d for d, w in zip(doubts, words[j], strict=False) if w not in seen)
            novel[j] = fresh / max(len(doubts), 1)
        best = max(sorted(left), key=novel.__getitem__)
        picked.append(best)
        left.discard(best)
        seen |= {w for w, m in zip(words[best], scores[best].margins, strict=False) if m < 0.5}
    return picked


def density(docs) -> list[float]:  # type: ignore[no-untyped-def]
    """Per doc, its mean cosine similarity to the other ``docs`` (the unlabelled pool) over
    TF-IDF word counts (lower-cased, idf from these docs): Settles & Craven 2008's
    "information density" weight (beta = 1), which keeps uncertainty sampling off outliers
    that teach the model little about the rest of the pool."""
    vocab: dict[str, int] = {}
    rows = [[vocab.setdefault(t.lower_, len(vocab)) for t in doc] for doc in docs]
    counts = np.zeros((len(docs), len(vocab)))
    for i, row in enumerate(rows):
        np.add.at(counts[i], row, 1.0)
    idf = np.log(len(docs) / np.maximum((counts > 0).sum(axis=0), 1))
    vectors = counts * idf
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    similar = vectors @ vectors.T
    others = max(len(docs) - 1, 1)
    return [float((similar[i].sum() - similar[i, i]) / others) for i in range(len(docs))]


def simulate(
    corpus: str, strategy: str, seed: int, args: argparse.Namespace, budget: int | None = None
) -> list[dict]:  # type: ignore[type-arg]
    """One ordering's curve: ``args.steps`` steps, then more (up to three times as many)
    until it has ``budget`` labelled tokens, so that orders picking shorter units are
    compared over the same tokens as random order."""
    pool, dev = load_units(corpus, args.dev_share, args.passage)
    label_map = label_map_of(corpus, args.new_labels)
    base_spans = None
    if strategy in ("both", "disagree"):
        base_spans = predict_spans(load_base(args.model), pool, label_map=label_map)
    labels = sorted({s.label for r in pool + dev for s in r.spans})
    rng = random.Random(seed)
    labelled = rng.sample(range(len(pool)), args.start)
    curve = []
    for step in range(3 * args.steps + 1):
        if strategy == "random" and step < args.train_from:
            rest = _rest(pool, labelled)
            labelled += choose(strategy, None, rest, pool, {}, args.step, rng, None)
            continue
        started = time.perf_counter()
        nlp = load_base(args.model)
        chosen = [pool[i] for i in labelled]
        fine_tune(nlp, chosen, label_map=label_map, project_labels=labels,
                  settings=TrainSettings(seed=seed, epochs=args.epochs))  # fmt: skip
        f1 = evaluate(nlp, dev, label_map=label_map).total.f1
        name = corpus + ("+new" if args.new_labels else "")
        point = {"corpus": name, "strategy": strategy, "seed": seed, "step": step,
                 "docs": len(labelled), "tokens": n_tokens(chosen), "f1": round(f1, 4),
                 "seconds": round(time.perf_counter() - started, 1),
                 "load": round(os.getloadavg()[0], 1)}  # fmt: skip
        print(json.dumps(point), flush=True)
        curve.append(point)
        if step >= args.steps and (budget is None or point["tokens"] >= budget):
            break
        rest = _rest(pool, labelled)
        labelled += choose(strategy, nlp, rest, pool, label_map, args.step, rng, base_spans)
    return curve


def _rest(pool: list[DocumentRecord], labelled: list[int]) -> list[int]:
    taken = set(labelled)
    return [i for i in range(len(pool)) if i not in taken]


def random_tokens(pool: list[DocumentRecord], seed: int, args: argparse.Namespace) -> int:
    """Random order's labelled tokens after ``args.steps`` steps, without training: its
    choices do not depend on the model, so they replay from the seed alone."""
    rng = random.Random(seed)
    labelled = rng.sample(range(len(pool)), args.start)
    for _ in range(args.steps):
        labelled += rng.sample(_rest(pool, labelled), min(args.step, len(pool) - len(labelled)))
    return n_tokens([pool[i] for i in labelled])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=sorted(CORPORA), action="append")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first..first+seeds-1")
    parser.add_argument("--start", type=int, default=50)
    parser.add_argument("--step", type=int, default=50)
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=None, help="default: training's budget")
    parser.add_argument("--model", default=None)
    parser.add_argument("--dev-share", type=float, default=0.2)
    parser.add_argument("--passage", type=int, default=PASSAGE_SENTENCES,
                        help="wikigold: sentences per unit")  # fmt: skip
    parser.add_argument("--new-labels", action="store_true",
                        help="map no model label to the corpus's: every label is new")  # fmt: skip
    parser.add_argument("--strategies", default="random,uncertainty")
    parser.add_argument("--same-steps", action="store_true",
                        help="stop all orders after --steps, not at random's tokens")  # fmt: skip
    parser.add_argument("--budget-from", type=Path, nargs="+",
                        help="logs of random order's runs: final tokens per seed")  # fmt: skip
    parser.add_argument("--train-from", type=int, default=0,
                        help="random order: train and print from this step on (the earlier "
                        "ones replay from the seed; a longer run of a logged one)")  # fmt: skip
    parser.add_argument("--from-log", type=Path, nargs="+", help="summarize runs' printed lines")
    args = parser.parse_args()
    if args.from_log:
        return from_log(args.from_log)
    args.model = args.model or default_model_name()
    budgets = {}
    for line in "\n".join(p.read_text() for p in args.budget_from or []).splitlines():
        if line.startswith('{"') and '"random"' in line:
            point = json.loads(line)
            budgets[point["corpus"], point["seed"]] = point["tokens"]
    for corpus in args.corpus or ["wikigold"]:
        pool, dev = load_units(corpus, args.dev_share, args.passage)
        print(f"{corpus}: pool {len(pool)} units / {n_tokens(pool)} tokens, dev {len(dev)} units "
              f"/ {n_tokens(dev)} tokens", flush=True)  # fmt: skip
        label_map = label_map_of(corpus, args.new_labels)
        base = evaluate(load_base(args.model), dev, label_map=label_map).total
        print(f"{corpus}: base model {args.model} dev F1 {base.f1:.4f}", flush=True)
        asked = args.strategies.split(",")
        order = [*(["random"] if "random" in asked else []), *(s for s in asked if s != "random")]
        results: dict[str, list[list[dict]]] = {s: [] for s in order}  # type: ignore[type-arg]
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            name = corpus + ("+new" if args.new_labels else "")
            budget = budgets.get((name, seed)) or random_tokens(pool, seed, args)
            for strategy in results:
                curve = simulate(corpus, strategy, seed, args, None if args.same_steps else budget)
                results[strategy].append(curve)
                if strategy == "random":
                    budget = curve[-1]["tokens"]
        if "random" in results:
            summarize(corpus, results)


if __name__ == "__main__":
    main()
