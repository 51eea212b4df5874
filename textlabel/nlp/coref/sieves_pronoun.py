"""Pronoun resolution (pass 10): agreement in number, gender, animacy and person against whole
clusters, candidates within a few sentences back.

Order of decisions for a third-person pronoun: precise rules first (a reflexive takes its
verb's subject; a pronoun in a fronted adjunct, "After his retirement, Smith ...", takes the
main clause's subject), then among the agreeing candidates (binding: "John saw him" never links
him to John; a pronoun inside a quote is not the quote's speaker) "he" / "she" and "they" are
resolved by the learned ranker (``ranker.py``; "they" may get no antecedent), "it" is linked
only when the ranker finds it has an antecedent, to the one syntactic salience picks: same
grammatical role in the same or previous sentence (parallelism), then a subject, then the
shortest dependency path shortened by one step per earlier mention of the entity (up to two),
then token distance (NLP-NOTES 1.6); unless the ranker is sure of another candidate
(``RANKER_MARGIN``).

First and second person follow the speaker: "I" inside a quotation is its speaker when one was
found ('"I am tired," said Dick.'), otherwise the quotation's own "I"; "you" is chained only
inside one quotation (a new turn may address someone else); outside quotations "I" and "you"
are the narrator's and the reader's throughout. In a conversation whose speaker turns the caller
gave (``turns.py``), "I" is the turn's speaker, "you" whom the turn answers, and a name that is
a speaker's label is that speaker.
"""

from __future__ import annotations

import re

from textlabel.nlp.coref.attributes import FEMALE, MALE, SINGULAR
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import PRONOUN, PROPER, Mention
from textlabel.nlp.coref.pronoun_rules import (
    cataphora_subject,
    compatible,
    first_sentence_index,
    reflexive_antecedent,
)
from textlabel.nlp.coref.quotes import quote_index, quote_speakers
from textlabel.nlp.coref.ranker import (
    NEUTER,
    PronounSetting,
    RankerModel,
    abstain_features,
    candidate_features,
    load_model,
    pronoun_class,
    softmax,
)
from textlabel.nlp.coref.syntax import DependencyTree, role_of
from textlabel.nlp.coref.turns import token_addressees, token_speakers

# Link scores of the rules (chain confidence is the weakest link's): a prior per rule, ordered
# as the rules' precision is (Lee et al. 2013 report the same order); the ranker's links carry
# its own probability, the salience order's a fixed low prior.
REFLEXIVE_SCORE = 0.9
CATAPHORA_SCORE = 0.6
SPEAKER_SCORE = 0.8
VOICE_SCORE = 0.7
SALIENCE_SCORE = 0.45
NEUTER_WINDOW = 1
# the ranker's probability (among the candidates) of its own pick must beat salience's pick
# by this much to overrule it (GUM dev: 0.2 / 0.3 / 0.5 gave 61.18 / 61.24 / 61.12)
RANKER_MARGIN = 0.3


