"""Precise syntactic constructs (pass 4): appositive, predicate nominative, role appositive,
relative pronoun. Each reads one dependency configuration and checks cluster agreement."""

from __future__ import annotations

from spacy.tokens import Token

from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import PRONOUN, PROPER, Mention
from textlabel.nlp.coref.mentions import is_close_appositive
from textlabel.nlp.coref.syntax import verb_lemma

_LOCATION_NER = frozenset({"GPE", "LOC", "FAC"})


def _agree(ctx: SieveContext, left: Mention, right: Mention) -> bool:
    return ctx.clusters.of(left).agrees_with(ctx.clusters.of(right))


def appositive(ctx: SieveContext) -> None:
    """ "[Bill Gates], [the founder of Microsoft]": an ``appos`` child set off by a comma or
    parenthesis. en_core_web_sm's appos is only ~68 F, so the punctuation is required and
    two proper names or a location ("Paris, France") are refused. Without punctuation only a
    name right after a common noun is one: "[his brother] [Pierre Joseph]"."""
    doc = ctx.doc
    for mention in ctx.mentions:
        token = doc[mention.head]
        if mention.kind == PRONOUN or token.dep_ != "appos" or mention.start == 0:
            continue
        if is_close_appositive(token.head, token):
            parent = ctx.mention_headed_by(token.head.i)
            if parent is not None and parent.end == mention.start and _agree(ctx, parent, mention):
                ctx.clusters.merge(parent, mention)  # "[his brother] [Pierre Joseph]"
            continue
        if doc[mention.start - 1].text not in (",", "(", "-", "--"):
            continue
        parent = ctx.mention_headed_by(token.head.i)
        if parent is None or parent.kind == PRONOUN:
            continue
        if parent.kind == PROPER and mention.kind == PROPER:
            continue
        if parent.ner in _LOCATION_NER or mention.ner in _LOCATION_NER:
            continue
        if _agree(ctx, parent, mention):
            ctx.clusters.merge(parent, mention)


def _asserted_identity(copula: Token, attribute: Token) -> bool:
    """The copula states that subject and attribute are one: not denied ("a trial is [not]
    an opening argument"), hedged ("it [might] be the worst thing"), asked ("is it a
    modification?") or a list ("[me] and Isabel"). GUM dev: 2 of 16 such links were right,
    LitBank train 1 of 42."""
    if any(child.dep_ == "neg" or child.tag_ == "MD" for child in copula.children):
        return False
    if any(child.dep_ == "conj" for child in attribute.children):
        return False
    return copula.sent[-1].text != "?"


def predicate_nominative(ctx: SieveContext) -> None:
    """ "[The capital] is [Paris]": subject and ``attr`` of a form of "be"."""
    doc = ctx.doc
    for mention in ctx.mentions:
        token = doc[mention.head]
        if token.dep_ != "attr" or verb_lemma(token.head) != "be":
            continue
        if not _asserted_identity(token.head, token):
            continue
        subjects = [child for child in token.head.children if child.dep_ == "nsubj"]
        if not subjects:
            continue
        subject = ctx.mention_headed_by(subjects[0].i)
        if subject is None or subject.nested_with(mention):
            continue
        if _agree(ctx, subject, mention):
            ctx.clusters.merge(subject, mention)


def role_appositive(ctx: SieveContext) -> None:
    """ "[actress] [Rebecca Schaeffer]": a role noun before a person's name, both animate."""
    for mention in ctx.mentions:
        if not mention.role:
            continue
        name = _name_after_role(ctx, mention)
        if name is None or name.animacy == "inanimate" or name.gender == "neutral":
            continue
        if name.ner not in ("PERSON", "") and name.animacy != "animate":
            continue
        if "'" in name.text or " and " in name.text:
            continue
        if mention.animacy != "inanimate" and _agree(ctx, name, mention):
            ctx.clusters.merge(name, mention)


def _name_after_role(ctx: SieveContext, role: Mention) -> Mention | None:
    """The proper-name mention the role noun modifies (its syntactic head's noun phrase)."""
    found = ctx.mention_headed_by(ctx.doc[role.head].head.i)
    if found is not None and found.kind == PROPER and found.head > role.head:
        return found
    return None


def relative_pronoun(ctx: SieveContext) -> None:
    """ "[the man] [who] came": a relative pronoun and the noun its ``relcl`` clause modifies."""
    doc = ctx.doc
    for mention in ctx.mentions:
        if not mention.relative:
            continue
        clause = doc[mention.head]
        while clause.dep_ != "relcl" and clause.head is not clause:
            clause = clause.head
        if clause.dep_ != "relcl":
            continue
        noun = ctx.mention_headed_by(clause.head.i)
        if noun is not None and noun.kind != PRONOUN and _agree(ctx, noun, mention):
            ctx.clusters.merge(noun, mention)
