"""Non-referential "it" (Lee et al. 2013, section 3.1) and the clause an extraposed "it"
anticipates: "[it] is not enough [to have attained such levels]". OntoNotes leaves such an "it"
out; GUM links it to the clause ("cataphora"), which the gum scheme writes as a chain.
"""

from __future__ import annotations

import re

from spacy.tokens import Token

from textlabel.nlp.coref.syntax import verb_lemma

_WEATHER_VERBS = frozenset(["rain", "snow", "hail", "drizzle", "pour", "freeze"])
_RAISING_VERBS = frozenset(
    ["seem", "appear", "happen", "turn", "follow", "mean", "matter", "occur", "take", "cost"]
)


def is_pleonastic(token: Token) -> bool:
    """True for a non-referential "it": expletive parses plus the classic clause patterns."""
    if token.lower_ != "it":
        return False
    if token.dep_ == "expl" or _idiom(token):
        return True
    verb = token.head
    if token.dep_ not in ("nsubj", "nsubjpass"):
        return False
    if verb.pos_ == "ADJ" and verb_lemma(verb.head) in _OBJECT_RAISING_VERBS:
        # "made [it] clear that ...", "find [it] hard to believe": the small clause's subject
        # stands for the clause after the adjective
        return any(child.dep_ in _CLAUSE_DEPS + ("advcl",) for child in verb.children)
    if verb_lemma(verb) == "come" and any(
        child.dep_ == "prep" and child.lower_ == "to" for child in verb.children
    ):
        return True  # "when [it] comes to ..."
    if verb_lemma(verb) == "be" and any(
        child.dep_ == "attr" and child.lower_ == "time" for child in verb.children
    ):
        return True  # "[it] is time to ..."
    if verb_lemma(verb) == "be" and token.i < verb.i and _cleft(verb):
        return True  # "[It] is the Senate that will fail": a cleft
    child_deps = {child.dep_ for child in verb.children}
    # the clause an "it" stands for comes after it: "See, [it] was slow" has none
    clausal = any(
        child.dep_ in ("ccomp", "xcomp", "csubj", "advcl") and child.i > token.i
        for child in verb.children
    )
    if verb_lemma(verb) in _WEATHER_VERBS or _weather_or_time(verb):
        return True
    if token.i < verb.i and (_clock_time(verb) or _ambient(verb)):
        return True
    if verb_lemma(verb) in _RAISING_VERBS and clausal:
        return True
    if token.dep_ == "nsubjpass" and "ccomp" in child_deps:
        return True  # "it is said that ..."
    if verb_lemma(verb) in _COPULAS and not clausal:
        # "It's important that ...", "it became apparent that ...": the clause hangs under
        # the adjective
        clausal = any(
            child.dep_ == "acomp"
            and child.lower_ not in _EXPERIENCER_ADJECTIVES
            and any(g.dep_ in _CLAUSE_DEPS and g.i > token.i for g in child.children)
            for child in verb.children
        )
    if verb_lemma(verb) in _COPULAS and clausal:
        # "it is important to ...", "it was clear that ..."; not "it is a book that ..."
        return "attr" not in child_deps or "ccomp" in child_deps or "xcomp" in child_deps
    return False


def _weather_or_time(verb: Token) -> bool:
    """ "[It] was sunny", "[it] was spring", "[it] was drizzling" (parsed as a predicate noun):
    a copula whose only predicate is a word of weather or a time of day / year ("it was hot" is
    left out: soup is hot too)."""
    if verb_lemma(verb) != "be":
        return False
    predicates = [child for child in verb.children if child.dep_ in ("acomp", "attr")]
    return len(predicates) == 1 and predicates[0].lower_ in _WEATHER_PREDICATES


def _for_to(clause: Token) -> bool:
    """An adverbial "for X to ..." clause."""
    if clause.dep_ != "advcl":
        return False
    children = list(clause.children)
    return any(c.dep_ == "mark" and c.lower_ == "for" for c in children) and any(
        c.dep_ == "aux" and c.lower_ == "to" for c in children
    )


def _clock_time(verb: Token) -> bool:
    """ "[it]'s like 5:19 p.m.", "[it] is now two o'clock": a copula whose predicate is a time
    of the clock; nothing a pronoun stands for "is 5:19 p.m."."""
    if verb_lemma(verb) != "be":
        return False
    return any(
        t.lower_ in _CLOCK_WORDS or _CLOCK.fullmatch(t.text)
        for child in verb.rights
        if child.dep_ in ("attr", "npadvmod", "acomp", "advmod")
        for t in child.subtree
    )


def _ambient(verb: Token) -> bool:
    """ "[it]'s pretty crazy in here", "[it] felt good out there", "[it] is getting colder
    outside": a predicate adjective about a place the speaker points at ("here", "there",
    "outside"): the "it" is the surroundings, which GUM does not annotate as an entity."""
    if verb_lemma(verb) not in _AMBIENT_VERBS:
        return False
    if not any(child.dep_ == "acomp" and child.pos_ == "ADJ" for child in verb.children):
        return False
    for child in verb.rights:
        if child.dep_ == "advmod" and child.lower_ in _DEICTIC_PLACES:
            return True
        if (
            child.dep_ == "prep"
            and child.lower_ in ("in", "out", "up", "down", "over")
            and any(g.lower_ in ("here", "there") for g in child.children)
        ):
            return True  # "in here", "out there"
    return False


def _idiom(token: Token) -> bool:
    """An "it" of an idiom: "worth [it]", "hit [it] off", "I take [it] (that) ..." (GUM dev
    linked each to a noun before)."""
    head = token.head
    if head.lower_ == "worth":
        return True
    if token.dep_ != "dobj":
        return False
    children = {child.dep_: child for child in head.children}
    if verb_lemma(head) == "hit" and children.get("prt") is not None:
        return children["prt"].lower_ == "off"
    return verb_lemma(head) == "take" and "ccomp" in children and children["ccomp"].i > token.i


