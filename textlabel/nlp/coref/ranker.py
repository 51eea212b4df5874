"""The learned antecedent ranker for third-person pronouns: features and scoring.

A conditional log-linear model (one weight per feature, softmax over the candidates of one
pronoun), one weight vector per pronoun class ("he" / "she", "they", "it"), trained by
``bench/coref_train_ranker.py`` on openly licensed data and shipped as ``ranker.json``: "he" /
"she" on GAP development + validation (Apache-2.0); "they" and "it" on LitBank's train part
(CC BY 4.0) and GUM train documents of openly licensed genres (annotations CC BY 4.0, see
``bench/coref_gum_train.py``). "they" and "it" also score a "no antecedent" row
(``anaphoricity``): an "it" for an event or a clause stays unlinked. For "it" the ranker
decides *whether* to link; which candidate is the salience order's (``sieves_pronoun``: on GUM
dev and LitBank that was as good, and keeps the subject preference) unless the ranker is much
surer of another one. Inference is a dot
product in plain Python: deterministic, no numpy or scikit-learn at run time. The features read
what the sieves already know: distance, grammatical role and parallelism, salience, animacy,
number and gender evidence, quotations.

A class without weights in the file keeps the syntactic salience order of ``sieves_pronoun``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from textlabel.nlp.coref.anaphoricity import ABSTAIN_FEATURES, abstain_row
from textlabel.nlp.coref.attributes import (
    ANIMATE,
    FEMALE,
    INANIMATE,
    MALE,
    NEUTRAL,
    PLURAL,
    PRONOUNS,
)
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, NOMINAL, PRONOUN, PROPER, Mention
from textlabel.nlp.coref.syntax import DependencyTree, role_of

MODEL_FILE = Path(__file__).with_name("ranker.json")

CANDIDATE_FEATURES: tuple[str, ...] = (
    "sent_0",
    "sent_1",
    "sent_2",
    "sent_3_plus",
    "token_distance_log",
    "tree_distance",
    "nearest_by_tree",
    "second_by_tree",
    "nearest_by_tokens",
    "nearest_person",
    "candidate_subject",
    "candidate_object",
    "candidate_possessor",
    "candidate_prep_object",
    "parallel_subject",
    "parallel_object",
    "possessive_after_subject",
    "candidate_main_subject",
    "candidate_governs_pronoun",
    "candidate_embedded",
    "candidate_proper",
    "candidate_nominal",
    "candidate_pronoun",
    "candidate_indefinite",
    "salience_log",
    "sure_person",
    "rare_person",
    "gender_match",
    "ner_person",
    "ner_org",
    "pronoun_in_quote",
    "candidate_in_quote",
    "same_quote",
    "candidate_speaker",
    "same_sentence_subject",
    "previous_sentence_subject",
    "topic",
    "subject_mentions_log",
    "subject_pronoun_to_main_subject",
    "cataphoric",
    "candidate_plural",
    "candidate_animate",
    "candidate_inanimate",
    "candidate_list",
    "candidate_generic",
    "same_pronoun",
    "pronoun_possessive",
)
# a real candidate's row is zero on the "no antecedent" features and that row zero on the others
FEATURES = CANDIDATE_FEATURES + ABSTAIN_FEATURES
_NO_ABSTAIN = [0.0] * len(ABSTAIN_FEATURES)
GENDERED, PLURAL_CLASS, NEUTER = "gendered", "plural", "neuter"
PRONOUN_CLASSES = (GENDERED, PLURAL_CLASS, NEUTER)


def pronoun_class(pronoun: Mention) -> str | None:
    """Which weight vector ranks ``pronoun``'s antecedents (None: not a ranked pronoun)."""
    if pronoun.gender in (MALE, FEMALE):
        return GENDERED
    if pronoun.number == PLURAL:
        return PLURAL_CLASS
    if pronoun.gender == NEUTRAL:
        return NEUTER
    return None


