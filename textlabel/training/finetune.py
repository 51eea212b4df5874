"""Fine-tuning a pipeline's NER on gold records, in this process, with spaCy's own API.

Only the ``ner`` component (and the embedding layer it listens to, if any) is updated; the
tagger, parser and lemmatizer the project pre-annotates with stay as they were. Training
starts from the base model's weights and its label space (see ``labels``), so a few dozen
gold documents already move it, and the pipeline saved afterwards loads with
``spacy.load(path)`` like any other.

Epochs: a fixed budget of about ``WORDS_BUDGET`` training words, between ``MIN_EPOCHS`` and
``MAX_EPOCHS`` passes: 10 passes over 30k tokens of gold, 2 over a million, so training time
grows far slower than the gold does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import cast

import spacy
from spacy.language import Language
from spacy.pipeline import EntityRecognizer
from spacy.training import Example
from thinc.api import compounding, fix_random_seed

from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.nlp.pipeline import entity_pipes
from textlabel.records import DocumentRecord, SpanRecord
from textlabel.training.labels import canonical_model_labels, to_model_labels
from textlabel.training.scoring import Scores, score_spans

WORDS_BUDGET = 300_000
MIN_EPOCHS, MAX_EPOCHS = 2, 10
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainSettings:
    epochs: int | None = None  # None: from WORDS_BUDGET
    dropout: float = 0.2
    seed: int = 0
    max_steps: int | None = None  # stop after this many updates (tests)


def predict_spans(
    nlp: Language,
    records: Sequence[DocumentRecord],
    *,
    label_map: Mapping[str, str] | None,
    batch_size: int = 64,
) -> list[list[SpanRecord]]:
    """The pipeline's entities on each record's own tokens (project labels with a map)."""
    docs = (record_to_doc(nlp.vocab, r, layers=()) for r in records)
    with nlp.select_pipes(enable=entity_pipes(nlp)):
        return [
            doc_to_record(doc, label_map=label_map).record.spans
            for doc in nlp.pipe(docs, batch_size=batch_size)
        ]


def evaluate(
    nlp: Language, records: Sequence[DocumentRecord], *, label_map: Mapping[str, str]
) -> Scores:
    """Exact-match entity scores of ``nlp`` on gold ``records``, in project labels."""
    predicted = predict_spans(nlp, records, label_map=label_map)
    return score_spans([r.spans for r in records], predicted)


def epochs_for(records: Sequence[DocumentRecord], settings: TrainSettings) -> int:
    if settings.epochs is not None:
        return settings.epochs
    words = sum(len(r.tokens or ()) for r in records) or 1
    return max(MIN_EPOCHS, min(MAX_EPOCHS, round(WORDS_BUDGET / words)))


def examples_for(
    nlp: Language,
    records: Sequence[DocumentRecord],
    *,
    label_map: Mapping[str, str],
    project_labels: Sequence[str],
) -> list[Example]:
    """Training examples in the model's label space (see ``labels.to_model_labels``)."""
    canonical = canonical_model_labels(label_map, project_labels)
    base = predict_spans(nlp, records, label_map=None)
    examples = []
    for record, base_spans in zip(records, base, strict=True):
        gold = to_model_labels(record, label_map, canonical, base_spans)
        predicted = record_to_doc(nlp.vocab, record, layers=())
        examples.append(Example(predicted, record_to_doc(nlp.vocab, gold, layers=("entities",))))
    return examples


def fine_tune(
    nlp: Language,
    records: Sequence[DocumentRecord],
    *,
    label_map: Mapping[str, str],
    project_labels: Sequence[str],
    settings: TrainSettings = TrainSettings(),
    progress: Progress | None = None,
) -> Language:
    """Update ``nlp``'s NER in place on gold ``records`` (project labels) and return it."""
    fix_random_seed(settings.seed)
    examples = examples_for(nlp, records, label_map=label_map, project_labels=project_labels)
    ner = cast(EntityRecognizer, nlp.get_pipe("ner"))
    for example in examples:
        for ent in example.reference.ents:
            if ent.label_ not in ner.labels:
                ner.add_label(ent.label_)
    epochs = epochs_for(records, settings)
    planned = list(batches(examples, epochs, settings.seed))
    total = len(planned) if settings.max_steps is None else min(settings.max_steps, len(planned))
    trained = [name for name in entity_pipes(nlp) if name != "entity_ruler"]
    with nlp.select_pipes(enable=trained):
        optimizer = nlp.resume_training()
        for step, batch in enumerate(planned[:total], start=1):
            nlp.update(batch, drop=settings.dropout, sgd=optimizer, losses={})
            if progress and (step % 10 == 0 or step == total):
                progress(step, total)
    return nlp


def batches(examples: list[Example], epochs: int, seed: int) -> Iterator[list[Example]]:
    """Shuffled minibatches of growing size (4 to 32 documents), epoch after epoch."""
    rng = random.Random(seed)
    sizes = iter(compounding(4.0, 32.0, 1.001))
    for _ in range(epochs):
        order = examples[:]
        rng.shuffle(order)
        items = iter(order)
        while batch := list(islice(items, int(next(sizes)))):
            yield batch


def load_base(name: str) -> Language:
    """A fresh, private copy of a pipeline to train (the cached one is shared, read-only)."""
    return spacy.load(name)
