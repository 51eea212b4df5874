"""Training the document-label (``textcat``) and span-category (``spancat``) layers on gold.

The base model has neither component, so each is added fresh to the fine-tuned pipeline
(replacing one of the same name) with its own embedding, trained on the gold documents that
hold that layer, and saved with the pipeline, so ``spacy.load`` brings it back and
pre-annotation runs it. Document labels train ``textcat`` when the project's labels are
single-choice (exactly one applies), ``textcat_multilabel`` when several may; a document
whose gold has no label at all is left out (nobody said which apply). Span categories train
``spancat`` on the documents that hold some, with an n-gram suggester as long as the
longest gold span (up to ``MAX_SPAN_TOKENS``).

Scores follow spaCy's ``Scorer.score_cats`` (single-choice: the top label is the prediction;
multi: every label at 0.5 or more) and ``Scorer.score_spans`` (exact span and label). With
no such component in the base model, the baselines are the simplest honest guesses:
the training set's majority label(s) for documents, and a lookup of the exact phrases that
carry a span category in training for spans.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.training import Example
from thinc.api import fix_random_seed

from textlabel.layers import SPANS_KEY
from textlabel.nlp.docs import record_to_doc
from textlabel.records import DocumentRecord, SpanRecord
from textlabel.training.finetune import Progress, TrainSettings, batches, epochs_for
from textlabel.training.scoring import PRF, Scores, score_spans

MAX_SPAN_TOKENS = 8
THRESHOLD = 0.5  # multi-label: a label applies at this probability or more (spaCy's default)


def textcat_name(mode: str) -> str:
    return "textcat" if mode == "single" else "textcat_multilabel"


def cats_examples(records: Sequence[DocumentRecord], labels: Sequence[str], mode: str
                  ) -> list[tuple[DocumentRecord, dict[str, float]]]:  # fmt: skip
    """(record, full gold cats) for the records that can teach ``mode``: single-choice needs
    exactly one label that applies, multi-choice any gold label at all."""
    out = []
    for record in records:
        if not record.cats:
            continue
        cats = {label: 1.0 if record.cats.get(label, 0.0) >= THRESHOLD else 0.0 for label in labels}
        if mode == "single" and sum(cats.values()) != 1.0:
            continue
        out.append((record, cats))
    return out


def train_textcat(
    nlp: Language, records: Sequence[DocumentRecord], *, labels: Sequence[str], mode: str,
    settings: TrainSettings, progress: Progress | None = None,
) -> int:  # fmt: skip
    """Add and train the document-label component; returns how many documents taught it."""
    pairs = cats_examples(records, labels, mode)
    if not pairs:
        return 0
    examples = []
    for record, cats in pairs:
        reference = record_to_doc(nlp.vocab, record, layers=())
        reference.cats = cats
        examples.append(Example(record_to_doc(nlp.vocab, record, layers=()), reference))
    model = {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": mode == "single",
             "ngram_size": 2, "no_output_layer": False}  # fmt: skip
    _train(nlp, textcat_name(mode), {"model": model}, examples, list(labels),
           [r for r, _ in pairs], settings, progress)  # fmt: skip
    return len(examples)


def train_spancat(
    nlp: Language, records: Sequence[DocumentRecord], *, labels: Sequence[str],
    settings: TrainSettings, progress: Progress | None = None,
) -> int:  # fmt: skip
    """Add and train ``spancat`` on the records with span categories; returns their number."""
    chosen = [r for r in records if r.span_cats]
    if not chosen:
        return 0
    examples, longest = [], 1
    for record in chosen:
        reference = record_to_doc(nlp.vocab, record, layers=("spans",))
        longest = max([longest, *(len(s) for s in reference.spans.get(SPANS_KEY, ()))])
        examples.append(Example(record_to_doc(nlp.vocab, record, layers=()), reference))
    sizes = list(range(1, min(longest, MAX_SPAN_TOKENS) + 1))
    config = {"spans_key": SPANS_KEY,
              "suggester": {"@misc": "spacy.ngram_suggester.v1", "sizes": sizes}}  # fmt: skip
    every = sorted({*labels, *(s.label for r in chosen for s in r.span_cats)})
    _train(nlp, "spancat", config, examples, every, chosen, settings, progress)
    return len(examples)


def _train(
    nlp: Language, name: str, config: dict[str, Any], examples: list[Example],
    labels: list[str], records: Sequence[DocumentRecord], settings: TrainSettings,
    progress: Progress | None,
) -> None:  # fmt: skip
    fix_random_seed(settings.seed)
    if name in nlp.pipe_names:
        nlp.remove_pipe(name)
    pipe = nlp.add_pipe(name, config=config, last=True)
    pipe.initialize(lambda: examples, nlp=nlp, labels=labels)  # type: ignore[attr-defined]
    planned = list(batches(examples, epochs_for(records, settings), settings.seed))
    total = len(planned) if settings.max_steps is None else min(settings.max_steps, len(planned))
    with nlp.select_pipes(enable=[name]):
        optimizer = nlp.create_optimizer()  # type: ignore[no-untyped-call]
        for step, batch in enumerate(planned[:total], start=1):
            nlp.update(batch, drop=settings.dropout, sgd=optimizer, losses={})
            if progress and (step % 10 == 0 or step == total):
                progress(step, total)


def predict_cats(nlp: Language, mode: str, records: Sequence[DocumentRecord]
                 ) -> list[dict[str, float]]:  # fmt: skip
    pipe = nlp.get_pipe(textcat_name(mode))
    docs = [record_to_doc(nlp.vocab, r, layers=()) for r in records]
    return [dict(doc.cats) for doc in pipe.pipe(docs)]  # type: ignore[attr-defined]


def predict_span_cats(nlp: Language, records: Sequence[DocumentRecord]) -> list[list[SpanRecord]]:
    pipe = nlp.get_pipe("spancat")
    docs = [record_to_doc(nlp.vocab, r, layers=()) for r in records]
    return [
        [SpanRecord(s.start_char, s.end_char, s.label_) for s in doc.spans.get(SPANS_KEY, ())]
        for doc in pipe.pipe(docs)  # type: ignore[attr-defined]
    ]


def score_cats(
    gold: Sequence[Mapping[str, float]], predicted: Sequence[Mapping[str, float]], *,
    labels: Sequence[str], mode: str,
) -> Scores:  # fmt: skip
    """Per-label and micro P/R/F of document labels, counted as spaCy's ``score_cats``."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for gold_cats, predicted_cats in zip(gold, predicted, strict=True):
        if mode == "single":
            guess = max(labels, key=lambda label: predicted_cats.get(label, 0.0))
            truth = max(labels, key=lambda label: gold_cats.get(label, 0.0))
            if guess == truth:
                tp[guess] += 1
            else:
                fn[truth] += 1
                fp[guess] += 1
            continue
        for label in labels:
            said = predicted_cats.get(label, 0.0) >= THRESHOLD
            true = gold_cats.get(label, 0.0) >= THRESHOLD
            tp[label] += said and true
            fp[label] += said and not true
            fn[label] += true and not said
    per_label = {label: PRF(tp[label], fp[label], fn[label]) for label in labels}
    total = PRF(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return Scores(total=total, per_label=per_label)


def majority_cats(train: Sequence[Mapping[str, float]], labels: Sequence[str], mode: str
                  ) -> dict[str, float]:  # fmt: skip
    """The baseline's answer for every document: the most frequent training label (single),
    or each label that applies to more than half of the training documents (multi)."""
    counts = Counter(label for cats in train for label in labels if cats.get(label, 0) >= 0.5)
    if mode == "single":
        top = counts.most_common(1)[0][0] if counts else labels[0]
        return {label: float(label == top) for label in labels}
    return {label: float(counts[label] > len(train) / 2) for label in labels}


def phrase_lookup(nlp: Language, train: Sequence[DocumentRecord],
                  dev: Sequence[DocumentRecord]) -> list[list[SpanRecord]]:  # fmt: skip
    """The span baseline: every exact occurrence in ``dev`` of a phrase that carries a span
    category in ``train``, with that phrase's most frequent category."""
    seen: dict[str, Counter[str]] = {}
    patterns = {}
    for record in train:
        doc = record_to_doc(nlp.vocab, record, layers=())
        for span in record.span_cats:
            part = doc.char_span(span.start, span.end)
            if part is not None:
                seen.setdefault(part.text, Counter())[span.label] += 1
                patterns[part.text] = part.as_doc()
    matcher = PhraseMatcher(nlp.vocab)
    for phrase, counts in seen.items():
        matcher.add(counts.most_common(1)[0][0], [patterns[phrase]])
    out = []
    for record in dev:
        doc = record_to_doc(nlp.vocab, record, layers=())
        found = matcher(doc, as_spans=True)
        out.append([SpanRecord(s.start_char, s.end_char, s.label_) for s in found])
    return out


def train_layers(
    nlp: Language, train: Sequence[DocumentRecord], dev: Sequence[DocumentRecord], *,
    cats: Sequence[str] | None, cats_mode: str, spans: Sequence[str] | None,
    settings: TrainSettings,
) -> dict[str, Any]:  # fmt: skip
    """Train the document-label and span-category components the gold calls for (None: the
    project has no such layer) and score each on ``dev`` beside its baseline (the model
    version's ``scores``, by layer)."""
    out: dict[str, Any] = {}
    taught = 0
    if cats is not None and len(cats) < 2:  # spaCy's exclusive textcat needs two labels
        cats_mode = "multi"
    if cats and (taught := train_textcat(nlp, train, labels=cats, mode=cats_mode,
                                         settings=settings)):  # fmt: skip
        pairs = cats_examples(dev, cats, cats_mode)
        gold = [g for _, g in pairs]
        guess = majority_cats([g for _, g in cats_examples(train, cats, cats_mode)], cats,
                              cats_mode)  # fmt: skip
        predicted = predict_cats(nlp, cats_mode, [r for r, _ in pairs])
        out["cats"] = {
            "component": textcat_name(cats_mode), "train_documents": taught,
            "dev_documents": len(pairs),
            "model": score_cats(gold, predicted, labels=cats, mode=cats_mode).as_dict(),
            "baseline": score_cats(gold, [guess] * len(gold), labels=cats,
                                   mode=cats_mode).as_dict(),
            "baseline_kind": "majority label" if cats_mode == "single" else "majority labels",
        }  # fmt: skip
    if spans is not None and (taught := train_spancat(nlp, train, labels=spans,
                                                      settings=settings)):  # fmt: skip
        held = [r for r in dev if r.span_cats]
        gold_spans = [[SpanRecord(s.start, s.end, s.label) for s in r.span_cats] for r in held]
        out["span_cats"] = {
            "component": "spancat", "train_documents": taught, "dev_documents": len(held),
            "model": score_spans(gold_spans, predict_span_cats(nlp, held)).as_dict(),
            "baseline": score_spans(gold_spans, phrase_lookup(nlp, train, held)).as_dict(),
            "baseline_kind": "training phrase lookup",
        }  # fmt: skip
    return out
