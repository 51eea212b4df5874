"""The learned antecedent ranker for noun phrases the head-match sieves left alone.

The rule sieves link a nominal only on strict evidence (same head, word inclusion, compatible
modifiers, a few sentences back); on GUM dev about 150 nominals that share a head with an earlier
mention of their entity stayed unlinked (a bare plural said again far on, a number clash, a
different modifier; names with a word the earlier one lacks: "Norton" ... "Joshua Norton").
Here every common noun or name that is not indefinite and still first of its cluster scores
the earlier clusters that hold a mention with its head lemma, plus a "no antecedent" row, in
one conditional logit (as ``ranker.py`` does for pronouns); it links to the
best cluster only when that beats "no antecedent". Trained by ``bench/coref_train_nominal.py`` on
openly licensed data (GUM train's open genres, LitBank's train part) and shipped as
``nominal.json``; without the file the sieve does nothing.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from textlabel.nlp.coref.attributes import PLURAL, UNKNOWN, values_agree
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import NOMINAL, PRONOUN, PROPER, Mention
from textlabel.nlp.coref.sieves_head import EMPHATIC_MODIFIERS
from textlabel.nlp.coref.syntax import role_of

MODEL_FILE = Path(__file__).with_name("nominal.json")
WINDOW = 40  # sentences back a candidate may lie
_DEMONSTRATIVE = frozenset(["this", "that", "these", "those"])
_POST_MODIFIERS = frozenset({"prep", "acl", "relcl"})
_PRE_MODIFIERS = frozenset({"ADJ", "NOUN", "PROPN"})

CANDIDATE_FEATURES: tuple[str, ...] = (
    "same_head",
    "number_clash",
    "same_text",
    "word_inclusion",
    "new_modifiers_log",
    "antecedent_extra_modifiers_log",
    "modifier_clash",
    "sent_0",
    "sent_1_3",
    "sent_4_10",
    "sent_11_plus",
    "sentences_log",
    "nearest",
    "cluster_size_log",
    "cluster_has_pronoun",
    "candidate_proper",
    "candidate_indefinite",
    "candidate_bare_plural",
    "candidate_bare_singular",
    "both_bare_plural",
    "possessor_clash",
    "same_possessor",
    "ner_clash",
    "attributes_clash",
    "candidate_subject",
    "candidate_postmodified",
)
ABSTAIN_FEATURES: tuple[str, ...] = (
    "abstain",
    "anaphor_the",
    "anaphor_demonstrative",
    "anaphor_possessive",
    "anaphor_bare_plural",
    "anaphor_bare_singular",
    "anaphor_postmodified",
    "anaphor_premodified",
    "anaphor_premodifier_noun",
    "anaphor_plural",
    "anaphor_person",
    "anaphor_subject",
    "anaphor_candidates_log",
    "anaphor_nearest_sentences_log",
    "anaphor_words_log",
    "anaphor_lemma_mentions_log",
    "anaphor_lemma_later_log",
)
FEATURES = CANDIDATE_FEATURES + ABSTAIN_FEATURES


@dataclass(frozen=True, slots=True)
class NominalModel:
    """One weight per feature of ``FEATURES``; ``threshold``: the least probability a link needs."""

    weights: tuple[float, ...]
    trained_on: str = ""
    threshold: float = 0.0

    def score(self, values: Sequence[float]) -> float:
        return sum(w * v for w, v in zip(self.weights, values, strict=True))

    def to_json(self) -> str:
        data = {
            "features": list(FEATURES),
            "weights": [round(w, 6) for w in self.weights],
            "trained_on": self.trained_on,
            "threshold": self.threshold,
        }
        return json.dumps(data, indent=1) + "\n"


def read_model(path: Path) -> NominalModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES or len(data["weights"]) != len(FEATURES):
        raise ValueError(f"{path}: nominal ranker features differ from the code's")
    weights = tuple(float(w) for w in data["weights"])
    return NominalModel(weights, data.get("trained_on", ""), float(data.get("threshold", 0.0)))


@cache
def load_model() -> NominalModel | None:
    """The shipped model, or None when the file is absent (then the sieve links nothing)."""
    return read_model(MODEL_FILE) if MODEL_FILE.exists() else None


def _bare(mention: Mention) -> bool:
    return mention.start == mention.head and mention.end == mention.head + 1


def _postmodified(ctx: SieveContext, mention: Mention) -> bool:
    doc = ctx.doc
    return any(
        doc[i].head.i == mention.head and doc[i].dep_ in _POST_MODIFIERS
        for i in range(mention.head + 1, mention.end)
    )


def _anaphors(ctx: SieveContext) -> list[Mention]:
    return [
        mention
        for mention in ctx.mentions
        if mention.kind in (NOMINAL, PROPER)
        and not mention.indefinite
        and not mention.role
        and ctx.clusters.is_first(mention)
    ]


def _lemma(ctx: SieveContext, mention: Mention) -> str:
    return ctx.doc[mention.head].lemma_.lower() or mention.head_text


def candidate_rows(
    ctx: SieveContext, anaphor: Mention, candidates: list[Mention], same_lemma: list[Mention]
) -> list[list[float]]:
    """One row per candidate (the nearest mention of an earlier cluster), then the "no
    antecedent" row: zero on the candidate features, as candidates are on its features."""
    own = ctx.clusters.of(anaphor)
    own_words = own.words - {anaphor.head_text}
    new_modifiers = anaphor.modifiers - EMPHATIC_MODIFIERS
    rows = []
    for rank, candidate in enumerate(candidates):
        cluster = ctx.clusters.of(candidate)
        sentences = anaphor.sent - candidate.sent
        added = new_modifiers - cluster.words
        extra = candidate.modifiers - anaphor.modifiers - EMPHATIC_MODIFIERS
        numbers = cluster.numbers - {UNKNOWN}
        rows.append(
            [
                float(anaphor.head_text in cluster.heads),
                float(bool(numbers) and anaphor.number not in numbers),
                float(any(m.text == anaphor.text for m in cluster.mentions)),
                float(own_words <= cluster.words),
                math.log1p(len(added)),
                math.log1p(len(extra)),
                float(bool(added) and bool(extra)),
                float(sentences == 0),
                float(1 <= sentences <= 3),
                float(4 <= sentences <= 10),
                float(sentences > 10),
                math.log1p(sentences) / 3,
                float(rank == 0),
                math.log(len(cluster.mentions)),
                float(any(m.kind == PRONOUN for m in cluster.mentions)),
                float(any(m.kind == PROPER for m in cluster.mentions)),
                float(cluster.first.indefinite),
                float(candidate.generic),
                float(_bare(candidate) and candidate.number != PLURAL),
                float(candidate.generic and anaphor.generic),
                float(
                    bool(anaphor.possessor and candidate.possessor)
                    and anaphor.possessor != candidate.possessor
                ),
                float(bool(anaphor.possessor) and anaphor.possessor == candidate.possessor),
                float(not values_agree(own.ners, cluster.ners)),
                float(
                    not values_agree(own.genders, cluster.genders)
                    or not values_agree(own.animacies, cluster.animacies)
                ),
                float(role_of(candidate.dep) == "subject"),
                float(_postmodified(ctx, candidate)),
                *[0.0] * len(ABSTAIN_FEATURES),
            ]
        )
    doc = ctx.doc
    first = doc[anaphor.start].lower_
    nearest = min((anaphor.sent - c.sent for c in candidates), default=WINDOW)
    abstain = [
        1.0,
        float(first == "the"),
        float(first in _DEMONSTRATIVE),
        float(bool(anaphor.possessor)),
        float(anaphor.generic),
        float(_bare(anaphor) and anaphor.number != PLURAL),
        float(_postmodified(ctx, anaphor)),
        float(
            any(doc[i].pos_ in ("ADJ", "NOUN", "PROPN") for i in range(anaphor.start, anaphor.head))
        ),
        float(anaphor.premodifier),
        float(anaphor.number == PLURAL),
        float(anaphor.person_evidence == 2),
        float(role_of(anaphor.dep) == "subject"),
        math.log1p(len(candidates)),
        math.log1p(nearest) / 3,
        math.log(anaphor.end - anaphor.start),
        math.log(len(same_lemma)),
        math.log1p(sum(m.start > anaphor.start for m in same_lemma)),
    ]
    rows.append([0.0] * len(CANDIDATE_FEATURES) + abstain)
    return rows


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [value / total for value in exps]