def _cleft(verb: Token) -> bool:
    """A cleft's copula: its focus has the "that" / "who" clause, or the parser hung the
    clause on the copula after the focus ("[it]'s the Court of Appeal that, for ...")."""
    if any(_cleft_focus(child) for child in verb.children):
        return True
    focus = next((child for child in verb.children if child.dep_ == "attr"), None)
    clause = next((child for child in verb.children if child.dep_ == "ccomp"), None)
    if focus is None or clause is None or clause.i < focus.i:
        return False
    first = verb.doc[clause.left_edge.i].lower_
    return first in ("that", "who") and _definite_or_proper(focus)


def _definite_or_proper(token: Token) -> bool:
    determiner = next((t.lower_ for t in token.children if t.dep_ == "det"), "")
    return token.pos_ == "PROPN" or determiner == "the"


def _cleft_focus(child: Token) -> bool:
    """The focus of a cleft: a definite or proper predicate with a "that" / "who" clause."""
    if child.dep_ != "attr" or not any(t.dep_ == "relcl" for t in child.children):
        return False
    clause = next(t for t in child.children if t.dep_ == "relcl")
    first = child.doc[clause.left_edge.i].lower_
    return first in ("that", "who") and _definite_or_proper(child)


_CLAUSE_DEPS = ("xcomp", "ccomp", "csubj")
# copulas whose extraposed subject stands for a clause: "it remains unclear what ...", "it
# became apparent that ..." (GUM dev: both linked to a noun before)
_COPULAS = frozenset(["be", "remain", "become"])
# "[it] was conscious that ...", "ready to ...": the adjective's clause says what its subject
# knows or wants, so the subject is a real one; "[it] was akin to pain" (LitBank train)
_EXPERIENCER_ADJECTIVES = frozenset(
    ["aware", "conscious", "afraid", "glad", "happy", "sorry", "proud", "eager", "ready"]
    + ["willing", "able", "unable", "anxious", "keen", "ashamed", "akin"]
)
_WEATHER_PREDICATES = frozenset(
    ["sunny", "cloudy", "windy", "rainy"]
    + ["overcast", "dark", "gloomy", "chilly", "humid", "muggy", "stormy", "snowy", "misty"]
    + ["hazy", "breezy"]
    + ["foggy", "freezing", "drizzling", "raining", "snowing", "pouring", "late", "early"]
    + ["spring", "summer", "autumn", "winter", "morning", "evening", "night", "afternoon"]
    + ["midnight", "noon", "dawn", "dusk", "daytime", "nighttime"]
)
# "[it] is getting colder outside", "[it]'s 5:19 p.m." (GUM train vlogs leave such an "it" out)
_AMBIENT_VERBS = frozenset(["be", "get", "feel", "look", "seem", "become", "stay", "remain"])
_DEICTIC_PLACES = frozenset(["here", "there", "outside", "inside", "outdoors", "indoors"])
_CLOCK_WORDS = frozenset(["a.m.", "p.m.", "am", "pm", "o'clock", "o’clock"])
_CLOCK = re.compile(r"\d{1,2}:\d{2}")
_OBJECT_RAISING_VERBS = frozenset(["make", "find", "consider", "keep", "leave", "take"])
_CLAUSE_STARTS = frozenset(["to", "that", "whether", "if", "how", "what", "why", "when", "for"])


def extraposed_clause(token: Token) -> tuple[int, int] | None:
    """Token offsets of the clause a pleonastic subject "it" stands for ("it is clear [that
    ...]", "it is easier [to ...]"), or None (weather "it", no clause, an "it" that is no
    subject)."""
    if not is_pleonastic(token) or token.dep_ not in ("nsubj", "nsubjpass", "expl"):
        return None
    verb = token.head
    if verb_lemma(verb) in _WEATHER_VERBS:
        return None
    if verb_lemma(verb) == "be" and _cleft(verb):
        return None  # "[it] is the Senate that will fail": GUM links a cleft's "it" to nothing
    clauses = [child for child in verb.rights if child.dep_ in _CLAUSE_DEPS]
    if not clauses:
        # "it is important [that ...]" with the clause under the adjective
        for child in verb.rights:
            if child.dep_ == "acomp":
                clauses = [c for c in child.rights if c.dep_ in _CLAUSE_DEPS]
                break
    if not clauses:
        # "it would be strange [for Congress to say ...]": parsed as an adverbial clause
        heads = [verb, *(child for child in verb.rights if child.dep_ == "acomp")]
        clauses = [c for head in heads for c in head.rights if _for_to(c)]
    if not clauses:
        return None
    clause = clauses[0]
    doc = token.doc
    first = doc[clause.left_edge.i]
    before = doc[first.i - 1] if first.i > 0 else first
    if before.lower_ == "for" and before.dep_ == "prep" and clause.dep_ == "ccomp":
        # "it takes a million years [for change to happen]": "for" hangs on the verb
        first = before
    if first.lower_ not in _CLAUSE_STARTS:
        return None  # "it is easier [to ...]", "it is clear [that ...]" only
    if first.lower_ == "to" and (first.dep_ != "aux" or clause.pos_ not in ("VERB", "AUX")):
        return None  # "it seemed [to Winterbourne] ...": a preposition, not an infinitive
    left, right = first.i, clause.right_edge.i + 1
    while right - 1 > clause.i and (doc[right - 1].is_punct or doc[right - 1].is_space):
        right -= 1
    while left < clause.i and (doc[left].is_punct or doc[left].is_space):
        left += 1
    if left <= token.i:
        return None
    return left, right
