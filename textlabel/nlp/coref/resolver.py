"""The sieve order and ``resolve``: mentions in, entities (lists of mentions) out."""

from __future__ import annotations

from collections.abc import Callable

from spacy.tokens import Doc

from textlabel.nlp.coref.attributes import load_lexicons
from textlabel.nlp.coref.clusters import Clusters
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import Mention
from textlabel.nlp.coref.mentions import detect_mentions, sentence_indices
from textlabel.nlp.coref.sieves_head import (
    proper_head_word_match,
    relaxed_head_match,
    strict_head_match,
)
from textlabel.nlp.coref.sieves_precise import (
    appositive,
    predicate_nominative,
    relative_pronoun,
    role_appositive,
)
from textlabel.nlp.coref.sieves_pronoun import pronoun_match
from textlabel.nlp.coref.sieves_string import (
    acronym_match,
    demonym_match,
    exact_string_match,
    relaxed_string_match,
)

Sieve = Callable[[SieveContext], None]

# Most precise first (Lee et al. 2013, Table 1): later sieves see the clusters earlier ones built.
SIEVES: dict[str, Sieve] = {
    "exact_string": exact_string_match,
    "relaxed_string": relaxed_string_match,
    "appositive": appositive,
    "predicate_nominative": predicate_nominative,
    "role_appositive": role_appositive,
    "relative_pronoun": relative_pronoun,
    "acronym": acronym_match,
    "demonym": demonym_match,
    "strict_head_1": strict_head_match(modifiers=True, inclusion=True),
    "strict_head_2": strict_head_match(modifiers=False, inclusion=True),
    "strict_head_3": strict_head_match(modifiers=True, inclusion=False),
    "proper_head": proper_head_word_match,
    "relaxed_head": relaxed_head_match,
    "pronoun": pronoun_match,
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


def resolve(
    doc: Doc, *, sieves: list[str] | None = None, pronoun_window: int = 3
) -> list[list[Mention]]:
    """Run the sieves (all, in order, unless named) and return entities of two or more mentions."""
    ctx = build_context(doc, pronoun_window=pronoun_window)
    for name in sieves if sieves is not None else SIEVES:
        if name not in SIEVES:
            raise KeyError(f"unknown coreference sieve {name!r}; known: {', '.join(SIEVES)}")
        SIEVES[name](ctx)
    return ctx.clusters.entities()
