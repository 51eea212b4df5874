"""Annotation schemes: which mentions and links a corpus counts as coreference.

Corpora disagree on what to chain, and a filter right for one costs points on another (issue
18): OntoNotes / CoNLL-2012 leave appositions, predicate nominatives, relative pronouns and
bare singular nouns out; GUM (and UD's CorefUD) chains all of them; a people, places and
organisations scheme wants only those entities. A project picks one by name; the component
resolves with all sieves and applies the scheme to what it writes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scheme:
    """One named preset; every flag says whether that kind of mention or link is written."""

    name: str
    title: str
    appositives: bool  # "[Bill Gates], [the founder of Microsoft]"
    predicates: bool  # "[the capital] is [Paris]"
    relative_pronouns: bool  # "[the man] [who] came"
    bare_nouns: bool  # a lone singular common noun: "[fear] ... [fear]"
    people_places_organisations: bool  # only chains of those entity types
    expletive_clauses: bool  # "[it] is clear [that he left]" (GUM's cataphora)
    noun_premodifiers: bool  # a common noun modifying another: "[DH] projects"
    possessive_marker: bool  # "[Byron 's] letters" (GUM, OntoNotes) or "[Byron] 's" (LitBank)
    generics: bool  # a bare plural said again close by: "[researchers] ... [researchers]"
    events: bool  # a clause a demonstrative stands for: "[we painted the fence], and [that] ..."


SCHEMES: dict[str, Scheme] = {
    scheme.name: scheme
    for scheme in (
        Scheme(
            "gum",
            "GUM / CorefUD: every entity, appositions and predicates linked",
            appositives=True,
            predicates=True,
            relative_pronouns=False,
            bare_nouns=True,
            people_places_organisations=False,
            expletive_clauses=True,
            noun_premodifiers=True,
            possessive_marker=True,
            generics=True,
            events=True,
        ),
        Scheme(
            "ontonotes",
            "OntoNotes / CoNLL-2012: no appositive, predicate or bare-noun links",
            appositives=False,
            predicates=False,
            relative_pronouns=False,
            bare_nouns=False,
            people_places_organisations=False,
            expletive_clauses=False,
            noun_premodifiers=False,
            possessive_marker=True,
            generics=False,
            events=False,
        ),
        Scheme(
            "ppo",
            "People, places and organisations only",
            appositives=True,
            predicates=True,
            relative_pronouns=False,
            bare_nouns=False,
            people_places_organisations=True,
            expletive_clauses=False,
            noun_premodifiers=False,
            possessive_marker=False,
            generics=False,
            events=False,
        ),
    )
}
DEFAULT_SCHEME = "gum"


def get_scheme(name: str) -> Scheme:
    """The preset called ``name``; an unknown name raises ``ValueError`` naming the known ones
    (not ``KeyError``: spaCy reports a component's KeyError as "not initialized")."""
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(
            f"unknown coreference scheme {name!r}; known: {', '.join(SCHEMES)}"
        ) from None
