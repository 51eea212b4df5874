"""Benchmark: training time and peak memory of the ``train`` code at 1k and 10k gold documents,
and the fine-tuned model's entity F1 against the base model on the same dev split.

Gold documents are wikigold passages (``bench/active_learning.py``'s units, ~80 tokens each);
the 419 of the training pool are repeated to reach N (so 10k sees each passage ~24 times:
time and memory are real, F1 gains beyond the first 419 are not). Each size runs in its own
process, whose peak RSS is read from ``getrusage``; the base model alone is measured the same
way as the baseline. Epochs follow training's word budget (``finetune.WORDS_BUDGET``). Run:

    nice -n 10 .venv/bin/python bench/train_scale.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def measure(size: int) -> dict[str, object]:
    """Train on ``size`` documents in this process (the child side)."""
    from active_learning import CORPORA, load_units, n_tokens

    from textlabel.nlp.pipeline import default_model_name
    from textlabel.training.finetune import (
        TrainSettings,
        epochs_for,
        evaluate,
        fine_tune,
        load_base,
    )

    pool, dev = load_units("wikigold")
    label_map = CORPORA["wikigold"][1]
    labels = sorted({s.label for r in pool for s in r.spans})
    records = (pool * (size // len(pool) + 1))[:size] if size else []
    nlp = load_base(default_model_name())
    started = time.perf_counter()
    if records:
        fine_tune(nlp, records, label_map=label_map, project_labels=labels,
                  settings=TrainSettings())  # fmt: skip
    seconds = time.perf_counter() - started
    f1 = evaluate(nlp, dev, label_map=label_map).total.f1
    epochs = epochs_for(records, TrainSettings()) if records else 0
    return {"documents": size, "tokens": n_tokens(records), "epochs": epochs,
            "seconds": round(seconds, 1), "dev_f1": round(f1, 4)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        out = measure(args.child)
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(out), flush=True)
        return
    for size in [0, *args.sizes]:
        done = subprocess.run([sys.executable, __file__, "--child", str(size)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        line = done.stdout.strip().splitlines()[-1]
        print(("base model only: " if size == 0 else "") + line, flush=True)


if __name__ == "__main__":
    main()