def pronoun_match(ctx: SieveContext) -> None:
    """Resolve each unresolved personal pronoun to the best agreeing earlier cluster."""
    tree = DependencyTree(ctx.doc)
    speakers = quote_speakers(ctx.doc)
    quotes = quote_index(ctx.doc)
    setting = PronounSetting(quote_of=quotes, speaker_heads=frozenset(speakers.values()), tree=tree)
    first_in_sent = first_sentence_index(ctx)
    voices: dict[tuple[object, ...], Mention] = {}
    model = (ctx.ranker or load_model()) if ctx.use_ranker else None
    observer = ctx.observer
    for pronoun in ctx.mentions:
        if pronoun.kind != PRONOUN or pronoun.relative or pronoun.demonstrative:
            continue
        speaker_head = speakers.get(pronoun.head)
        speaker = ctx.mention_headed_by(speaker_head) if speaker_head is not None else None
        if pronoun.person != 3:
            continue
        if not ctx.clusters.is_first(pronoun):
            continue
        cluster = ctx.clusters.of(pronoun)
        if pronoun.reflexive:
            subject = reflexive_antecedent(ctx, pronoun)
            if subject is not None and ctx.clusters.of(subject).agrees_with(cluster):
                ctx.clusters.merge(subject, pronoun, score=REFLEXIVE_SCORE)
                continue
        subject = cataphora_subject(ctx, pronoun)
        if subject is not None and compatible(ctx, pronoun, subject):
            ctx.clusters.merge(subject, pronoun, score=CATAPHORA_SCORE)
            continue
        gendered = pronoun.gender in (MALE, FEMALE)
        # "it" and "they" refer to what was just said: two sentences back they are wrong three
        # times in four (GUM dev); "he" / "she" keep track of a character much longer
        window = ctx.pronoun_window if gendered else min(ctx.pronoun_window, NEUTER_WINDOW)
        lo = first_in_sent[max(0, pronoun.sent - window)]
        candidates = [
            candidate
            for candidate in ctx.mentions[lo : pronoun.index]
            if candidate.start < pronoun.start
            and compatible(ctx, pronoun, candidate)
            # "he" inside a quote is not the one speaking
            and not (speaker is not None and ctx.clusters.same(candidate, speaker))
        ]
        kind = pronoun_class(pronoun)
        ranked = model is not None and model.ranks(kind)
        if gendered and (ranked or observer is not None):
            # the ranker also weighs names later in the sentence ("His father, John, ...")
            candidates += _cataphora_candidates(ctx, pronoun, speaker)
        if not candidates:
            continue
        if observer is not None and kind is not None:
            rows = candidate_features(ctx, setting, pronoun, candidates)
            rows.append(abstain_features(ctx, setting, pronoun, candidates))
            observer(pronoun, candidates, rows)
        if model is not None and kind is not None and ranked:
            rows = candidate_features(ctx, setting, pronoun, candidates)
            if model.abstains(kind):
                # the last row is "no antecedent": an event, a clause or an idiom's "it"
                rows.append(abstain_features(ctx, setting, pronoun, candidates))
            probabilities = softmax([model.score(kind, row) for row in rows])
            best = max(range(len(rows)), key=lambda i: (probabilities[i], -i))
            if _object_of_preposition(ctx, pronoun, kind):
                best = min(best, len(candidates) - 1)  # linked; the doubt stays in the score
            if best < len(candidates) and model.salience_picks(kind):
                # the ranker says whether there is an antecedent; salience says which, unless
                # the ranker is much surer of another
                antecedent = _overruled(
                    rows, candidates, _most_salient(ctx, tree, pronoun, candidates), model, kind
                )
                score = 1.0 - probabilities[-1]
                ctx.clusters.merge(antecedent, pronoun, score=score)
            elif best < len(candidates):
                ctx.clusters.merge(candidates[best], pronoun, score=probabilities[best])
        else:
            antecedent = _most_salient(ctx, tree, pronoun, candidates)
            ctx.clusters.merge(antecedent, pronoun, score=SALIENCE_SCORE)
    # first and second person last: a speaker ("she said") is resolved before its quote's "I"
    # joins it, and would otherwise no longer be its cluster's first mention
    turns = token_speakers(ctx.doc)
    # one speaker is the narrator's voice anyway; her label as a name cost GUM dev 0.05
    turns = turns if len(set(turns.values())) > 1 else {}
    addressees = token_addressees(ctx.doc) if turns else {}
    for pronoun in ctx.mentions:
        if pronoun.kind == PRONOUN and not pronoun.relative and pronoun.person != 3:
            speaker_head = speakers.get(pronoun.head)
            speaker = ctx.mention_headed_by(speaker_head) if speaker_head is not None else None
            quote = quotes.get(pronoun.head)
            voice = _voice(pronoun, quote, turns, addressees)
            _resolve_voice(ctx, pronoun, speaker, quote, voice, voices)
    if turns:
        _named_speakers(ctx, set(turns.values()), voices)


def _overruled(
    rows: list[list[float]],
    candidates: list[Mention],
    salient: Mention,
    model: RankerModel,
    kind: str,
) -> Mention:
    """Salience's pick, unless the ranker prefers another candidate by a wide margin."""
    choice = softmax([model.score(kind, row) for row in rows[: len(candidates)]])
    best = max(range(len(candidates)), key=lambda i: (choice[i], -i))
    if choice[best] - choice[candidates.index(salient)] > RANKER_MARGIN:
        return candidates[best]
    return salient


def _object_of_preposition(ctx: SieveContext, pronoun: Mention, kind: str | None) -> bool:
    """ "afraid of [it]", "talked about [it]": an "it" after a preposition is no expletive, and
    salience finds its antecedent (the ranker's "no antecedent" took the storm of "The storm hit
    the coast. Many people were afraid of it.")."""
    return kind == NEUTER and ctx.doc[pronoun.head].dep_ == "pobj"


