"""Split ``lexicons/person_words.txt`` by how surely each noun denotes a person, from WordNet 3.0.

coreferee's WordNet-derived list holds every noun with *any* person sense, so "hand", "grip",
"help" and "beauty" counted as people and "her hand ... she" was linked. Here a noun stays in
``person_words.txt`` (surely a person) when its first WordNet sense is in the ``noun.person``
lexicographer file or at least 30 % of its sense-tagged SemCor occurrences are person senses
(``cntlist.rev``); the rest go to ``person_words_rare.txt`` (a rare person sense: animacy left
open, and the pronoun ranker prefers surer antecedents). ``SURELY_PERSON`` lists the few nouns
whose person sense WordNet files elsewhere (``person`` itself is in ``noun.Tops``).

Needs the WordNet 3.0 database of Debian's ``wordnet-base`` package (``apt-get install
wordnet-base``): a build step, not a runtime dependency. Run it from the checkout:

    .venv/bin/python bench/coref_person_senses.py [--wordnet /usr/share/wordnet]
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

LEXICONS = Path(__file__).resolve().parents[1] / "textlabel" / "nlp" / "coref" / "lexicons"
NOUN_PERSON = 18  # lexicographer file number of noun.person
SURELY_PERSON = frozenset(
    [
        "person",
        "individual",
        "someone",
        "somebody",
        "everyone",
        "everybody",
        "acquaintance",
        "ally",
        "enemy",
        "female",
        "male",
        "fireman",
        "gal",
        "handmaid",
        "handmaiden",
        "neophyte",
        "postdoc",
        "medic",
        "commuter",
        "entrant",
        "queen",
        "principal",
        "founder",
        "manufacturer",
        "agent",
        "favorite",
        "relation",
        "novitiate",
        "runaway",
        "vagabond",
        "wallflower",
        "thrall",
        "suicide",
    ]
)


def _first_sense_person(wordnet: Path) -> dict[str, bool]:
    lexfile: dict[str, int] = {}
    with (wordnet / "data.noun").open(encoding="latin-1") as handle:
        for line in handle:
            if not line.startswith("  "):
                fields = line.split(" ", 2)
                lexfile[fields[0]] = int(fields[1])
    first: dict[str, bool] = {}
    with (wordnet / "index.noun").open(encoding="latin-1") as handle:
        for line in handle:
            if line.startswith("  "):
                continue
            fields = line.split()
            pointers = int(fields[3])
            offsets = fields[6 + pointers :]
            first[fields[0]] = lexfile[offsets[0]] == NOUN_PERSON
    return first


def _person_share(wordnet: Path) -> dict[str, float]:
    counts: dict[str, dict[bool, int]] = defaultdict(lambda: {True: 0, False: 0})
    with (wordnet / "cntlist.rev").open(encoding="latin-1") as handle:
        for line in handle:
            key, _, count = line.split()
            lemma, rest = key.split("%", 1)
            pos, lexicographer = rest.split(":")[:2]
            if pos == "1":
                counts[lemma][int(lexicographer) == NOUN_PERSON] += int(count)
    return {
        lemma: c[True] / (c[True] + c[False]) for lemma, c in counts.items() if c[True] + c[False]
    }


def split_person_words(words: list[str], wordnet: Path) -> tuple[list[str], list[str]]:
    """(surely persons, rare person senses), each in the input order."""
    first = _first_sense_person(wordnet)
    share = _person_share(wordnet)
    sure: list[str] = []
    rare: list[str] = []
    for word in words:
        key = word.replace(" ", "_")
        main = word in SURELY_PERSON or first.get(key, True) or share.get(key, 0.0) >= 0.3
        (sure if main else rare).append(word)
    return sure, rare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    args = parser.parse_args()
    words: list[str] = []
    for name in ("person_words.txt", "person_words_rare.txt"):
        path = LEXICONS / name
        if path.exists():
            words += [w for w in path.read_text(encoding="utf-8").splitlines() if w]
    sure, rare = split_person_words(sorted(set(words)), args.wordnet)
    (LEXICONS / "person_words.txt").write_text("\n".join(sure) + "\n", encoding="utf-8")
    (LEXICONS / "person_words_rare.txt").write_text("\n".join(rare) + "\n", encoding="utf-8")
    print(f"person_words.txt: {len(sure)} surely persons; person_words_rare.txt: {len(rare)}")


if __name__ == "__main__":
    main()
