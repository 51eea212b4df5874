"""Pronoun resolution (pass 10): agreement in number, gender, animacy and person against whole
clusters, candidates within a few sentences back, ranked by syntactic salience.

Salience follows what carries GAP on this parse (NLP-NOTES 1.6): a candidate in the same
grammatical role as the pronoun (parallelism) first, then the shortest dependency path, sentence
trees joined by a virtual root, then token distance.
"""

from __future__ import annotations

from textlabel.nlp.coref.attributes import INANIMATE
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, PRONOUN, Mention

_SUBJECT = frozenset({"nsubj", "nsubjpass"})
_OBJECT = frozenset({"dobj"})
_ARGUMENT = frozenset({"dobj", "iobj", "dative", "pobj"})


def _role(dep: str) -> str:
    if dep in _SUBJECT:
        return "subject"
    if dep in _OBJECT:
        return "object"
    return ""


class _Tree:
    """Depths and dependency paths of one doc, computed on demand."""

    def __init__(self, ctx: SieveContext) -> None:
        self.doc = ctx.doc
        self._depth: dict[int, int] = {}

    def chain(self, i: int) -> list[int]:
        chain = [i]
        token = self.doc[i]
        while token.head.i != token.i:
            token = token.head
            chain.append(token.i)
        return chain

    def depth(self, i: int) -> int:
        if i not in self._depth:
            self._depth[i] = len(self.chain(i)) - 1
        return self._depth[i]

    def distance(self, left: int, right: int, *, same_sentence: bool, sentences: int) -> int:
        if not same_sentence:
            return self.depth(left) + self.depth(right) + 1 + sentences
        up = {token: steps for steps, token in enumerate(self.chain(left))}
        for steps, token in enumerate(self.chain(right)):
            if token in up:
                return steps + up[token]
        return self.depth(left) + self.depth(right) + 2


def _binding_clash(ctx: SieveContext, pronoun: Mention, candidate: Mention) -> bool:
    """A plain object pronoun is not its own verb's subject ("John saw him": him != John)."""
    if pronoun.reflexive or pronoun.dep not in _ARGUMENT:
        return False
    verb = ctx.doc[pronoun.head].head
    if pronoun.dep == "pobj":
        verb = verb.head
    head = ctx.doc[candidate.head]
    return head.dep_ in _SUBJECT and head.head.i == verb.i


def _reflexive_antecedent(ctx: SieveContext, pronoun: Mention) -> Mention | None:
    verb = ctx.doc[pronoun.head].head
    if pronoun.dep == "pobj":
        verb = verb.head
    for child in verb.children:
        if child.dep_ in _SUBJECT and child.i < pronoun.head:
            return ctx.mention_headed_by(child.i)
    return None


def _first_sentence_index(ctx: SieveContext) -> list[int]:
    """For each sentence number, the index of the first mention in or after it."""
    n_sents = ctx.sent_of[-1] + 1 if ctx.sent_of else 0
    first = [len(ctx.mentions)] * (n_sents + 1)
    for mention in reversed(ctx.mentions):
        first[mention.sent] = mention.index
    for sent in range(n_sents - 1, -1, -1):
        first[sent] = min(first[sent], first[sent + 1])
    return first


def pronoun_match(ctx: SieveContext) -> None:
    """Resolve each unresolved personal pronoun to the most salient agreeing earlier cluster."""
    tree = _Tree(ctx)
    first_in_sent = _first_sentence_index(ctx)
    last_by_person: dict[tuple[int, str], Mention] = {}
    for pronoun in ctx.mentions:
        if pronoun.kind != PRONOUN or pronoun.relative:
            continue
        if pronoun.person != 3:
            # prose rarely switches speaker: "I ... me ... my" is one participant
            key = (pronoun.person, pronoun.number if pronoun.person == 1 else "")
            previous = last_by_person.get(key)
            if previous is not None and ctx.clusters.is_first(pronoun):
                ctx.clusters.merge(previous, pronoun)
            last_by_person[key] = pronoun
            continue
        if not ctx.clusters.is_first(pronoun):
            continue
        cluster = ctx.clusters.of(pronoun)
        if pronoun.reflexive:
            subject = _reflexive_antecedent(ctx, pronoun)
            if subject is not None and ctx.clusters.of(subject).agrees_with(cluster):
                ctx.clusters.merge(subject, pronoun)
                continue
        lo = first_in_sent[max(0, pronoun.sent - ctx.pronoun_window)]
        best: tuple[tuple[int, int, int], Mention] | None = None
        role = _role(pronoun.dep)
        for candidate in ctx.mentions[lo : pronoun.index]:
            if candidate.start >= pronoun.start or candidate.contains(pronoun):
                continue
            if candidate.relative or (candidate.kind == LIST and pronoun.number != "pl"):
                continue
            candidate_cluster = ctx.clusters.of(candidate)
            if candidate_cluster.persons != {3} or not candidate_cluster.agrees_with(
                cluster, check_ner=False
            ):
                continue
            if (
                candidate.kind != PRONOUN
                and candidate.animacy == INANIMATE
                and not (pronoun.animacy == INANIMATE or pronoun.animacy == "?")
            ):
                continue
            if _binding_clash(ctx, pronoun, candidate):
                continue
            same = candidate.sent == pronoun.sent
            key = (
                0 if role and _role(candidate.dep) == role else 1,
                tree.distance(
                    pronoun.head,
                    candidate.head,
                    same_sentence=same,
                    sentences=pronoun.sent - candidate.sent,
                ),
                pronoun.start - candidate.start,
            )
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is not None:
            ctx.clusters.merge(best[1], pronoun)
