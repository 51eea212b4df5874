"""What the model does not know: margins of the NER's own action probabilities.

en_core_web_sm's NER is a greedy transition system: ``doc.ents`` come without
probabilities. Each step of it, though, scores every action (B/I/L/U-label, O) and was
trained with a softmax over the valid ones, so the probabilities of the valid actions at a
token are the model's own belief. We re-run the greedy parse step by step
(``ner.model.predict`` + ``ner.transition_states``, the loop spaCy's ``greedy_parse`` runs in
C) and read, at every token, the probability of the action taken and the margin between the
best and the second-best valid action ("margin sampling", Scheffer et al. 2001).

Not the beam: ``beam_parse`` with greedy-trained weights adds up raw scores that were never
normalized along a path, and on "the cat sat on the mat" it gives a sentence-long ORG a
probability of 0.85 while the greedy parse, rightly, finds nothing.

A document's uncertainty is the sum of ``1 - margin`` over its tokens divided by their
number (annotation costs tokens); an entity's score is the lowest probability of the actions
that made it. Two models that disagree ("models as annotators") are measured apart, by
``disagreement``, for routing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc

from textlabel.records import SpanRecord


@dataclass(frozen=True, slots=True)
class TokenScores:
    """Per token of a doc: the taken action's probability and the best-vs-second margin;
    with them (from ``greedy_scores``) the taken action's name and the probability of the
    actions that open an entity there (B-*, U-*), for entity-level doubt."""

    chosen: list[float]
    margins: list[float]
    actions: list[str] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)


def greedy_scores(nlp: Language, docs: Sequence[Doc]) -> list[TokenScores]:
    """Run ``nlp``'s NER greedily over fresh ``docs`` and score every step.

    The docs must not have been through ``ner`` (their entities would be preset); the
    pipeline's other components are not needed by en_core_web_sm's NER (its own tok2vec).
    """
    if not docs:
        return []
    ner = cast(EntityRecognizer, nlp.get_pipe("ner"))
    moves = ner.moves
    names = [moves.get_class_name(i) for i in range(moves.n_moves)]
    opening = np.array([n[:2] in ("B-", "U-") and len(n) > 2 for n in names])
    step_model = ner.model.predict(list(docs))
    states = moves.init_batch(list(docs))
    owner = {id(state): i for i, state in enumerate(states)}
    chosen: list[list[float]] = [[] for _ in docs]
    margins: list[list[float]] = [[] for _ in docs]
    actions: list[list[str]] = [[] for _ in docs]
    opens: list[list[float]] = [[] for _ in docs]
    todo = [state for state in states if not state.is_final()]
    while todo:
        scores = np.ascontiguousarray(step_model.predict(todo), dtype="f")
        for row, state in zip(scores, todo, strict=True):
            valid = np.fromiter((moves.is_valid(state, n) for n in names), bool, len(names))
            logits = row[valid]
            probs = np.exp(logits - logits.max())
            probs /= probs.sum()
            top = np.sort(probs)[::-1]
            doc_index = owner[id(state)]
            chosen[doc_index].append(float(top[0]))
            margins[doc_index].append(float(top[0] - (top[1] if len(top) > 1 else 0.0)))
            actions[doc_index].append(names[int(np.flatnonzero(valid)[probs.argmax()])])
            opens[doc_index].append(float(probs[opening[valid]].sum()))
        todo = ner.transition_states(todo, scores)
    return [TokenScores(*four) for four in zip(chosen, margins, actions, opens, strict=True)]


def document_uncertainty(scores: TokenScores) -> float:
    """Mean ``1 - margin`` over the tokens (0 for an empty doc): doubt per token annotated.

    Per token, not per document, because annotation costs tokens: the total doubt sends the
    longest documents first. Which score saves tokens is measured by
    bench/active_learning.py (README, "Does it pay?")."""
    return sum(1.0 - m for m in scores.margins) / max(len(scores.margins), 1)


def entity_doubt(scores: TokenScores) -> float:
    """Entity-level least confidence per token: the doubt of every entity decision, summed,
    over the tokens. A predicted entity counts once, ``1 -`` its weakest action's probability;
    a token read as outside counts ``P(an entity starts there)`` (B-*/U-*), a possible missed
    entity. Per token, as ``document_uncertainty``; needs ``greedy_scores``' actions."""
    doubt = 0.0
    weakest = 1.0
    for action, chosen, opens in zip(scores.actions, scores.chosen, scores.opens, strict=True):
        if action == "O":
            doubt += opens
            continue
        weakest = min(weakest, chosen) if action[0] in "IL" else chosen
        if action[0] in "LU":
            doubt += 1.0 - weakest
    return doubt / max(len(scores.actions), 1)


def with_scores(spans: Iterable[SpanRecord], doc: Doc, scores: TokenScores) -> list[SpanRecord]:
    """``spans`` (on ``doc``'s tokens) scored by the lowest probability of their actions."""
    out = []
    for span in spans:
        tokens = doc.char_span(span.start, span.end, alignment_mode="expand")
        taken = scores.chosen[tokens.start : tokens.end] if tokens is not None else []
        score = round(min(taken), 4) if taken else None
        out.append(SpanRecord(span.start, span.end, span.label, score))
    return out


def disagreement(a: Iterable[SpanRecord], b: Iterable[SpanRecord]) -> float:
    """1 - span F1 between two models' entities on one document (0 = they agree fully)."""
    keys_a = {(s.start, s.end, s.label) for s in a}
    keys_b = {(s.start, s.end, s.label) for s in b}
    if not keys_a and not keys_b:
        return 0.0
    return 1.0 - 2 * len(keys_a & keys_b) / (len(keys_a) + len(keys_b))