def nominal_rank_match(ctx: SieveContext) -> None:
    """Link each nominal still first of its cluster to the best earlier cluster sharing its
    head lemma, when the model finds that likelier than "no antecedent" (the trainer's hooks:
    ``ctx.nominal_model`` instead of the shipped one, ``ctx.nominal_observer`` sees the rows)."""
    model = ctx.nominal_model or load_model()
    observer = ctx.nominal_observer
    if model is None and observer is None:
        return
    by_lemma: dict[str, list[Mention]] = defaultdict(list)
    for mention in ctx.mentions:
        if mention.kind in (NOMINAL, PROPER):
            by_lemma[_lemma(ctx, mention)].append(mention)
    for anaphor in _anaphors(ctx):
        seen: set[int] = set()
        candidates = []
        same_lemma = by_lemma[_lemma(ctx, anaphor)]
        for other in reversed(same_lemma):
            if other.start >= anaphor.start or anaphor.sent - other.sent > WINDOW:
                continue
            cluster = ctx.clusters.of(other)
            if id(cluster) in seen or ctx.clusters.same(other, anaphor):
                continue
            seen.add(id(cluster))
            if not ctx.clusters.nested(other, anaphor):
                candidates.append(other)
        if not candidates:
            continue
        rows = candidate_rows(ctx, anaphor, candidates, same_lemma)
        if observer is not None:
            observer(anaphor, candidates, rows)
        if model is None:
            continue
        probabilities = softmax([model.score(row) for row in rows])
        best = max(range(len(candidates)), key=lambda i: probabilities[i])
        if probabilities[best] > probabilities[-1] and probabilities[best] > model.threshold:
            ctx.clusters.merge(candidates[best], anaphor, score=probabilities[best])
