"""Mention attributes the sieves agree on: number, gender, animacy, person, from lexicons and tags.

Values are plain strings so clusters can hold them in sets; ``UNKNOWN`` is permissive: it agrees
with everything (entity-centric agreement, Lee et al. 2013).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

UNKNOWN = "?"
SINGULAR, PLURAL = "sg", "pl"
MALE, FEMALE, NEUTRAL = "male", "female", "neutral"
ANIMATE, INANIMATE = "animate", "inanimate"

_LEXICONS = Path(__file__).with_name("lexicons")


@dataclass(frozen=True, slots=True)
class PronounInfo:
    """What a personal pronoun says about its referent."""

    person: int
    number: str
    gender: str
    animacy: str
    reflexive: bool = False
    possessive: bool = False


def _pronouns() -> dict[str, PronounInfo]:
    table: dict[str, PronounInfo] = {}
    rows = [
        ("i me", 1, SINGULAR, UNKNOWN, ANIMATE),
        ("my mine", 1, SINGULAR, UNKNOWN, ANIMATE),
        ("myself", 1, SINGULAR, UNKNOWN, ANIMATE),
        ("we us", 1, PLURAL, UNKNOWN, ANIMATE),
        ("our ours", 1, PLURAL, UNKNOWN, ANIMATE),
        ("ourselves", 1, PLURAL, UNKNOWN, ANIMATE),
        ("you", 2, UNKNOWN, UNKNOWN, ANIMATE),
        ("your yours", 2, UNKNOWN, UNKNOWN, ANIMATE),
        ("yourself", 2, SINGULAR, UNKNOWN, ANIMATE),
        ("yourselves", 2, PLURAL, UNKNOWN, ANIMATE),
        ("he him", 3, SINGULAR, MALE, ANIMATE),
        ("his", 3, SINGULAR, MALE, ANIMATE),
        ("himself", 3, SINGULAR, MALE, ANIMATE),
        ("she her", 3, SINGULAR, FEMALE, ANIMATE),
        ("hers", 3, SINGULAR, FEMALE, ANIMATE),
        ("herself", 3, SINGULAR, FEMALE, ANIMATE),
        ("it", 3, SINGULAR, NEUTRAL, INANIMATE),
        ("its", 3, SINGULAR, NEUTRAL, INANIMATE),
        ("itself", 3, SINGULAR, NEUTRAL, INANIMATE),
        ("they them", 3, PLURAL, UNKNOWN, UNKNOWN),
        ("their theirs", 3, PLURAL, UNKNOWN, UNKNOWN),
        ("themselves", 3, PLURAL, UNKNOWN, UNKNOWN),
    ]
    for words, person, number, gender, animacy in rows:
        for word in words.split():
            table[word] = PronounInfo(
                person,
                number,
                gender,
                animacy,
                reflexive=word.endswith(("self", "selves")),
                possessive=word in {"my", "mine", "our", "ours", "your", "yours", "his", "hers"}
                or word in {"its", "their", "theirs"},
            )
    return table


PRONOUNS = _pronouns()
# demonstrative pronouns ("That was a joke"): GUM chains them, mostly to what was just said
DEMONSTRATIVES: dict[str, PronounInfo] = {
    "this": PronounInfo(3, SINGULAR, NEUTRAL, INANIMATE),
    "that": PronounInfo(3, SINGULAR, NEUTRAL, INANIMATE),
    "these": PronounInfo(3, PLURAL, UNKNOWN, UNKNOWN),
    "those": PronounInfo(3, PLURAL, UNKNOWN, UNKNOWN),
}
RELATIVE_PRONOUNS = frozenset({"who", "whom", "whose", "which", "that"})

# Types whose mentions are never people. ORG, GPE, LOC, FAC and PRODUCT stay open (see
# describe.py) because en_core_web_sm gives them to many person names (NLP-NOTES 1.6: 13.6 % of
# GAP's names are tagged ORG, 4.7 % GPE).
INANIMATE_NER = frozenset({"EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"})
SOFT_INANIMATE_NER = frozenset({"GPE", "LOC", "FAC", "PRODUCT"})
NON_MENTION_NER = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"})
# times and dates are mentions ("last night ... the night", "1859 ... 1859") that only nominal
# sieves link: no personal pronoun refers to them
TEMPORAL_NER = frozenset({"DATE", "TIME"})


@dataclass(frozen=True, slots=True)
class Lexicons:
    """Word lists loaded once per process from ``lexicons/`` (see its README for sources)."""

    male_names: frozenset[str]
    female_names: frozenset[str]
    person_words: frozenset[str]  # nouns whose main sense is a person
    person_words_rare: frozenset[str]  # nouns with only a rare person sense ("hand", "help")
    org_heads: frozenset[str]  # heads of organisation names ("university", "bank")
    gendered_nouns: dict[str, str]
    honorifics: dict[str, str]
    demonyms: dict[str, str]  # demonym -> place
    countries: frozenset[str]  # the places of ``demonyms.tsv``: "australia", "united states"
    name_aliases: dict[str, str]  # a name's other names, keyed by ``name_key``

    def name_gender(self, first_name: str) -> str:
        """Gender of a first name; names on both lists stay unknown."""
        male = first_name in self.male_names
        female = first_name in self.female_names
        if male == female:
            return UNKNOWN
        return MALE if male else FEMALE


def name_key(text: str) -> str:
    """A name as written variants share it: "the U.S." and "US" are "us", "the United States"
    is "unitedstates"."""
    return text.removeprefix("the ").replace(".", "").replace(" ", "")


def _lines(name: str) -> list[str]:
    text = (_LEXICONS / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


@cache
def load_lexicons() -> Lexicons:
    """The vendored lexicons, cached: spaCy builds components often, the files are read once."""
    demonyms: dict[str, str] = {}
    countries: set[str] = set()
    for line in _lines("demonyms.tsv"):
        place, forms = line.split("\t")
        countries.add(place)
        for form in forms.split():
            demonyms.setdefault(form, place)
    aliases: dict[str, str] = {}
    for line in _lines("name_aliases.tsv"):
        name, others = line.split("\t")
        for other in (name, *others.split(",")):
            aliases[name_key(other)] = name_key(name)
    return Lexicons(
        male_names=frozenset(_lines("male_names.txt")),
        female_names=frozenset(_lines("female_names.txt")),
        person_words=frozenset(_lines("person_words.txt")),
        person_words_rare=frozenset(_lines("person_words_rare.txt")),
        org_heads=frozenset(_lines("org_heads.txt")),
        gendered_nouns=dict(line.split("\t") for line in _lines("gendered_nouns.tsv")),
        honorifics=dict(line.split("\t") for line in _lines("honorifics.tsv")),
        demonyms=demonyms,
        countries=frozenset(countries),
        name_aliases=aliases,
    )


def values_agree(left: set[str], right: set[str]) -> bool:
    """Two attribute sets agree unless both hold known values and share none."""
    known_left = left - {UNKNOWN}
    known_right = right - {UNKNOWN}
    return not known_left or not known_right or bool(known_left & known_right)
