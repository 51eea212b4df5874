"""The ``Mention`` record and how its attributes are read off spaCy's tags, entities and lexicons.

Gender and animacy do not trust the NER label alone: en_core_web_sm tags many person names ORG or
nothing, so a known first name or an honorific counts as much as a PERSON tag.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Token

from textlabel.nlp.coref.attributes import (
    ANIMATE,
    DEMONSTRATIVES,
    FEMALE,
    INANIMATE,
    INANIMATE_NER,
    MALE,
    NEUTRAL,
    PLURAL,
    PRONOUNS,
    SINGULAR,
    SOFT_INANIMATE_NER,
    UNKNOWN,
    Lexicons,
    PronounInfo,
)

PRONOUN, PROPER, NOMINAL, LIST = "pronoun", "proper", "nominal", "list"

# Words that say nothing about identity when comparing two mentions' vocabularies.
STOP_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "this",
        "that",
        "these",
        "those",
        "mr.",
        "mr",
        "miss",
        "mrs.",
        "mrs",
        "dr.",
        "dr",
        "ms.",
        "ms",
        "inc.",
        "inc",
        "ltd.",
        "ltd",
        "corp.",
        "corp",
        "'s",
        "'",
        "of",
        "and",
        ",",
        ".",
        "-",
    ]
)
LOCATION_MODIFIERS = frozenset(
    [
        "east",
        "west",
        "north",
        "south",
        "eastern",
        "western",
        "northern",
        "southern",
        "upper",
        "lower",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "central",
    ]
)
_MODIFIER_POS = frozenset({"NOUN", "PROPN", "ADJ", "NUM", "VERB"})
_LOCATIVE_PREPOSITIONS = frozenset(
    ["in", "at", "to", "from", "near", "into", "across", "through", "around", "outside", "inside"]
)
_INDEFINITE_STARTS = frozenset({"a", "an", "another", "some"})


@dataclass(slots=True, eq=False)
class Mention:
    """A mention: tokens ``[start, end)`` of one doc, its head and its agreement attributes."""

    index: int
    start: int
    end: int
    head: int
    sent: int
    kind: str
    dep: str
    text: str  # lower-cased, without a final possessive 's
    head_text: str
    number: str
    gender: str
    animacy: str
    person: int
    ner: str
    words: frozenset[str]
    modifiers: frozenset[str]
    proper_modifiers: frozenset[str]
    numbers: frozenset[str]
    possessor: str = ""  # "his" of "his hand", "byron" of "Byron's letters"
    role: bool = False
    relative: bool = False
    premodifier: bool = False  # a noun modifying another noun: "[DH] projects"
    demonstrative: bool = False  # "[That] was a joke"
    indefinite: bool = False
    reflexive: bool = False
    # how surely a person: 2 named person, honorific, gendered or person noun; 1 only a rare
    # person sense ("hand"); 0 no evidence. Ranks antecedents of "he" / "she".
    person_evidence: int = 0

    @property
    def generic(self) -> bool:
        """A bare plural ("researchers", "cars"): usually a kind, not one group to chain."""
        return self.kind == NOMINAL and self.start == self.head and self.number == PLURAL

    def contains(self, other: Mention) -> bool:
        """True when ``other`` lies inside this mention (i-within-i)."""
        return self.start <= other.start and other.end <= self.end

    def nested_with(self, other: Mention) -> bool:
        return self.contains(other) or other.contains(self)


def describe_mention(
    doc: Doc,
    *,
    index: int,
    start: int,
    end: int,
    head: Token,
    sent: int,
    kind: str,
    lexicons: Lexicons,
    role: bool = False,
    relative: bool = False,
    premodifier: bool = False,
    demonstrative: bool = False,
) -> Mention:
    """Build a ``Mention`` with number, gender, animacy, person and vocabulary filled in."""
    tokens = doc[start:end]
    lowers = [token.lower_ for token in tokens]
    if len(lowers) > 1 and lowers[-1] in ("'s", "'"):
        lowers = lowers[:-1]
    pre_head = [token for token in tokens if token.i < head.i]
    mention = Mention(
        index=index,
        start=start,
        end=end,
        head=head.i,
        sent=sent,
        kind=kind,
        dep=head.dep_,
        text=" ".join(lowers),
        head_text=head.lower_,
        number=UNKNOWN,
        gender=UNKNOWN,
        animacy=UNKNOWN,
        person=3,
        ner="" if kind == PRONOUN else head.ent_type_,
        words=frozenset(word for word in lowers if word not in STOP_WORDS),
        modifiers=frozenset(
            token.lower_ for token in tokens if token.i != head.i and token.pos_ in _MODIFIER_POS
        ),
        proper_modifiers=frozenset(token.lower_ for token in pre_head if token.pos_ == "PROPN"),
        numbers=frozenset(token.lower_ for token in tokens if token.like_num),
        possessor=next((child.lower_ for child in head.children if child.dep_ == "poss"), ""),
        role=role,
        relative=relative,
        premodifier=premodifier,
        demonstrative=demonstrative,
        indefinite=lowers[0] in _INDEFINITE_STARTS,
    )
    if kind == PRONOUN:
        _describe_pronoun(mention, head)
    elif kind == LIST:
        mention.number, mention.animacy = PLURAL, UNKNOWN
    elif kind == PROPER:
        _describe_proper(mention, doc, head, lexicons)
    else:
        _describe_nominal(mention, head, lexicons)
    return mention


# "there": a place (sieves_place)
PLACE_ADVERB = PronounInfo(3, SINGULAR, NEUTRAL, INANIMATE)


def _describe_pronoun(mention: Mention, head: Token) -> None:
    if mention.relative:
        mention.animacy = ANIMATE if head.lower_ in ("who", "whom") else UNKNOWN
        if head.lower_ == "which":
            mention.animacy = INANIMATE
        return
    info = PRONOUNS.get(head.lower_) or DEMONSTRATIVES.get(head.lower_) or PLACE_ADVERB
    mention.person = info.person
    mention.number = info.number
    mention.gender = info.gender
    mention.animacy = info.animacy
    mention.reflexive = info.reflexive
    mention.person_evidence = 2 if info.gender in (MALE, FEMALE) else 0


def first_name_index(doc: Doc, head: Token, start: int) -> int:
    """Index of the first token of the name ending at ``head`` (its PROPN run)."""
    first = head.i
    while first > start and doc[first - 1].pos_ == "PROPN":
        first -= 1
    return first


def _describe_proper(mention: Mention, doc: Doc, head: Token, lexicons: Lexicons) -> None:
    first = first_name_index(doc, head, mention.start)
    honorific_gender = None
    while first <= head.i and doc[first].lower_ in lexicons.honorifics:
        honorific_gender = lexicons.honorifics[doc[first].lower_]
        first += 1
    if honorific_gender is None and first > mention.start:
        honorific_gender = lexicons.honorifics.get(doc[first - 1].lower_)
    ner = mention.ner
    # a lone place name that is also a first name ("Israel", "Georgia") is the place
    lone_place = first == head.i and ner in INANIMATE_NER | SOFT_INANIMATE_NER
    gender = (
        lexicons.name_gender(doc[first].lower_) if first <= head.i and not lone_place else UNKNOWN
    )
    if honorific_gender not in (None, UNKNOWN):
        gender = honorific_gender
    personal = ner == "PERSON" or gender != UNKNOWN or honorific_gender is not None
    if head.lower_ in lexicons.org_heads and honorific_gender is None:
        # "the University of North Carolina", "Bank of America": never a person
        mention.animacy, mention.gender = INANIMATE, NEUTRAL
        mention.number = PLURAL if head.tag_ == "NNPS" else SINGULAR
    elif personal:
        mention.animacy, mention.number, mention.gender = ANIMATE, SINGULAR, gender
        mention.person_evidence = 2
    elif ner in INANIMATE_NER:
        mention.animacy, mention.gender = INANIMATE, NEUTRAL
        mention.number = PLURAL if head.tag_ == "NNPS" else SINGULAR
    elif ner in SOFT_INANIMATE_NER:
        # the tag alone leaves animacy open; a place after a locative preposition ("moved to
        # Paris") is a place
        mention.number = PLURAL if head.tag_ == "NNPS" else SINGULAR
        if head.dep_ == "pobj" and head.head.lower_ in _LOCATIVE_PREPOSITIONS:
            mention.animacy, mention.gender = INANIMATE, NEUTRAL
    elif ner == "NORP":
        # "the Israelis" are people; a singular NORP head ("Russian Vedism") need not be
        plural = head.tag_ in ("NNPS", "NNS")
        mention.animacy = ANIMATE if plural else UNKNOWN
        mention.number = PLURAL if plural else UNKNOWN
    elif ner == "ORG":
        pass  # en_core_web_sm tags many person names ORG: leave every attribute open
    else:
        mention.number = PLURAL if head.tag_ == "NNPS" else SINGULAR


def _describe_nominal(mention: Mention, head: Token, lexicons: Lexicons) -> None:
    lemma = head.lemma_.lower()
    mention.number = PLURAL if head.tag_ in ("NNS", "NNPS") else SINGULAR
    gender = lexicons.gendered_nouns.get(head.lower_) or lexicons.gendered_nouns.get(lemma)
    if gender is not None:
        mention.gender, mention.animacy = gender, ANIMATE
        mention.person_evidence = 2
    elif (
        lemma in lexicons.person_words
        or head.lower_ in lexicons.person_words
        or head.lower_ in lexicons.demonyms  # "two Indians", "an Englishman"
        or head.ent_type_ in ("PERSON", "NORP")
    ):
        mention.animacy = ANIMATE
        mention.person_evidence = 2
    elif lemma in lexicons.person_words_rare or head.lower_ in lexicons.person_words_rare:
        mention.person_evidence = 1  # "her hand", "asked for help": a person only rarely
    else:
        mention.animacy, mention.gender = INANIMATE, NEUTRAL
