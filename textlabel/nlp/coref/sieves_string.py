"""String sieves: exact match, relaxed exact match and acronym (passes 2, 3 and 4).

Lee et al.'s demonym link ("Israel" ... "the Israelis") is left out: the people are not the
state in GUM, OntoNotes or LitBank (0 of 19 such links right on GUM dev and LitBank)."""

from __future__ import annotations

from textlabel.nlp.coref.attributes import name_key
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, NOMINAL, PRONOUN, PROPER, Mention


def _eligible(mention: Mention) -> bool:
    return (
        mention.kind != PRONOUN and not mention.role and bool(mention.words) and not mention.generic
    )


# a lone noun modifying another ("[membership] fees", "[steam] engines") names a kind; said again
# far on it is the kind again, not a thing GUM chains (GUM dev + train open genres: such links
# more than 10 sentences back were right 92 times in 287, within 10 sentences 143 in 335)
COMPOUND_WINDOW = 10


def _far_noun_modifier(ctx: SieveContext, antecedent: Mention, mention: Mention) -> bool:
    return (
        mention.kind == NOMINAL
        and mention.end - mention.start == 1
        and ctx.doc[mention.head].dep_ == "compound"
        and mention.sent - antecedent.sent > COMPOUND_WINDOW
    )


def exact_string_match(ctx: SieveContext) -> None:
    """Same lower-cased string (possessive 's ignored): "the Bush administration" twice; a lone
    noun modifier only within ``COMPOUND_WINDOW`` sentences of the first."""
    first_with: dict[str, Mention] = {}
    for mention in ctx.mentions:
        if not _eligible(mention):
            continue
        antecedent = first_with.get(mention.text)
        if antecedent is None:
            first_with[mention.text] = mention
        elif (
            (not mention.indefinite or mention.end - mention.start >= 3)
            and not antecedent.nested_with(mention)
            and not _far_noun_modifier(ctx, antecedent, mention)
        ):
            ctx.clusters.merge(antecedent, mention)


GENERIC_WINDOW = 3


def generic_string_match(ctx: SieveContext) -> None:
    """A bare plural said again within a few sentences is the same group or kind
    ("[researchers] ... [researchers]"): GUM chains them, OntoNotes and LitBank leave
    generics apart (the scheme's ``generics``)."""
    last_with: dict[str, Mention] = {}
    for mention in ctx.mentions:
        if not mention.generic or mention.role:
            continue
        previous = last_with.get(mention.text)
        if previous is not None and mention.sent - previous.sent <= GENERIC_WINDOW:
            ctx.clusters.merge(previous, mention)
        last_with[mention.text] = mention


def relaxed_string_key(ctx: SieveContext, mention: Mention) -> str:
    """The mention's words up to its head: drops appositives, relative clauses, PPs."""
    tokens = ctx.doc[mention.start : mention.head + 1]
    return " ".join(token.lower_ for token in tokens)


def relaxed_string_match(ctx: SieveContext) -> None:
    """ "Mr. Bickford, an 18-year mediation veteran ... Mr. Bickford" share the text up to the
    head; one of them has post-modifiers, never lists. Names only: a common noun said without
    the post-modifier it had is as often another thing ("their oath of office ... their oath",
    "the joke you tell ... the joke": GUM dev 6 right of 27 links), and the head-match sieves
    link the rest ("the director of the museum ... the director")."""
    first_with: dict[str, Mention] = {}
    for mention in ctx.mentions:
        if not _eligible(mention) or mention.kind == LIST:
            continue
        key = relaxed_string_key(ctx, mention)
        antecedent = first_with.get(key)
        if antecedent is None:
            first_with[key] = mention
        elif (
            mention.kind == PROPER
            and not mention.indefinite
            and (mention.end == mention.head + 1 or antecedent.end == antecedent.head + 1)
            and not ctx.clusters.nested(antecedent, mention)
            and ctx.clusters.of(antecedent).agrees_with(ctx.clusters.of(mention))
        ):
            ctx.clusters.merge(antecedent, mention)


def _initials(ctx: SieveContext, mention: Mention) -> str:
    """Capitals of the name up to its head, skipping "the" and the like."""
    tokens = ctx.doc[mention.start : mention.head + 1]
    words = [token.text for token in tokens if token.is_alpha and token.pos_ != "DET"]
    return "".join(word[0] for word in words if word[0].isupper())


def acronym_match(ctx: SieveContext) -> None:
    """ "NRA" and "National Rifle Association": capitals of one spell the other's single token
    (its periods dropped: "U.N.")."""
    acronyms: dict[str, list[Mention]] = {}
    for mention in ctx.mentions:
        tokens = ctx.doc[mention.start : mention.end]
        if mention.kind != PROPER or any(t.pos_ != "DET" for t in tokens if t.i != mention.head):
            continue
        text = ctx.doc[mention.head].text.replace(".", "")  # "U.N." is "UN"
        if 2 <= len(text) <= 8 and text.isalpha() and text.isupper():
            acronyms.setdefault(text, []).append(mention)
    if not acronyms:
        return
    for mention in ctx.mentions:
        if mention.kind != PROPER or mention.head - mention.start < 1:
            continue
        initials = _initials(ctx, mention)
        for acronym in acronyms.get(initials, ()):
            ctx.clusters.merge(mention, acronym)


def name_variant_match(ctx: SieveContext) -> None:
    """One name written two ways: with or without periods or "the" ("the U.S." ... "US") or as
    another name of the same country (``name_aliases.tsv``: "America" ... "the United States").
    Whole names only: "the United States Congress" is no variant of "the US". GUM dev: 13 links
    right, 0 wrong; GUM train's open genres 49 right, 10 wrong (mostly a kind and one instance:
    "Chardonnay" ... "the Chardonnay")."""
    aliases = ctx.lexicons.name_aliases
    first_with: dict[str, Mention] = {}
    for mention in ctx.mentions:
        if mention.kind != PROPER or mention.indefinite:
            continue
        key = name_key(mention.text)
        key = aliases.get(key, key)
        antecedent = first_with.get(key)
        if antecedent is None:
            first_with[key] = mention
        elif not ctx.clusters.nested(antecedent, mention):
            ctx.clusters.merge(antecedent, mention)
