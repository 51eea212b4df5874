"""Head-match sieves (passes 5 to 9): strict head match in three strengths, proper head word match
and relaxed head match. Only a cluster's first mention looks for an antecedent, and only among
earlier mentions that share its head (or, for relaxed match, contain it): no all-pairs work."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from textlabel.nlp.coref.attributes import TEMPORAL_NER, values_agree
from textlabel.nlp.coref.context import SieveContext, candidates_before
from textlabel.nlp.coref.describe import LIST, LOCATION_MODIFIERS, NOMINAL, PRONOUN, PROPER, Mention

Rule = Callable[[SieveContext, Mention, Mention], bool]
HEAD_MATCH_WINDOW = 20  # sentences a common noun looks back


# a noun phrase opened by a quantifier or a wh-word ranges over a kind or asks which one: "all
# the people" after "the people", "what information", "such a cause of action" (GUM dev: 1 of
# 8 head-match links from such a phrase were right)
QUANTIFIED_STARTS = frozenset(["all", "such", "what", "whose", "every", "each", "any"])


def _anaphors(ctx: SieveContext) -> list[Mention]:
    return [
        mention
        for mention in ctx.mentions
        if mention.kind not in (PRONOUN, LIST)
        # a lone common noun ("land", "action", "school") is mostly a kind or a mass, not the
        # thing an earlier "the land" named (GUM dev: head-match links from one were right 7
        # times in 46); said again word for word, the string sieves still link it
        and not (mention.kind == NOMINAL and _bare(mention))
        and not mention.indefinite
        and ctx.doc[mention.start].lower_ not in QUANTIFIED_STARTS
        and not mention.generic
        and not mention.role
        and ctx.clusters.is_first(mention)
    ]


def _resolve(ctx: SieveContext, index: dict[str, list[Mention]], rule: Rule) -> None:
    """Merge each anaphor with the first earlier mention, in sieve order, that passes ``rule``;
    ``index`` maps the anaphor's head word to the only mentions worth trying."""
    for mention in _anaphors(ctx):
        for antecedent in candidates_before(mention, index.get(mention.head_text, [])):
            if ctx.clusters.same(antecedent, mention):
                continue
            if (
                _comparable(mention, antecedent)
                and rule(ctx, mention, antecedent)
                and not ctx.clusters.nested(mention, antecedent)
            ):
                ctx.clusters.merge(antecedent, mention)
                break


def _comparable(mention: Mention, antecedent: Mention) -> bool:
    """Not "his hand" and "my hand" (other possessors), nor "recent years" and "several years"
    (times match only by their whole string), nor a common noun said long before (a "law" 11
    sentences back is seldom "the proposed law": GUM dev and LitBank gain from the bound)."""
    if mention.possessor and antecedent.possessor and mention.possessor != antecedent.possessor:
        return False
    if mention.kind != PROPER and mention.sent - antecedent.sent > HEAD_MATCH_WINDOW:
        return False
    return mention.ner not in TEMPORAL_NER and antecedent.ner not in TEMPORAL_NER


def _head_index(ctx: SieveContext) -> dict[str, list[Mention]]:
    index: dict[str, list[Mention]] = defaultdict(list)
    for mention in ctx.mentions:
        if mention.kind not in (PRONOUN, LIST):
            index[mention.head_text].append(mention)
    return index


def _word_index(ctx: SieveContext) -> dict[str, list[Mention]]:
    index: dict[str, list[Mention]] = defaultdict(list)
    for mention in ctx.mentions:
        if mention.kind not in (PRONOUN, LIST):
            for word in mention.words:
                index[word].append(mention)
    return index


