"""The ranker's "no antecedent" option for "it" and "they": features of the pronoun alone.

An "it" that stands for a clause or an event ("The prices rose. It surprised everyone."), an
idiom ("make it") or an extraposition the expletive rules miss has no noun-phrase antecedent;
linking it anyway costs precision (issue 18: "it" was wrong 91 times against 129 right on GUM
dev). The ranker scores one more row per pronoun, built here, whose features are zero on every
real candidate's row and vice versa; when it wins the softmax, the pronoun stays unlinked.
Trained with the candidates (``bench/coref_train_ranker.py``): the row is right when none of
the candidates holds the pronoun's gold entity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from textlabel.nlp.coref.attributes import PLURAL
from textlabel.nlp.coref.context import SieveContext
from textlabel.nlp.coref.describe import LIST, NOMINAL, PROPER, Mention
from textlabel.nlp.coref.syntax import DependencyTree, role_of, verb_lemma

ABSTAIN_FEATURES: tuple[str, ...] = (
    "abstain",
    "abstain_possessive",
    "abstain_subject",
    "abstain_object",
    "abstain_copula_subject",
    "abstain_clause_after",
    "abstain_light_verb_object",
    "abstain_sentence_start",
    "abstain_no_named_or_nominal",
    "abstain_nearest_distance",
    "abstain_candidates_log",
    "abstain_in_quote",
    "abstain_plural_candidate",
    "abstain_same_sentence_candidate",
)
_LIGHT_VERBS = frozenset(["do", "make", "get", "take", "have", "give", "keep", "let"])
_CLAUSES = frozenset(["ccomp", "xcomp", "csubj", "advcl"])


def abstain_row(
    ctx: SieveContext,
    tree: DependencyTree,
    pronoun: Mention,
    candidates: Sequence[Mention],
    in_quote: bool,
) -> list[float]:
    """The "no antecedent" row's values, in ``ABSTAIN_FEATURES`` order."""
    token = ctx.doc[pronoun.head]
    verb = token.head
    role = role_of(pronoun.dep)
    clause_after = any(c.dep_ in _CLAUSES and c.i > token.i for c in verb.children) or any(
        c.dep_ == "acomp" and any(g.dep_ in _CLAUSES for g in c.children) for c in verb.children
    )
    sentence = token.sent
    first_word = next((t for t in sentence if not t.is_punct), sentence[0])
    distances = [
        tree.distance(
            pronoun.head,
            c.head,
            same_sentence=c.sent == pronoun.sent,
            sentences=pronoun.sent - c.sent,
        )
        for c in candidates
    ]
    return [
        1.0,
        float(pronoun.dep == "poss"),
        float(role == "subject"),
        float(role == "object"),
        float(role == "subject" and verb_lemma(verb) == "be"),
        float(clause_after),
        float(role == "object" and verb_lemma(verb) in _LIGHT_VERBS),
        float(token.i == first_word.i),
        float(not any(c.kind in (PROPER, NOMINAL, LIST) for c in candidates)),
        min(min(distances, default=20), 20) / 10,
        math.log1p(len(candidates)),
        float(in_quote),
        float(any(PLURAL in ctx.clusters.of(c).numbers for c in candidates)),
        float(any(c.sent == pronoun.sent for c in candidates)),
    ]