@dataclass(frozen=True, slots=True)
class RankerModel:
    """Feature weights per pronoun class; ``features`` must equal ``FEATURES`` (checked on
    load). The classes in ``abstain`` also score a "no antecedent" row (``anaphoricity``)."""

    features: tuple[str, ...]
    weights: dict[str, tuple[float, ...]]
    trained_on: str = ""
    abstain: frozenset[str] = frozenset()
    salience: frozenset[str] = frozenset()

    def ranks(self, pronoun_class: str | None) -> bool:
        return pronoun_class in self.weights

    def abstains(self, pronoun_class: str | None) -> bool:
        return pronoun_class in self.abstain

    def salience_picks(self, pronoun_class: str | None) -> bool:
        """Whether the salience order, not the ranker, picks among the candidates (the
        ranker then only decides whether there is an antecedent at all)."""
        return pronoun_class in self.salience and pronoun_class in self.abstain

    def score(self, pronoun_class: str, values: Sequence[float]) -> float:
        return sum(w * v for w, v in zip(self.weights[pronoun_class], values, strict=True))

    def to_json(self) -> str:
        data = {
            "features": list(self.features),
            "weights": {
                name: [round(w, 6) for w in weights] for name, weights in self.weights.items()
            },
            "trained_on": self.trained_on,
            "abstain": sorted(self.abstain),
            "salience": sorted(self.salience),
        }
        return json.dumps(data, indent=1) + "\n"


def read_model(path: Path) -> RankerModel:
    data = json.loads(path.read_text(encoding="utf-8"))
    features = tuple(data["features"])
    if features != FEATURES:
        missing = sorted(set(FEATURES) ^ set(features))
        raise ValueError(f"{path}: ranker features differ from the code's ({', '.join(missing)})")
    if not isinstance(data["weights"], dict):
        raise ValueError(f"{path}: ranker weights are not keyed by pronoun class")
    weights = {}
    for name, values in data["weights"].items():
        if name not in PRONOUN_CLASSES or len(values) != len(FEATURES):
            raise ValueError(f"{path}: weights {name!r} are not one per feature of a pronoun class")
        weights[name] = tuple(float(w) for w in values)
    abstain = frozenset(data.get("abstain", ()))
    if not abstain <= weights.keys():
        raise ValueError(f"{path}: 'abstain' names a pronoun class without weights")
    salience = frozenset(data.get("salience", ()))
    return RankerModel(features, weights, data["trained_on"], abstain, salience)


@cache
def load_model() -> RankerModel | None:
    """The shipped model, or None when the file is absent (then the salience order decides)."""
    return read_model(MODEL_FILE) if MODEL_FILE.exists() else None


def _forms() -> dict[str, frozenset[str]]:
    """Each third-person pronoun and the forms of the same person, number and gender."""
    groups: dict[tuple[str, str], set[str]] = {}
    for word, info in PRONOUNS.items():
        if info.person == 3:
            groups.setdefault((info.number, info.gender), set()).add(word)
    return {word: frozenset(group) for group in groups.values() for word in group}


_FORMS = _forms()


@dataclass(slots=True)
class PronounSetting:
    """What the features need to know about the pronoun's surroundings, computed once."""

    quote_of: dict[int, int]  # token index -> quotation number
    speaker_heads: frozenset[int]  # heads of detected speakers
    tree: DependencyTree


