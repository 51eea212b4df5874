"""Write the GUM training file of ``bench/coref_train_ranker.py --gum``: the documents of GUM's
openly licensed genres that are in neither the dev nor the test split.

GUM's annotations are CC BY 4.0 for every genre; the texts are not (amir-zeldes/gum
LICENSE.md). Only genres whose texts allow commercial reuse are taken, so the ranker trained on
them may ship: academic (CC BY 4.0), bio (Wikipedia, CC BY-SA 3.0), conversation (Santa
Barbara Corpus, CC BY), court (CC BY 4.0), interview and news (Wikinews, CC BY 2.5), speech
(public domain), textbook (OpenStax, CC BY), vlog (YouTube, CC BY) and voyage (Wikivoyage, CC
BY-SA 3.0). Left out: fiction, whow (wikiHow), essay, letter, podcast (CC BY-NC-SA) and reddit.

    git clone https://github.com/amir-zeldes/gum /tmp/gum
    .venv/bin/python bench/coref_gum_train.py /tmp/gum gum-train-open.conllu \\
        --exclude en_gum-ud-dev.conllu ../shared/data/ud/en_gum-ud-test.conllu
"""

from __future__ import annotations

import argparse
from pathlib import Path

OPEN_GENRES = (
    "academic",
    "bio",
    "conversation",
    "court",
    "interview",
    "news",
    "speech",
    "textbook",
    "vlog",
    "voyage",
)


def document_names(path: Path) -> set[str]:
    """The ``# newdoc id`` of every document in a CoNLL-U file."""
    with path.open(encoding="utf-8") as handle:
        return {line.split("=", 1)[1].strip() for line in handle if line.startswith("# newdoc id")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gum", type=Path, help="a checkout of amir-zeldes/gum")
    parser.add_argument("out", type=Path)
    parser.add_argument("--exclude", type=Path, nargs="+", default=[], help="dev / test files")
    args = parser.parse_args()
    excluded = set().union(*(document_names(path) for path in args.exclude))
    paths = sorted(
        path
        for genre in OPEN_GENRES
        for path in (args.gum / "dep").glob(f"GUM_{genre}_*.conllu")
        if path.stem not in excluded
    )
    with args.out.open("w", encoding="utf-8") as out:
        for path in paths:
            out.write(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n")
    print(f"{args.out}: {len(paths)} documents ({len(excluded)} dev / test documents left out)")


if __name__ == "__main__":
    main()
