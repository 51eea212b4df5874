"""The sieve order and ``resolve``: mentions in, entities (lists of mentions) out."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Doc

from textlabel.nlp.coref.attributes import load_lexicons
from textlabel.nlp.coref.clusters import Cluster, Clusters
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import Mention
from textlabel.nlp.coref.event_mentions import event_match
from textlabel.nlp.coref.mentions import detect_mentions, sentence_indices
from textlabel.nlp.coref.nominal_ranker import nominal_rank_match
from textlabel.nlp.coref.sieves_head import (
    proper_head_word_match,
    relaxed_head_match,
    strict_head_match,
)
from textlabel.nlp.coref.sieves_nominal import name_kind_match
from textlabel.nlp.coref.sieves_place import place_adverb_match
from textlabel.nlp.coref.sieves_precise import (
    appositive,
    predicate_nominative,
    relative_pronoun,
    role_appositive,
)
from textlabel.nlp.coref.sieves_pronoun import pronoun_match
from textlabel.nlp.coref.sieves_string import (
    acronym_match,
    exact_string_match,
    generic_string_match,
    name_variant_match,
    relaxed_string_match,
)

Sieve = Callable[[SieveContext], None]

# Most precise first (Lee et al. 2013, Table 1): later sieves see the clusters earlier ones built.
# Each sieve's prior is the score of the links it makes (chain confidence is the weakest link's);
# the priors follow the sieves' precision order. The pronoun sieve scores its own links.
SIEVES: dict[str, Sieve] = {
    "exact_string": exact_string_match,
    "generic_string": generic_string_match,
    "relaxed_string": relaxed_string_match,
    "appositive": appositive,
    "predicate_nominative": predicate_nominative,
    "role_appositive": role_appositive,
    "relative_pronoun": relative_pronoun,
    "acronym": acronym_match,
    "name_variant": name_variant_match,
    "strict_head_1": strict_head_match(modifiers=True, inclusion=True),
    "strict_head_2": strict_head_match(modifiers=False, inclusion=True),
    "strict_head_3": strict_head_match(modifiers=True, inclusion=False),
    "proper_head": proper_head_word_match,
    "relaxed_head": relaxed_head_match,
    "name_kind": name_kind_match,
    "nominal_rank": nominal_rank_match,
    "pronoun": pronoun_match,
    "place_adverb": place_adverb_match,
    "event": event_match,
}
PRIORS: dict[str, float] = {
    "exact_string": 0.95,
    "generic_string": 0.8,
    "relaxed_string": 0.9,
    "appositive": 0.75,
    "predicate_nominative": 0.75,
    "role_appositive": 0.8,
    "relative_pronoun": 0.8,
    "acronym": 0.9,
    "name_variant": 0.9,
    "strict_head_1": 0.9,
    "strict_head_2": 0.85,
    "strict_head_3": 0.8,
    "proper_head": 0.85,
    "relaxed_head": 0.7,
    "name_kind": 0.7,
    "nominal_rank": 0.6,
    "pronoun": 0.5,
    "place_adverb": 0.5,
    "event": 0.5,
}


def build_context(doc: Doc, *, pronoun_window: int = 3) -> SieveContext:
    """Detect mentions and start with one cluster per mention."""
    lexicons = load_lexicons()
    mentions = detect_mentions(doc, lexicons)
    return SieveContext(
        doc=doc,
        mentions=mentions,
        clusters=Clusters(mentions),
        lexicons=lexicons,
        sent_of=sentence_indices(doc),
        pronoun_window=pronoun_window,
    )


def run_sieves(ctx: SieveContext, sieves: Iterable[str] | None = None) -> None:
    """Run the named sieves (all, in order, when None) over ``ctx``."""
    for name in sieves if sieves is not None else SIEVES:
        if name not in SIEVES:
            raise KeyError(f"unknown coreference sieve {name!r}; known: {', '.join(SIEVES)}")
        ctx.clusters.default_score = PRIORS[name]
        SIEVES[name](ctx)


def resolve_chains(
    doc: Doc, *, sieves: list[str] | None = None, pronoun_window: int = 3
) -> list[Cluster]:
    """Run the sieves and return the clusters of two or more mentions, with confidence."""
    ctx = build_context(doc, pronoun_window=pronoun_window)
    run_sieves(ctx, sieves)
    return ctx.clusters.chains()


def resolve(
    doc: Doc, *, sieves: list[str] | None = None, pronoun_window: int = 3
) -> list[list[Mention]]:
    """Run the sieves (all, in order, unless named) and return entities of two or more mentions."""
    chains = resolve_chains(doc, sieves=sieves, pronoun_window=pronoun_window)
    return [chain.mentions for chain in chains]