def candidate_features(
    ctx: SieveContext, setting: PronounSetting, pronoun: Mention, candidates: list[Mention]
) -> list[list[float]]:
    """One feature vector (in ``FEATURES`` order) per candidate antecedent of ``pronoun``."""
    doc = ctx.doc
    tree = setting.tree
    p_role = role_of(pronoun.dep)
    p_quote = setting.quote_of.get(pronoun.head)
    ancestors = set(tree.chain(pronoun.head))
    raw = []
    for candidate in candidates:
        sentences = pronoun.sent - candidate.sent
        distance = tree.distance(
            pronoun.head, candidate.head, same_sentence=sentences == 0, sentences=sentences
        )
        raw.append((candidate, sentences, distance, abs(pronoun.start - candidate.start)))
    by_tree = sorted(range(len(raw)), key=lambda i: (raw[i][2], raw[i][3]))
    tree_rank = {index: rank for rank, index in enumerate(by_tree)}
    nearest_tokens = min(range(len(raw)), key=lambda i: raw[i][3]) if raw else -1
    persons = [i for i in range(len(raw)) if ctx.clusters.of(raw[i][0]).person_evidence == 2]
    nearest_person = min(persons, key=lambda i: raw[i][3]) if persons else -1
    first_person = next((m for m in ctx.mentions if m.person_evidence == 2), None)
    topic = ctx.clusters.of(first_person) if first_person is not None else None
    same_forms = _FORMS.get(doc[pronoun.head].lower_, frozenset())
    rows = []
    for index, (candidate, sentences, distance, gap) in enumerate(raw):
        cluster = ctx.clusters.of(candidate)
        token = doc[candidate.head]
        c_role = role_of(candidate.dep)
        near = sentences <= 1
        c_quote = setting.quote_of.get(candidate.head)
        main_subject = c_role == "subject" and token.head.dep_ == "ROOT"
        governs = sentences == 0 and c_role == "subject" and token.head.i in ancestors
        embedded = any(
            other.contains(candidate) and other is not candidate and other.kind != PRONOUN
            for other in ctx.by_head.get(token.head.i, ())
        )
        ners = cluster.ners
        rows.append(
            [
                float(sentences == 0),
                float(sentences == 1),
                float(sentences == 2),
                float(sentences >= 3),
                math.log1p(gap) / 4,
                min(distance, 20) / 10,
                float(tree_rank[index] == 0),
                float(tree_rank[index] == 1),
                float(index == nearest_tokens),
                float(index == nearest_person),
                float(c_role == "subject"),
                float(c_role == "object"),
                float(candidate.dep == "poss"),
                float(candidate.dep == "pobj"),
                float(near and p_role == "subject" and c_role == "subject"),
                float(near and p_role == "object" and c_role == "object"),
                float(near and pronoun.dep == "poss" and c_role == "subject"),
                float(main_subject),
                float(governs),
                float(embedded or candidate.dep in ("poss", "compound")),
                float(candidate.kind == PROPER),
                float(candidate.kind == NOMINAL),
                float(candidate.kind == PRONOUN),
                float(candidate.indefinite),
                math.log(len(cluster.mentions)),
                float(cluster.person_evidence == 2),
                float(cluster.person_evidence == 1),
                float(pronoun.gender in cluster.genders),
                float("PERSON" in ners),
                float("ORG" in ners),
                float(p_quote is not None),
                float(c_quote is not None),
                float(p_quote is not None and p_quote == c_quote),
                float(any(m.head in setting.speaker_heads for m in cluster.mentions)),
                float(sentences == 0 and c_role == "subject"),
                float(sentences == 1 and c_role == "subject"),
                float(cluster is topic),
                math.log1p(sum(role_of(m.dep) == "subject" for m in cluster.mentions)),
                float(p_role == "subject" and main_subject),
                float(candidate.start > pronoun.start),
                float(PLURAL in cluster.numbers),
                float(ANIMATE in cluster.animacies or cluster.person_evidence == 2),
                float(INANIMATE in cluster.animacies),
                float(candidate.kind == LIST),
                float(candidate.generic),
                float(any(doc[m.head].lower_ in same_forms for m in cluster.mentions)),
                float(pronoun.dep == "poss"),
                *_NO_ABSTAIN,
            ]
        )
    return rows


def abstain_features(
    ctx: SieveContext, setting: PronounSetting, pronoun: Mention, candidates: list[Mention]
) -> list[float]:
    """The "no antecedent" row of ``pronoun`` (zero on every candidate feature)."""
    in_quote = pronoun.head in setting.quote_of
    row = abstain_row(ctx, setting.tree, pronoun, candidates, in_quote)
    return [0.0] * len(CANDIDATE_FEATURES) + row


def softmax(scores: Sequence[float]) -> list[float]:
    top = max(scores)
    exps = [math.exp(score - top) for score in scores]
    total = sum(exps)
    return [value / total for value in exps]
