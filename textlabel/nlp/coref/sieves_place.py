"""The place adverb "there" names a place said before ("Portland ... going [there]").

GUM and LitBank both chain it; no other sieve links it (it is a demonstrative mention, which the
string, head and pronoun sieves leave alone). It takes the nearest place entity (or earlier
"there") within ``PLACE_WINDOW`` sentences back. "here" is left out: linked the same way it cost
GUM dev and LitBank (deictic, the speaker's place).
"""

from __future__ import annotations

from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import Mention

PLACE_ADVERBS = frozenset(["there"])
PLACE_NER = frozenset({"GPE", "LOC", "FAC"})
PLACE_WINDOW = 2


def is_place_adverb(ctx: SieveContext, mention: Mention) -> bool:
    return mention.demonstrative and ctx.doc[mention.head].lower_ in PLACE_ADVERBS


def place_adverb_match(ctx: SieveContext) -> None:
    """Link each "there" to the nearest place before it, within a few sentences."""
    for index, mention in enumerate(ctx.mentions):
        if not is_place_adverb(ctx, mention) or not ctx.clusters.is_first(mention):
            continue
        word = ctx.doc[mention.head].lower_
        for candidate in reversed(ctx.mentions[:index]):
            if mention.sent - candidate.sent > PLACE_WINDOW:
                break
            if candidate.start >= mention.start:
                continue
            same_word = is_place_adverb(ctx, candidate) and ctx.doc[candidate.head].lower_ == word
            if same_word or candidate.ner in PLACE_NER:
                ctx.clusters.merge(candidate, mention)
                break
