"""From resolved clusters to the chains the component writes, under a scheme.

Whatever the scheme, a written chain never holds a mention inside another of its own mentions
(i-within-i: "[Obama special assistant Kori Schulman]" keeps the whole name, not "assistant"
inside it; a kept relative pronoun is the exception) nor a mention without a letter or digit ("-"),
and has at least two mentions. A chain of noun modifiers alone ("[repair] shops ... [repair]
manuals") is dropped: the modifier names a kind, and string matching chained the word (GUM dev and
train's open genres: such chains held 161 gold chained mentions against 316 others; LitBank train
under the gum scheme +0.15).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc

from textlabel.nlp.coref.attributes import Lexicons
from textlabel.nlp.coref.clusters import Cluster
from textlabel.nlp.coref.describe import NOMINAL, PRONOUN, Mention, describe_mention
from textlabel.nlp.coref.expletives import extraposed_clause
from textlabel.nlp.coref.schemes import Scheme

EXPLETIVE_SCORE = 0.5  # how sure an "it ... [clause]" chain is
_PPO_NER = frozenset({"PERSON", "NORP", "GPE", "LOC", "FAC", "ORG"})


@dataclass(frozen=True, slots=True)
class Chain:
    """One entity to write: its mentions in text order and how sure the resolver is of it."""

    mentions: list[Mention]
    confidence: float
    spans: list[tuple[int, int]]  # token offsets written, one per mention (scheme boundaries)


def sieves_for(scheme: Scheme, names: list[str]) -> list[str]:
    """The sieve names a scheme runs: appositive, predicate, generic and event links only where
    it counts them."""
    skipped = set()
    if not scheme.appositives:
        skipped |= {"appositive", "role_appositive"}
    if not scheme.predicates:
        skipped.add("predicate_nominative")
    if not scheme.generics:
        skipped.add("generic_string")
    if not scheme.events:
        skipped.add("event")
    return [name for name in names if name not in skipped]


def written_chains(
    doc: Doc,
    clusters: list[Cluster],
    scheme: Scheme,
    lexicons: Lexicons,
    *,
    relative_pronouns: bool = False,
) -> list[Chain]:
    """The chains to write for ``clusters``, filtered by ``scheme``, in order of first mention."""
    chains = []
    for cluster in clusters:
        if scheme.people_places_organisations and not _is_ppo(cluster, lexicons):
            continue
        kept = [
            mention
            for mention in cluster.mentions
            if _writable(doc, mention, scheme, relative_pronouns=relative_pronouns)
        ]
        # a relative pronoun sits inside its antecedent by construction: the one exception
        kept = [
            m for m in kept if m.relative or not any(o is not m and o.contains(m) for o in kept)
        ]
        if all(mention.premodifier and mention.kind == NOMINAL for mention in kept):
            continue  # "[repair] shops ... [repair] manuals": a word said again, no entity
        if len(kept) > 1:
            spans = [_written_span(doc, mention, scheme) for mention in kept]
            chains.append(Chain(kept, round(cluster.confidence, 4), spans))
    if scheme.expletive_clauses:
        # a span already in a chain stays there: a mention is never in two chains
        written = {span for chain in chains for span in chain.spans}
        for chain in _expletive_chains(doc, lexicons):
            if not written.intersection(chain.spans):
                chains.append(chain)
                written.update(chain.spans)
    chains.sort(key=lambda chain: (chain.mentions[0].start, -chain.mentions[0].end))
    return chains


def _expletive_chains(doc: Doc, lexicons: Lexicons) -> list[Chain]:
    """ "[It] is not enough [to have attained such levels]": an extraposed "it" and its clause."""
    chains = []
    for token in doc:
        if token.lower_ != "it":
            continue
        clause = extraposed_clause(token)
        if clause is None:
            continue
        start, end = clause
        head = max(doc[start:end], key=lambda t: t.i == t.head.i or not start <= t.head.i < end)
        mentions = [
            describe_mention(
                doc,
                index=-1,
                start=first,
                end=last,
                head=root,
                sent=0,
                kind=kind,
                lexicons=lexicons,
            )
            for first, last, root, kind in (
                (token.i, token.i + 1, token, PRONOUN),
                (start, end, head, NOMINAL),
            )
        ]
        chains.append(Chain(mentions, EXPLETIVE_SCORE, [(m.start, m.end) for m in mentions]))
    return chains


def _written_span(doc: Doc, mention: Mention, scheme: Scheme) -> tuple[int, int]:
    """The mention's tokens, with the possessive marker of a possessor where the scheme counts
    it as part of the mention ("[Byron 's] letters")."""
    end = mention.end
    if (
        scheme.possessive_marker
        and end < len(doc)
        and doc[end].dep_ == "case"
        and doc[end].head.i == mention.head
        and doc[end].lower_ in ("'s", "'", "’s", "’")
    ):
        end += 1
    return mention.start, end


def _writable(doc: Doc, mention: Mention, scheme: Scheme, *, relative_pronouns: bool) -> bool:
    if not any(char.isalnum() for char in doc[mention.start : mention.end].text):
        return False
    if mention.relative and not (relative_pronouns or scheme.relative_pronouns):
        return False
    if mention.premodifier and mention.kind == NOMINAL and not scheme.noun_premodifiers:
        return False
    bare = mention.kind == NOMINAL and mention.end - mention.start == 1
    return scheme.bare_nouns or not (bare and doc[mention.head].tag_ == "NN")


def _is_ppo(cluster: Cluster, lexicons: Lexicons) -> bool:
    """A person (named, a person noun, or "he" / "she"), a place or an organisation."""
    if cluster.person_evidence == 2 or cluster.ners & _PPO_NER:
        return True
    return any(mention.head_text in lexicons.org_heads for mention in cluster.mentions)