def cluster_head_match(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
    return mention.head_text in ctx.clusters.of(antecedent).heads


def word_inclusion(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
    """All of the mention cluster's words, minus its head, already occur in the antecedent's."""
    words = ctx.clusters.of(mention).words - {mention.head_text}
    return words <= ctx.clusters.of(antecedent).words


# modifiers that stress without telling two things apart: "the [whole] system", "your [own]
# life", "the [overall] proposal" are the system, life and proposal said before
EMPHATIC_MODIFIERS = frozenset(["own", "whole", "entire", "current", "actual", "overall"])


def compatible_modifiers(mention: Mention, antecedent: Mention) -> bool:
    """The later mention adds no modifier ("the [red] car" is not "the car" said before) but
    an emphatic one ("the whole system")."""
    return mention.modifiers - EMPHATIC_MODIFIERS <= antecedent.modifiers


def genders_agree(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
    """No known gender clash: "Mrs. Kronborg" is not "Mr. Kronborg" (honorifics give gender)."""
    return values_agree(ctx.clusters.of(mention).genders, ctx.clusters.of(antecedent).genders)


# without word inclusion a head match is a guess: only a few sentences back, never to a lone noun
# (GUM dev: such links 4 to 10 sentences back were right once in 15)
WINDOW_WITHOUT_INCLUSION = 3


def _bare(mention: Mention) -> bool:
    """A lone noun ("production", "history"): often the kind, not the thing said later."""
    return mention.start == mention.head and mention.end == mention.head + 1


def strict_head_match(*, modifiers: bool, inclusion: bool) -> Callable[[SieveContext], None]:
    """Passes 5-7: cluster head match plus word inclusion and / or compatible modifiers, and
    no gender clash; without word inclusion, not to a lone noun nor far back (GUM dev and
    LitBank: such links were right about half the time)."""

    def rule(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
        return (
            cluster_head_match(ctx, mention, antecedent)
            and genders_agree(ctx, mention, antecedent)
            and (not inclusion or word_inclusion(ctx, mention, antecedent))
            and (not modifiers or compatible_modifiers(mention, antecedent))
            and (
                inclusion
                or not _bare(antecedent)
                and mention.sent - antecedent.sent <= WINDOW_WITHOUT_INCLUSION
            )
        )

    def sieve(ctx: SieveContext) -> None:
        _resolve(ctx, _head_index(ctx), rule)

    sieve.__name__ = f"strict_head_match_{'m' if modifiers else ''}{'i' if inclusion else ''}"
    return sieve


def _no_location_clash(mention: Mention, antecedent: Mention) -> bool:
    left = mention.modifiers & LOCATION_MODIFIERS
    right = antecedent.modifiers & LOCATION_MODIFIERS
    return left == right


def _proper_words(ctx: SieveContext, mention: Mention) -> set[str]:
    """The names in the mention besides its head, after it too: "the Municipality of
    [Culion]" names another municipality than "the Municipality of [Linapacan]"."""
    tokens = ctx.doc[mention.start : mention.end]
    return {token.lower_ for token in tokens if token.pos_ == "PROPN" and token.i != mention.head}


def proper_head_word_match(ctx: SieveContext) -> None:
    """Pass 8: both heads proper nouns with the same word ("Smith" after "John Smith"), no
    clashing proper pre-modifiers ("Mary Smith"), location words or new numbers."""

    def rule(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
        if mention.kind != PROPER or antecedent.kind != PROPER:
            return False
        if mention.head_text != antecedent.head_text:
            return False
        extra_left = mention.proper_modifiers - antecedent.proper_modifiers
        return (
            not extra_left
            and not _proper_words(ctx, mention) - _proper_words(ctx, antecedent)
            and _no_location_clash(mention, antecedent)
            and mention.numbers <= antecedent.numbers
            and ctx.clusters.of(mention).agrees_with(ctx.clusters.of(antecedent))
        )

    _resolve(ctx, _head_index(ctx), rule)


def relaxed_head_match(ctx: SieveContext) -> None:
    """Pass 9: the mention's head is a word of the antecedent cluster ("Gates" ... "Bill Gates",
    "John" ... "John Smith"), same entity type, word inclusion, attributes agree."""
    index = _word_index(ctx)

    def rule(ctx: SieveContext, mention: Mention, antecedent: Mention) -> bool:
        antecedent_cluster = ctx.clusters.of(antecedent)
        if mention.head_text not in antecedent_cluster.words:
            return False
        if mention.kind == PROPER and antecedent.kind == PROPER:
            if mention.ner and antecedent.ner and mention.ner != antecedent.ner:
                return False
        elif mention.head_text not in antecedent_cluster.heads:
            return False
        return word_inclusion(ctx, mention, antecedent) and ctx.clusters.of(mention).agrees_with(
            antecedent_cluster, check_ner=False
        )

    _resolve(ctx, index, rule)
