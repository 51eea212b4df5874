"""Benchmark: does ordering documents by model uncertainty save annotation? A simulation on
real corpora (wikigold, WNUT17 in ../shared/data/ner): split by document into a training
pool and a dev set (20 % of the source documents, fixed), start from ``--start`` labelled
documents drawn at random, then add ``--step`` documents at a time, chosen (a) at random or
(b) by the uncertainty the current fine-tuned model has about them
(``textlabel.nlp.uncertainty``: margins of the NER's action probabilities, per token).
After every step the base model is fine-tuned afresh on everything labelled so far
(``training.finetune``, the code the ``train`` job runs) and its entity F1 on dev is printed
with the number of labelled tokens. Each strategy runs with every seed (seeds change the
first sample, the random order and training). The summary says how many tokens the
uncertainty order needed to reach the F1 that random order has at its last step, and the
mean F1 difference at equal steps. A run is deterministic per seed, so seeds can run in
separate processes (``--first-seed``) and their printed lines be summarized together
(``--from-log`` on the concatenated output).

wikigold's 145 articles are too few to add 50 at a time, so its units are passages of
``PASSAGE_SENTENCES`` sentences; the train/dev split is still by article, so no article
has passages on both sides. WNUT17 units are tweets. Run (it takes long; be nice):

    nice -n 15 .venv/bin/python bench/active_learning.py --corpus wikigold --seeds 3 \
        --step 25 --steps 4 --epochs 4
    nice -n 15 .venv/bin/python bench/active_learning.py --corpus wnut17 --seeds 3 \
        --step 25 --steps 8 --epochs 4
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import statistics
import sys
import time
from pathlib import Path

from textlabel.ingest.base import ReadOptions
from textlabel.ingest.conll import read
from textlabel.nlp.docs import record_to_doc
from textlabel.nlp.pipeline import default_model_name
from textlabel.nlp.uncertainty import document_uncertainty, greedy_scores
from textlabel.records import DocumentRecord
from textlabel.training.finetune import TrainSettings, evaluate, fine_tune, load_base

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


def load_units(corpus: str) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
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
        side = dev if int.from_bytes(digest, "big") < 0.2 * 2**64 else pool
        side.extend(_passages(record) if corpus == "wikigold" else [record])
    return pool, dev


def _passages(record: DocumentRecord) -> list[DocumentRecord]:
    """``record`` cut into runs of ``PASSAGE_SENTENCES`` sentences (entities kept whole)."""
    tokens = record.tokens or []
    starts = [*(record.sent_starts or [0]), len(tokens)]
    cuts = [*starts[:-1:PASSAGE_SENTENCES], len(tokens)]
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


def choose(strategy: str, nlp, rest: list[int], pool, label_map, k: int, rng) -> list[int]:  # type: ignore[no-untyped-def]
    if strategy == "random":
        return rng.sample(rest, min(k, len(rest)))
    docs = [record_to_doc(nlp.vocab, pool[i], layers=()) for i in rest]
    scores = []
    for first in range(0, len(docs), 256):
        scores.extend(greedy_scores(nlp, docs[first : first + 256]))
    ranked = sorted(zip(rest, scores, strict=True), key=lambda item: -document_uncertainty(item[1]))
    return [i for i, _ in ranked[:k]]


def simulate(corpus: str, strategy: str, seed: int, args: argparse.Namespace) -> list[dict]:  # type: ignore[type-arg]
    pool, dev = load_units(corpus)
    _, label_map = CORPORA[corpus]
    labels = sorted({s.label for r in pool + dev for s in r.spans})
    rng = random.Random(seed)
    labelled = rng.sample(range(len(pool)), args.start)
    curve = []
    for step in range(args.steps + 1):
        started = time.perf_counter()
        nlp = load_base(args.model)
        chosen = [pool[i] for i in labelled]
        fine_tune(nlp, chosen, label_map=label_map, project_labels=labels,
                  settings=TrainSettings(seed=seed, epochs=args.epochs))  # fmt: skip
        f1 = evaluate(nlp, dev, label_map=label_map).total.f1
        point = {"corpus": corpus, "strategy": strategy, "seed": seed, "step": step,
                 "docs": len(labelled), "tokens": n_tokens(chosen), "f1": round(f1, 4),
                 "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
        print(json.dumps(point), flush=True)
        curve.append(point)
        if step == args.steps:
            break
        taken = set(labelled)
        rest = [i for i in range(len(pool)) if i not in taken]
        labelled += choose(strategy, nlp, rest, pool, label_map, args.step, rng)
    return curve


def summarize(corpus: str, results: dict[str, list[list[dict]]]) -> None:  # type: ignore[type-arg]
    def mean_curve(strategy: str) -> list[tuple[float, float]]:
        runs = results[strategy]
        return [
            (
                statistics.mean(r[i]["tokens"] for r in runs),
                statistics.mean(r[i]["f1"] for r in runs),
            )
            for i in range(len(runs[0]))
        ]

    random_curve, uncertain_curve = mean_curve("random"), mean_curve("uncertainty")
    print(f"\n{corpus}: mean over {len(results['random'])} seeds")
    head = ("step", "random tokens", "random F1", "uncert. tokens", "uncert. F1")
    print("{:>4} {:>14} {:>10} {:>15} {:>11}".format(*head))
    for i, ((rt, rf), (ut, uf)) in enumerate(zip(random_curve, uncertain_curve, strict=True)):
        print(f"{i:>4} {rt:>14.0f} {rf:>10.4f} {ut:>15.0f} {uf:>11.4f}")
    target_tokens, target_f1 = random_curve[-1]
    reached = next(((t, f) for t, f in uncertain_curve if f >= target_f1), None)
    if reached is None:
        print(f"uncertainty never reached random's final F1 {target_f1:.4f}")
    else:
        share = reached[0] / target_tokens
        print(
            f"random's final F1 {target_f1:.4f} at {target_tokens:.0f} tokens; uncertainty "
            f"reached {reached[1]:.4f} at {reached[0]:.0f} tokens = {share:.0%} of them"
        )
    gaps = [uf - rf for (_, rf), (_, uf) in zip(random_curve[1:], uncertain_curve[1:], strict=True)]
    print(f"uncertainty - random F1, mean over steps 1-{len(gaps)}: {statistics.mean(gaps):+.4f}")


def from_log(path: Path) -> None:
    """Summarize the JSON lines a run printed (the figures, without rerunning anything)."""
    runs: dict[str, dict[str, dict[int, list[dict]]]] = {}  # type: ignore[type-arg]
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            point = json.loads(line)
            by_seed = runs.setdefault(point["corpus"], {}).setdefault(point["strategy"], {})
            by_seed.setdefault(point["seed"], []).append(point)
    for corpus, strategies in runs.items():
        seeds = sorted(set(strategies["random"]) & set(strategies.get("uncertainty", {})))
        steps = min(len(strategies[s][seed]) for s in strategies for seed in seeds)
        summarize(corpus, {s: [strategies[s][seed][:steps] for seed in seeds] for s in strategies})


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
    parser.add_argument("--from-log", type=Path, help="summarize a run's printed lines")
    args = parser.parse_args()
    if args.from_log:
        return from_log(args.from_log)
    args.model = args.model or default_model_name()
    for corpus in args.corpus or ["wikigold"]:
        pool, dev = load_units(corpus)
        print(f"{corpus}: pool {len(pool)} units / {n_tokens(pool)} tokens, dev {len(dev)} units "
              f"/ {n_tokens(dev)} tokens", flush=True)  # fmt: skip
        base = evaluate(load_base(args.model), dev, label_map=CORPORA[corpus][1]).total
        print(f"{corpus}: base model {args.model} dev F1 {base.f1:.4f}", flush=True)
        results: dict[str, list[list[dict]]] = {"random": [], "uncertainty": []}  # type: ignore[type-arg]
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for strategy in results:
                results[strategy].append(simulate(corpus, strategy, seed, args))
        summarize(corpus, results)


if __name__ == "__main__":
    main()
