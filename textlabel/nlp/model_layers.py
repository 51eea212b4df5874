"""Document labels and span categories a trained pipeline predicts, read off its Doc for the
project's prediction (the ``textcat`` / ``textcat_multilabel`` and ``spancat`` components
that ``training.categories`` adds; the base model has neither, so both come out empty).

Only the project's own labels are kept. Document labels keep the model's probability as
their value (the payload's convention: 1.0 applies, 0.0 does not, a model's belief in
between); span categories keep spancat's score. They go into the ``prediction`` annotation
only, as suggestions: human annotations are never written here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from spacy.tokens import Doc

from textlabel.layers import SPANS_KEY
from textlabel.models import Project
from textlabel.records import DocumentRecord, SpanRecord


def read_model_layers(
    project: Project, docs: Sequence[Doc], records: Sequence[DocumentRecord]
) -> None:
    """Set each record's document labels and span categories from its Doc, for the layers
    the project has (left empty otherwise)."""
    cats = {c.name for c in project.labels_of("cats")} if project.has_layer("cats") else set()
    spans = {c.name for c in project.labels_of("spans")} if project.has_layer("spans") else set()
    for doc, record in zip(docs, records, strict=True):
        if cats:
            record.cats = model_cats(doc, cats)
        if spans:
            record.span_cats = model_span_cats(doc, spans, apart=project.span_overlap == "none")


def model_cats(doc: Doc, labels: Collection[str]) -> dict[str, float]:
    """The model's probability of each project document label it predicts."""
    return {label: round(float(value), 4) for label, value in doc.cats.items() if label in labels}


def model_span_cats(doc: Doc, labels: Collection[str], *, apart: bool = False) -> list[SpanRecord]:
    """The span categories spancat kept (above its threshold), with their scores; ``apart``
    (a project whose span categories may not overlap) keeps the best-scored of overlapping
    ones, so accepting the suggestions never breaks the project's rule."""
    group = doc.spans.get(SPANS_KEY)
    if group is None:
        return []
    scores = group.attrs.get("scores")
    out = []
    for index, span in enumerate(group):
        if span.label_ in labels:
            score = round(float(scores[index]), 4) if scores is not None else None
            out.append(SpanRecord(span.start_char, span.end_char, span.label_, score))
    if not apart:
        return out
    kept: list[SpanRecord] = []
    for span in sorted(out, key=lambda s: -(s.score or 0.0)):
        if all(span.end <= k.start or k.end <= span.start for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s.start, s.end))