def _cataphora_candidates(
    ctx: SieveContext, pronoun: Mention, speaker: Mention | None
) -> list[Mention]:
    """Named or nominal mentions after the pronoun in its sentence that pass the filter, and
    that the pronoun does not c-command ("He said John left": he != John)."""
    found = []
    doc = ctx.doc
    token = doc[pronoun.head]
    commanding = token.head if token.dep_ in ("nsubj", "nsubjpass", "dobj") else None
    for candidate in ctx.mentions[pronoun.index + 1 :]:
        if candidate.sent != pronoun.sent:
            break
        if (
            candidate.kind != PRONOUN
            and candidate.start > pronoun.start
            and compatible(ctx, pronoun, candidate)
            and not (speaker is not None and ctx.clusters.same(candidate, speaker))
            and not (commanding is not None and commanding.is_ancestor(doc[candidate.head]))
        ):
            found.append(candidate)
    return found


def _most_salient(
    ctx: SieveContext, tree: DependencyTree, pronoun: Mention, candidates: list[Mention]
) -> Mention:
    """Parallel role first, then a subject, then dependency distance less salience, then token
    distance."""
    role = role_of(pronoun.dep)

    def key(candidate: Mention) -> tuple[int, int, int, int]:
        sentences = pronoun.sent - candidate.sent
        parallel = role and sentences <= 1 and role_of(candidate.dep) == role
        distance = tree.distance(
            pronoun.head, candidate.head, same_sentence=sentences == 0, sentences=sentences
        )
        # an entity already mentioned more than once is more salient (up to two steps)
        salience = min(len(ctx.clusters.of(candidate).mentions) - 1, 2)
        # a subject is the likelier topic ("Coron was unknown outside of Palawan. It ...")
        subject = candidate.dep in ("nsubj", "nsubjpass")
        return (
            0 if parallel else 1,
            0 if subject else 1,
            distance - salience,
            pronoun.start - candidate.start,
        )

    return min(candidates, key=key)


def _resolve_voice(
    ctx: SieveContext,
    pronoun: Mention,
    speaker: Mention | None,
    quote: int | None,
    voice: tuple[object, ...],
    voices: dict[tuple[object, ...], Mention],
) -> None:
    """First and second person: the quotation's speaker, else the same voice before."""
    if quote is not None and pronoun.person == 1 and pronoun.number == "sg" and speaker:
        if not ctx.clusters.same(speaker, pronoun):
            persons = set(ctx.clusters.of(speaker).persons)
            ctx.clusters.merge(speaker, pronoun, score=SPEAKER_SCORE)
            # the narrator still calls the speaker "he" / "she": a quoted "I" adds no person
            ctx.clusters.of(speaker).persons = persons
        return
    previous = voices.get(voice)
    if previous is not None and ctx.clusters.is_first(pronoun):
        ctx.clusters.merge(previous, pronoun, score=VOICE_SCORE)
    voices[voice] = pronoun


def _voice(
    pronoun: Mention, quote: int | None, turns: dict[int, str], addressees: dict[int, str]
) -> tuple[object, ...]:
    """Whose "I" / "you" this is: in a speaker's turn (outside quotations) "I" is the speaker
    and "you" the one the turn answers, both keyed as that person's "I" (GUM dev: 58.49 ->
    59.47 with GUM's turns); otherwise the quotation's or the narrator's own voice. "we" stays
    one voice: a family's "we" is shared by its speakers."""
    first_singular = pronoun.person == 1 and pronoun.number == SINGULAR
    if quote is None and first_singular and pronoun.head in turns:
        return (1, SINGULAR, turns[pronoun.head])
    if quote is None and pronoun.person == 2 and pronoun.head in addressees:
        return (1, SINGULAR, addressees[pronoun.head])
    number = pronoun.number if pronoun.person == 1 else ""
    return (pronoun.person, number, quote)


def _named_speakers(
    ctx: SieveContext, speakers: set[str], voices: dict[tuple[object, ...], Mention]
) -> None:
    """A name whose head word is a word of one speaker's label, and of no other's ("Katie" or
    "Ms. Blake" for KatieBlake, "David Titley" for Titley), joins that speaker's "I" (GUM dev:
    59.47 without names, 59.61 with the exact label, 59.71 with names made only of the label's
    words, 59.75 with the head alone)."""
    words = {speaker: set(_label_words(speaker)) for speaker in speakers}
    for mention in ctx.mentions:
        if mention.kind != PROPER:
            continue
        head = ctx.doc[mention.head].lower_.rstrip(".")
        found = [speaker for speaker, label in words.items() if head in label]
        voice = voices.get((1, SINGULAR, found[0])) if len(found) == 1 else None
        if voice is not None and not ctx.clusters.same(voice, mention):
            ctx.clusters.merge(voice, mention, score=VOICE_SCORE)


def _label_words(label: str) -> list[str]:
    """The lower-cased words of a speaker label: "KatieBlake", "Katie Blake", "DrCellini"."""
    return [word.lower() for word in _LABEL_WORD.findall(label)]


_LABEL_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")
