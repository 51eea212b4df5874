"""What the model does not know: entity probabilities from a beam over the NER's own scores.

en_core_web_sm's NER is greedy: ``doc.ents`` come without probabilities. Its transition
model scores every action, though, and spaCy's ``beam_parse`` (the machinery of the
``beam_ner`` component, usable with greedy-trained weights) keeps the ``BEAM_WIDTH`` best
action sequences; an entity's probability is the share of the beam's probability mass whose
parse contains it (``EntityRecognizer.scored_ents``). That gives a margin for every
candidate entity, including the ones the greedy parse did not choose.

Per document: each candidate (span, project label) contributes ``1 - |2p - 1|`` (1 at
p = 0.5, 0 when the beam is sure either way; probabilities of model labels that map to the
same project label are added, unmapped labels count as "no entity"); the document's
uncertainty is that sum per token, because annotation costs tokens. The queue hands out the
most uncertain documents first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.tokens import Doc

from textlabel.records import SpanRecord

BEAM_WIDTH = 16
EntityProbs = dict[tuple[int, int, str], float]


def entity_probabilities(
    nlp: Language, docs: Sequence[Doc], *, label_map: Mapping[str, str] | None,
    beam_width: int = BEAM_WIDTH,
) -> list[EntityProbs]:  # fmt: skip
    """Per doc: (start_char, end_char, label) -> probability, for every beam candidate.

    ``docs`` must already have been through the components before ``ner`` that it listens
    to (nothing for en_core_web_sm). Labels are renamed through ``label_map`` (summing
    labels that map together) and unmapped labels dropped; None keeps model labels.
    """
    if not docs:
        return []
    ner = cast(EntityRecognizer, nlp.get_pipe("ner"))
    beams = ner.beam_parse(list(docs), beam_width=beam_width)
    out = []
    for doc, scored in zip(docs, ner.scored_ents(beams), strict=True):
        probs: EntityProbs = defaultdict(float)
        for (start, end, label), p in scored.items():
            if label_map is not None:
                if label not in label_map:
                    continue
                label = label_map[label]
            span = doc[start:end]
            probs[(span.start_char, span.end_char, label)] += min(p, 1.0)
        out.append({key: min(p, 1.0) for key, p in probs.items()})
    return out


def document_uncertainty(probs: EntityProbs, n_tokens: int) -> float:
    """Sum of the candidates' margins ``1 - |2p - 1|`` per token (0 for an empty doc)."""
    return sum(1.0 - abs(2.0 * p - 1.0) for p in probs.values()) / max(n_tokens, 1)


def with_scores(spans: Iterable[SpanRecord], probs: EntityProbs) -> list[SpanRecord]:
    """``spans`` carrying the beam's probability of exactly that span and label."""
    return [
        SpanRecord(s.start, s.end, s.label, round(probs.get((s.start, s.end, s.label), 0.0), 4))
        for s in spans
    ]


def disagreement(a: Iterable[SpanRecord], b: Iterable[SpanRecord]) -> float:
    """1 - span F1 between two models' entities on one document (0 = they agree fully)."""
    keys_a = {(s.start, s.end, s.label) for s in a}
    keys_b = {(s.start, s.end, s.label) for s in b}
    if not keys_a and not keys_b:
        return 0.0
    return 1.0 - 2 * len(keys_a & keys_b) / (len(keys_a) + len(keys_b))
