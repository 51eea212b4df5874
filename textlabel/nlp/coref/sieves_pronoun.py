"""Pronoun resolution (pass 10): agreement in number, gender, animacy and person against whole
clusters, candidates within a few sentences back, ranked by syntactic salience.

Salience follows what carries GAP on this parse (NLP-NOTES 1.6): a candidate in the same
grammatical role as the pronoun in the same or previous sentence (parallelism) first, then the
shortest dependency path (sentence trees joined by a virtual root, plus the sentence distance),
shortened by one step per earlier mention of the entity (up to two), then token distance.
Before that, two precise rules: a reflexive takes its verb's subject, and a pronoun in a fronted
adjunct ("After his retirement, Smith ...") takes the main clause's subject (the only cataphora).
Binding: an object pronoun never takes its own verb's subject ("John saw him").
"""

from __future__ import annotations

from spacy.tokens import Token

from textlabel.nlp.coref.attributes import INANIMATE
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, PRONOUN, Mention
from textlabel.nlp.coref.quotes import quote_speakers

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


def _governing_subjects(verb: Token) -> list[Token]:
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


def _binding_clash(ctx: SieveContext, pronoun: Mention, candidate: Mention) -> bool:
    """A plain object pronoun is not its own verb's subject ("John saw him": him != John)."""
    if pronoun.reflexive or pronoun.dep not in _ARGUMENT:
        return False
    verb = ctx.doc[pronoun.head].head
    if pronoun.dep == "pobj":
        verb = verb.head
    return any(subject.i == candidate.head for subject in _governing_subjects(verb))


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


_FRONTED = frozenset({"prep", "advcl", "npadvmod", "advmod", "pcomp"})
_QUOTES = frozenset({'"', "“", "”", "``", "''"})


def _cataphora_subject(ctx: SieveContext, pronoun: Mention) -> Mention | None:
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


def pronoun_match(ctx: SieveContext) -> None:
    """Resolve each unresolved personal pronoun to the most salient agreeing earlier cluster."""
    tree = _Tree(ctx)
    speakers = quote_speakers(ctx.doc)
    first_in_sent = _first_sentence_index(ctx)
    last_by_person: dict[tuple[int, str], Mention] = {}
    for pronoun in ctx.mentions:
        if pronoun.kind != PRONOUN or pronoun.relative:
            continue
        if pronoun.person != 3:
            # prose rarely switches speaker: "I ... me ... my" is one participant
            voice = (pronoun.person, pronoun.number if pronoun.person == 1 else "")
            previous = last_by_person.get(voice)
            if previous is not None and ctx.clusters.is_first(pronoun):
                ctx.clusters.merge(previous, pronoun)
            last_by_person[voice] = pronoun
            continue
        if not ctx.clusters.is_first(pronoun):
            continue
        cluster = ctx.clusters.of(pronoun)
        if pronoun.reflexive:
            subject = _reflexive_antecedent(ctx, pronoun)
            if subject is not None and ctx.clusters.of(subject).agrees_with(cluster):
                ctx.clusters.merge(subject, pronoun)
                continue
        subject = _cataphora_subject(ctx, pronoun)
        if subject is not None and _compatible(ctx, pronoun, subject):
            ctx.clusters.merge(subject, pronoun)
            continue
        speaker_head = speakers.get(pronoun.head)
        speaker = ctx.mention_headed_by(speaker_head) if speaker_head is not None else None
        lo = first_in_sent[max(0, pronoun.sent - ctx.pronoun_window)]
        best: tuple[tuple[int, int, int], Mention] | None = None
        role = _role(pronoun.dep)
        for candidate in ctx.mentions[lo : pronoun.index]:
            if candidate.start >= pronoun.start or not _compatible(ctx, pronoun, candidate):
                continue
            if speaker is not None and ctx.clusters.same(candidate, speaker):
                continue  # "he" inside a quote is not the one speaking
            sentences = pronoun.sent - candidate.sent
            parallel = role and sentences <= 1 and _role(candidate.dep) == role
            distance = tree.distance(
                pronoun.head, candidate.head, same_sentence=sentences == 0, sentences=sentences
            )
            # an entity already mentioned more than once is more salient (up to two steps)
            salience = min(len(ctx.clusters.of(candidate).mentions) - 1, 2)
            key = (0 if parallel else 1, distance - salience, pronoun.start - candidate.start)
            if best is None or key < best[0]:
                best = (key, candidate)
        if best is not None:
            ctx.clusters.merge(best[1], pronoun)


def _compatible(ctx: SieveContext, pronoun: Mention, candidate: Mention) -> bool:
    """Agreement with the candidate's whole cluster, and no i-within-i or binding clash."""
    if candidate.relative or candidate.role or (candidate.kind == LIST and pronoun.number != "pl"):
        return False
    cluster = ctx.clusters.of(candidate)
    if cluster.persons != {3} or not cluster.agrees_with(ctx.clusters.of(pronoun), check_ner=False):
        return False
    if (
        pronoun.animacy != INANIMATE
        and candidate.kind != PRONOUN
        and candidate.animacy == INANIMATE
    ):
        return False
    if any(mention.contains(pronoun) for mention in cluster.mentions):
        return False
    return not _binding_clash(ctx, pronoun, candidate)
