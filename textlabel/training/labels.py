"""Moving entity labels between the project's names and the base model's names.

Fine-tuning keeps the base model's own labels wherever the project's label map allows it:
a project's ``PER`` is trained as the model's ``PERSON``, so what the model already knows
about people is the starting point instead of a fresh, untrained output. A project label
that several model labels map to (``LOC`` <- ``GPE``, ``LOC``, ``FAC``) is trained as the
label the base model itself gave that very span when it did, else as the first one in the
map; a project label no model label maps to becomes a new label of the model.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textlabel.records import DocumentRecord, SpanRecord


def canonical_model_labels(
    label_map: Mapping[str, str], project_labels: Iterable[str]
) -> dict[str, str]:
    """Project label -> the model label it is trained as when nothing better is known."""
    out: dict[str, str] = {}
    for model_label, ours in label_map.items():
        out.setdefault(ours, model_label)
    for name in project_labels:
        out.setdefault(name, name)
    return out


def trained_label_map(
    label_map: Mapping[str, str], project_labels: Iterable[str]
) -> dict[str, str]:
    """The label map of a fine-tuned model: the project's, plus new labels as themselves."""
    out = dict(label_map)
    known = set(out.values())
    for name in project_labels:
        if name not in known:
            out[name] = name
    return out


def to_model_labels(
    record: DocumentRecord,
    label_map: Mapping[str, str],
    canonical: Mapping[str, str],
    base_spans: Iterable[SpanRecord] = (),
) -> DocumentRecord:
    """``record`` with its gold spans renamed into the model's label space.

    ``base_spans`` are the base model's own predictions on the document (model labels):
    where one covers a gold span exactly with a label mapping to the gold label, its label
    is kept (a ``FAC`` stays ``FAC`` even though ``LOC`` trains as ``GPE`` by default).
    """
    predicted = {(s.start, s.end): s.label for s in base_spans}
    spans = []
    for span in record.spans:
        guess = predicted.get((span.start, span.end))
        label = guess if guess and label_map.get(guess) == span.label else canonical[span.label]
        spans.append(SpanRecord(span.start, span.end, label))
    return DocumentRecord(text=record.text, meta=record.meta, tokens=record.tokens,
                          sent_starts=record.sent_starts, spans=spans)  # fmt: skip


def to_project_labels(
    spans: Iterable[SpanRecord], label_map: Mapping[str, str]
) -> list[SpanRecord]:
    """Model spans renamed to project labels; labels the map lacks are dropped."""
    return [
        SpanRecord(s.start, s.end, label_map[s.label], s.score)
        for s in spans
        if s.label in label_map
    ]
