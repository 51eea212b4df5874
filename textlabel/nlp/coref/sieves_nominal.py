"""A definite description that names the kind of an earlier name: "Athens ... [the city]",
"Greece ... [the country]", "Google ... [the company]".

The head-match sieves need a shared word ("Crater Lake ... the lake" they already link); a
kind noun shares none with the name it stands for. "the" / "this" + a kind noun, as the first
mention of its cluster, takes the nearest earlier name of a matching entity type a few
sentences back, when that name is the most mentioned one of its type so far (the text's topic,
not a place named in passing).
"""

from __future__ import annotations

from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import NOMINAL, PROPER, Mention

_DEFINITE = frozenset(["the", "this"])
_PLACE = frozenset({"GPE", "LOC"})
_KINDS: dict[str, frozenset[str]] = {
    "city": _PLACE,
    "town": _PLACE,
    "village": _PLACE,
    "capital": _PLACE,
    "island": _PLACE,
    "province": _PLACE,
    "country": _PLACE,
    "nation": _PLACE,
    "company": frozenset({"ORG"}),
    "firm": frozenset({"ORG"}),
    "organization": frozenset({"ORG"}),
    "organisation": frozenset({"ORG"}),
    "university": frozenset({"ORG"}),
}
# "the country" is a country's name, "the city" never one: the places of ``demonyms.tsv`` tell
# "Australia ... this country" from "Athens ... the country" (Greece)
_COUNTRY_KINDS = frozenset({"country", "nation"})
WINDOW = 5
_POST_MODIFIERS = frozenset({"prep", "acl", "relcl", "appos"})


def _kind_description(ctx: SieveContext, mention: Mention) -> frozenset[str] | None:
    """The entity types "the city" may name, or None when ``mention`` is no such description."""
    if mention.kind != NOMINAL or mention.possessor or mention.proper_modifiers:
        return None
    doc = ctx.doc
    if mention.head != mention.start + 1 or doc[mention.start].lower_ not in _DEFINITE:
        return None
    if any(
        doc[i].head.i == mention.head and doc[i].dep_ in _POST_MODIFIERS
        for i in range(mention.head + 1, mention.end)
    ):
        return None  # "the village [of Marlott]" names its place itself
    return _KINDS.get(mention.head_text)


def _is_country(ctx: SieveContext, name: Mention) -> bool:
    text = name.text.removeprefix("the ")
    return text in ctx.lexicons.countries


def name_kind_match(ctx: SieveContext) -> None:
    """Link "the city" to the nearest earlier, most mentioned name of a place."""
    for mention in ctx.mentions:
        types = _kind_description(ctx, mention)
        if types is None or not ctx.clusters.is_first(mention):
            continue
        country = mention.head_text in _COUNTRY_KINDS
        earlier = [
            other
            for other in ctx.mentions[: mention.index]
            if other.kind == PROPER
            and other.ner in types
            and other.end <= mention.start
            and (other.ner not in _PLACE or _is_country(ctx, other) == country)
        ]
        near = [other for other in earlier if mention.sent - other.sent <= WINDOW]
        if not near:
            continue
        sizes = {
            id(ctx.clusters.of(other)): len(ctx.clusters.of(other).mentions) for other in earlier
        }
        top = max(sizes.values())
        best = near[-1]
        if sizes[id(ctx.clusters.of(best))] == top and not ctx.clusters.nested(best, mention):
            ctx.clusters.merge(best, mention)
