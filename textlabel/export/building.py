"""Export records from the rows an export read (``records.stored_pages``, or a worker
process's own reads on the driver's connection): plain Python, no database layer, so a
worker process imports no SQLAlchemy and no models (importing them was ~0.3 s of CPU of
each worker's start).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from textlabel.annotate.payload import Payload
from textlabel.annotate.span_rows import payloads_of_rows
from textlabel.export.decoded import (
    AnnotationRow,
    DocumentRow,
    decode_annotations,
    document_rows,
)
from textlabel.export.request import ExportRequest
from textlabel.projects.status import document_status
from textlabel.records import (
    DocumentRecord,
    RelationRecord,
    SpanRecord,
    TokenColumns,
    TokenLayers,
)
from textlabel.review.consolidation import majority_items, majority_spans, majority_tags

NO_END = 2**63 - 1  # the upper bound of an export without one
LAYER_KEYS = ("tags", "lemmas", "morphs", "heads", "deps", "extra")


class ProjectSettings(Protocol):
    """What records are built with from the project (a ``Project``, or a worker's copy)."""

    @property
    def layers(self) -> Sequence[str]: ...

    @property
    def overlap(self) -> int: ...


Rows = Callable[..., Sequence[Any]]  # a query's rows for these bind parameter values


@dataclass(frozen=True, slots=True)
class StoredPage:
    """Up to ``records.PAGE`` documents as stored, with every row their records are built from:
    ``documents`` (``select_documents``), ``annotations`` (``select_annotations``) and
    ``spans`` (``store.select_document_spans``; on PostgreSQL ``select_annotation_spans``
    of the page's annotations), as the driver's tuples, JSON still text.
    Rows of documents between the page's ids that are not on it (archived, unselected) may
    be among the last two."""

    documents: Sequence[Any]
    annotations: Sequence[Any]
    spans: Sequence[Any]


def paged(
    documents: Rows, annotations: Rows, spans: Rows, *, by_ids: bool, project_id: int,
    after: int, until: int | None, page: int,
) -> Iterator[StoredPage]:  # fmt: skip
    """The pages of documents with ``after < id <= until``, ``page`` documents each (the
    documents query's limit), read by the three queries of ``records.stored_pages`` (spans
    by the page's annotation ids when ``by_ids``, else by its document id range)."""
    bounds = {"project": project_id, "until": NO_END if until is None else until}
    last = after
    while True:
        found = documents(after=last, **bounds)
        if not found:
            return
        first, last = found[0][0], found[-1][0]
        stored = annotations(first=first, last=last, **bounds)
        if by_ids:
            span_rows = spans(annotations=[row[0] for row in stored]) if stored else []
        else:
            span_rows = spans(first=first, last=last, **bounds)
        yield StoredPage(found, stored, span_rows)
        if len(found) < page or last == until:  # the last page: no query for an empty one
            return


def page_records(
    page: StoredPage, project: ProjectSettings, request: ExportRequest, names: dict[int, str],
    only: Collection[int] | None = None,
) -> Iterator[tuple[int, list[DocumentRecord]]]:  # fmt: skip
    """``(document id, its records)`` for each document of ``page`` (of those in ``only``),
    in order; a document the request leaves out has no records."""
    # Documents without entities are negatives, kept unless asked (and entities are exported).
    keep_all = request.negatives or "entities" not in (request.layers or project.layers)
    found = page.documents if only is None else [row for row in page.documents if row[0] in only]
    if not found:
        return
    documents = document_rows(found)
    annotations: dict[int, list[AnnotationRow]] = {d.id: [] for d in documents}
    stored = [row for row in page.annotations if row[1] in annotations]
    for annotation in decode_annotations(stored):
        annotations[annotation.document_id].append(annotation)
    rows = [a for loaded in annotations.values() for a in loaded]
    held = {a.id: (a.pos, a.relations, a.cats) for a in rows}  # read with the rows
    payloads = payloads_of_rows(page.spans, held)
    for document in documents:
        loaded = annotations[document.id]
        records: list[DocumentRecord] = []
        if not request.statuses or _status_of(loaded, project.overlap) in request.statuses:
            records = [
                record
                for record in _records(document, loaded, payloads, request, names)
                if keep_all or record.spans
            ]
        yield document.id, records


def _status_of(annotations: list[AnnotationRow], overlap: int) -> str:
    manual = [a for a in annotations if a.kind == "manual"]
    return document_status(
        submitted=sum(a.status == "submitted" for a in manual),
        drafts=sum(a.status == "draft" for a in manual),
        has_gold=any(a.kind == "gold" for a in annotations),
        overlap=overlap,
    )


def _records(
    document: DocumentRow, annotations: list[AnnotationRow], payloads: dict[int, Payload],
    request: ExportRequest, names: dict[int, str],
) -> Iterator[DocumentRecord]:  # fmt: skip
    by_kind: dict[str, list[AnnotationRow]] = {}
    for annotation in annotations:
        by_kind.setdefault(annotation.kind, []).append(annotation)
    prediction = next(iter(by_kind.get("prediction", [])), None)
    gold = next(iter(by_kind.get("gold", [])), None)
    submitted = [a for a in by_kind.get("manual", []) if a.status == "submitted"]
    source = request.source
    if source == "gold" or (source == "gold_or_majority" and gold is not None):
        if gold is not None:
            yield _record(document, gold, payloads[gold.id], prediction, request, reviewed=True)
    elif source == "predictions":
        if prediction is not None:
            yield _record(document, prediction, payloads[prediction.id], prediction, request)
    elif source == "annotations":
        for annotation in submitted:
            annotator = names.get(annotation.user_id or 0)
            yield _record(document, annotation, payloads[annotation.id], prediction, request,
                          annotator=annotator)  # fmt: skip
    elif submitted:  # gold_or_majority without gold
        yield _majority_record(document, submitted, payloads, prediction, request)


def _base(document: DocumentRow) -> DocumentRecord:
    """The record's text, metadata and tokens, as columns read straight off the stored
    offsets (``Tokens.from_stored(...).columns()`` without the ``Tokens`` and its copies of
    the lists: an export makes one a document)."""
    text, stored = document.text, document.tokens
    offsets = stored["offsets"]
    tokens = TokenColumns.from_offsets(
        offsets[0::2], offsets[1::2], text_length=len(text), last_ws=bool(stored.get("last_ws"))
    )
    return DocumentRecord(
        text=text,
        meta={**document.meta, "id": document.id},
        tokens=tokens,
        sent_starts=list(stored.get("sent_starts") or [0]),
    )


def _layers(annotation: AnnotationRow | None, prediction: AnnotationRow | None) -> TokenLayers:
    """Token layers: the annotation's own, else those its prediction carried."""
    layers = TokenLayers()
    own = (annotation.token_layers if annotation else None) or {}
    fallback = (prediction.token_layers if prediction else None) or {}
    if _all_none(own) and _all_none(fallback):  # most documents: entities only
        return layers
    for key in LAYER_KEYS:
        setattr(layers, key, own.get(key) or fallback.get(key))
    return layers


def _all_none(layers: dict[str, Any]) -> bool:
    """Whether every stored layer is null (an import without them stores them all so)."""
    return list(layers.values()).count(None) == len(layers)


def _merged_pos(
    annotation: AnnotationRow, prediction: AnnotationRow | None
) -> list[str | None] | None:
    # A None tag in a person's POS list means "the prediction, unchanged".
    predicted = prediction.pos if prediction else None
    if annotation.pos is None:
        return predicted
    return [
        tag if tag is not None else (predicted[i] if predicted and i < len(predicted) else None)
        for i, tag in enumerate(annotation.pos)
    ]


def _drop_stale_tags(
    layers: TokenLayers, annotation: AnnotationRow, prediction: AnnotationRow | None
) -> None:
    """Where a person changed a token's UPOS, the model's fine tag (XPOS) no longer fits it."""
    if not layers.tags or not annotation.pos or annotation is prediction:
        return
    predicted = (prediction.pos if prediction else None) or []
    tags = list(layers.tags)
    for index, tag in enumerate(annotation.pos):
        if tag is not None and index < len(tags):
            before = predicted[index] if index < len(predicted) else None
            if tag != before:
                tags[index] = None
    layers.tags = tags


def _record(
    document: DocumentRow, annotation: AnnotationRow, payload: Payload,
    prediction: AnnotationRow | None,
    request: ExportRequest, *, annotator: str | None = None, reviewed: bool = False,
) -> DocumentRecord:  # fmt: skip
    record = _base(document)
    record.layers = _layers(annotation, prediction)
    record.layers.pos = _merged_pos(annotation, prediction)
    _drop_stale_tags(record.layers, annotation, prediction)
    keep = set(request.labels)
    record.spans = [
        s if s.score is None else _unscored(s)  # most: shared as they are
        for s in payload.spans or ()
        if not keep or s.label in keep
    ]
    record.coref = [list(chain) for chain in payload.coref] if payload.coref else []
    if payload.relations:
        entities = {(s.start, s.end) for s in record.spans}
        record.relations = [
            RelationRecord(r.head, r.child, r.label)
            for r in payload.relations
            if r.head in entities and r.child in entities
        ]
    record.cats = dict(payload.cats) if payload.cats else {}
    record.span_cats = [_unscored(s) for s in payload.span_cats] if payload.span_cats else []
    if annotator:
        record.meta["annotator"] = annotator
        record.annotator = annotator
    if reviewed:
        record.meta["reviewed"] = True
    return record


def _unscored(span: SpanRecord) -> SpanRecord:
    """``span`` without its score (records are frozen: one without a score is shared)."""
    return span if span.score is None else SpanRecord(span.start, span.end, span.label)


def _majority_record(
    document: DocumentRow, submitted: list[AnnotationRow], payloads: dict[int, Payload],
    prediction: AnnotationRow | None, request: ExportRequest,
) -> DocumentRecord:  # fmt: skip
    record = _base(document)
    record.layers = _layers(None, prediction)
    votes = {
        str(a.user_id): [(s.start, s.end, s.label) for s in payloads[a.id].spans or ()]
        for a in submitted
    }
    keep = set(request.labels)
    record.spans = [
        SpanRecord(start, end, label)
        for start, end, label in majority_spans(votes, min_share=request.min_share)
        if not keep or label in keep
    ]
    payloads_of = [payloads[a.id] for a in submitted]
    share = request.min_share
    entities = {(s.start, s.end) for s in record.spans}
    relations = majority_items([p.relations or () for p in payloads_of], min_share=share)
    record.relations = [r for r in relations if r.head in entities and r.child in entities]
    applying = [[c for c, v in p.cats or () if v >= 0.5] for p in payloads_of]
    record.cats = dict.fromkeys(majority_items(applying, min_share=share), 1.0)
    record.span_cats = majority_items([p.span_cats or () for p in payloads_of], min_share=share)
    tags = [_merged_pos(a, prediction) or [] for a in submitted]
    if any(tags):
        record.layers.pos = majority_tags(
            tags, prediction.pos if prediction else None, min_share=request.min_share
        )
    record.meta["consolidated_from"] = len(submitted)
    return record
