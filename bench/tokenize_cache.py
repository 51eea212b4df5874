"""Benchmark: the import's chunk tokenizer (``textlabel.ingest.tokenize``), same-run A/B.

CPU us per document of what a tokenizing worker does with a batch of 300 texts (tokens and
their stored JSON), for a fresh ``ChunkTokenizer`` with the default cache, over:

- ``csv``: the texts of ``bench/ingest.py``'s CSV (``--rows``, 100,000 by default): sentences of
  the UD treebanks, each text with one unique chunk ``(#n)``;
- ``real``: real text with many one-off chunks (names, numbers, ids): GAP's Wikipedia
  snippets, the UD treebanks' sentences four at a time, and the documents of the NER corpora
  (wikigold, WNUT-17, SEC filings) with their tokens joined by spaces. It is some 10,000
  texts, so its cache is scaled down with it (``--real-cache``, 4,000: a 100,000-text corpus
  against the default 40,000).

``--floors`` prints, per corpus and in the same run, what bounds a worker: CPU us per document
of spaCy's tokenizer alone (``nlp.tokenizer.pipe``, its Docs not read: what a worker costs
without its cache; the worker's job is given as a ratio of it), of the worker's job when
every chunk is known (a second pass, cache never full: laying texts out and spelling their
JSON, what no cache removes), and of moving a batch between processes (pickling the texts
and the results, both ends).

``--base DIR`` (an unpacked ``git archive main``) runs that tree's ``tokenize.py`` too, each
run alternating base and new, with the ratio new/base per pair; ``--unbounded`` adds a run
with a cache that never fills (the most the cache could give). The load (``os.getloadavg``)
is printed beside every figure. Run:

    TEXTLABEL_SHARED_DATA=/work/shared/data .venv/bin/python bench/tokenize_cache.py \\
        [--rows 100000] [--base /tmp/base] [--repeat 2] [--unbounded] [--floors]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import os
import pickle
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
import ingest  # noqa: E402  (bench/ingest.py: its CSV and DATA)

BATCH = 300


def csv_texts(rows: int) -> list[str]:
    path = Path(f"/tmp/bench_tokenize_cache_{rows}.csv")
    if not path.exists():
        ingest.write_csv(path, rows)
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


def real_texts() -> list[str]:
    data = ingest.DATA
    texts: list[str] = []
    for path in sorted((data / "coref").glob("gap-*.tsv")):
        with path.open(newline="", encoding="utf-8") as handle:
            texts += [row["Text"] for row in csv.DictReader(handle, delimiter="\t")]
    lines = ingest.sentences()
    texts += [" ".join(lines[k : k + 4]) for k in range(0, len(lines), 4)]
    for name, starts_doc in [
        ("wikigold.conll.txt", "-DOCSTART-"),
        ("sec_filings_FIN3.conll", "-DOCSTART-"),
        ("wnut17_emerging.test.annotated", None),
    ]:
        path = data / "ner" / name
        if not path.exists():
            continue
        words: list[str] = []
        for line in path.open(encoding="utf-8"):
            word = line.split()[0] if line.strip() else ""
            if (starts_doc and word == starts_doc) or (not starts_doc and not word):
                if words:
                    texts.append(" ".join(words))
                words = []
            elif word and word != starts_doc:
                words.append(word)
        if words:
            texts.append(" ".join(words))
    return texts


def load(root: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, root / "textlabel/ingest/tokenize.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def worker(module: ModuleType, **options: Any) -> tuple[Callable[[list[str]], list[Any]], Any]:
    """What a worker does with a batch: tokens and their stored JSON."""
    from textlabel.nlp.pipeline import blank_english

    tokenizer = module.ChunkTokenizer(blank_english(), fresh=blank_english, **options)
    if hasattr(tokenizer, "many_stored"):
        return tokenizer.many_stored, tokenizer

    def run(texts: list[str]) -> list[Any]:
        return [
            ((t.starts, t.ends, t.sent_starts, t.text_length, t.last_ws, t.sents_guessed),
             t.to_stored_json())
            for t in tokenizer.many(texts)
        ]  # fmt: skip

    return run, tokenizer


def measure(module: ModuleType, texts: list[str], **options: Any) -> tuple[float, int]:
    run, tokenizer = worker(module, **options)
    start = time.process_time()
    for first in range(0, len(texts), BATCH):
        run(texts[first : first + BATCH])
    return (time.process_time() - start) / len(texts) * 1e6, len(tokenizer.cache)


def floors(module: ModuleType, texts: list[str]) -> float:
    """spaCy's tokenizer alone, the worker's job with every chunk known, and the pickling of
    a batch and its results, CPU us per document, on ``texts``."""
    from textlabel.nlp.pipeline import blank_english

    nlp = blank_english()
    start = time.process_time()
    for first in range(0, len(texts), BATCH):
        for _ in nlp.tokenizer.pipe(texts[first : first + BATCH]):
            pass
    spacy_us = (time.process_time() - start) / len(texts) * 1e6
    run, _ = worker(module, max_cache=10**9)
    results = [run(texts[first : first + BATCH]) for first in range(0, len(texts), BATCH)]
    start = time.process_time()
    for first in range(0, len(texts), BATCH):
        run(texts[first : first + BATCH])
    warm_us = (time.process_time() - start) / len(texts) * 1e6
    start = time.process_time()
    for k, first in enumerate(range(0, len(texts), BATCH)):
        pickle.loads(pickle.dumps(texts[first : first + BATCH], pickle.HIGHEST_PROTOCOL))
        pickle.loads(pickle.dumps(results[k], pickle.HIGHEST_PROTOCOL))
    moved_us = (time.process_time() - start) / len(texts) * 1e6
    print(
        f"  floors: spaCy's tokenizer alone {spacy_us:6.1f}, the worker with every chunk "
        f"known {warm_us:6.1f}, a batch and its results pickled and read {moved_us:5.1f} "
        f"us/doc CPU  {load_text()}"
    )
    return spacy_us


def load_text() -> str:
    load1, load5, load15 = os.getloadavg()
    return f"load {load1:.2f} {load5:.2f} {load15:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--base", type=Path)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--real-cache", type=int, default=4_000)
    parser.add_argument("--unbounded", action="store_true")
    parser.add_argument("--floors", action="store_true", help="what bounds a worker (new)")
    args = parser.parse_args()
    new = load(Path(__file__).parents[1], "tokenize_new")
    base = load(args.base, "tokenize_base") if args.base else None
    corpora = [("csv", csv_texts(args.rows), {}), ("real", real_texts(), {})]
    corpora[1][2]["max_cache"] = args.real_cache
    for name, texts, options in corpora:
        print(f"{name}: {len(texts):,} texts, cache {options.get('max_cache', 'default')}")
        for _ in range(args.repeat):
            runs = [("base", base), ("new", new)] if base else [("new", new)]
            figures = {}
            for label, module in runs:
                us, cached = measure(module, texts, **options)
                figures[label] = us
                print(f"  {label:5} {us:7.1f} us/doc CPU  (cache {cached:,})  {load_text()}")
            if base:
                print(f"  new/base {figures['new'] / figures['base']:.3f}")
        if args.unbounded:
            us, cached = measure(new, texts, max_cache=10**9)
            print(f"  unbounded new {us:7.1f} us/doc CPU  (cache {cached:,})  {load_text()}")
        if args.floors:
            spacy_us = floors(new, texts)
            ratio = figures["new"] / spacy_us
            print(f"  the worker's job (last new run) / spaCy's tokenizer alone: {ratio:.2f}x")


if __name__ == "__main__":
    main()
