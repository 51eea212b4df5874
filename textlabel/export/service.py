"""Turning a project's stored annotations into records and streaming them through a writer.

Documents are read in keyset-paged batches with their annotations, so an export of any size
runs in flat memory; writers are generators, so the first bytes leave before the last
document is read. The sources (gold, predictions, annotations, gold_or_majority) are
described in ``registry.SOURCES``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.errors import InvalidInput
from textlabel.export import parallel
from textlabel.export.base import WriteOptions
from textlabel.export.registry import SOURCES, ExportFormat, get_format, get_writer
from textlabel.models import Annotation, Document, Project, User
from textlabel.projects.archive import ACTIVE
from textlabel.projects.documents import STATUSES, document_status
from textlabel.records import (
    DocumentRecord,
    RelationRecord,
    SpanRecord,
    TokenLayers,
)
from textlabel.review.consolidation import majority_items, majority_spans, majority_tags
from textlabel.tokens import Tokens

PAGE = 500
LAYER_KEYS = ("tags", "lemmas", "morphs", "heads", "deps", "extra")
# What an export reads of a document and of an annotation, as plain rows.
_DOCUMENT_COLUMNS = (Document.id, Document.text, Document.meta, Document.tokens)
_ANNOTATION_COLUMNS = (
    Annotation.id, Annotation.document_id, Annotation.user_id, Annotation.kind,
    Annotation.status, Annotation.pos, Annotation.token_layers, Annotation.relations,
    Annotation.cats,
)  # fmt: skip
# Rows of those columns, read by attribute like the mapped objects (``Row.id``...).
DocumentRow = Any
AnnotationRow = Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ExportRequest:
    format: str
    source: str = "gold"
    layers: tuple[str, ...] | None = None  # default: the project's layers
    dev: float = 0.2
    seed: int = 0
    labels: tuple[str, ...] = ()  # keep only these entity labels (all when empty)
    statuses: tuple[str, ...] = ()  # keep only documents in these statuses (all when empty)
    min_share: float = 0.5  # for gold_or_majority
    negatives: bool = True  # False: leave out documents without entities (when exporting them)
    ids: tuple[int, ...] = ()  # keep only these documents (a selection; all when empty)


def check(project: Project, request: ExportRequest) -> ExportFormat:
    """Validate the request up front, so a streamed response never fails half-way on it."""
    fmt = get_format(request.format)
    if request.source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}")
    if not 0.0 <= request.dev <= 1.0:
        raise InvalidInput("dev must be between 0 and 1")
    unknown = sorted(set(request.labels) - {label.name for label in project.labels})
    if unknown:
        raise InvalidInput(f"unknown labels: {', '.join(unknown)}")
    strange = sorted(set(request.statuses) - set(STATUSES))
    if strange:
        raise InvalidInput(f"unknown statuses: {', '.join(strange)}; known: {', '.join(STATUSES)}")
    return fmt


def write_options(project: Project, request: ExportRequest) -> WriteOptions:
    return WriteOptions(
        layers=tuple(request.layers or project.layers),
        dev=request.dev,
        seed=request.seed,
        lang=project.language,
        categories=tuple(label.name for label in project.categories),
        cats_mode=project.cats_mode,
    )


def check_splits(session: Session, project: Project, request: ExportRequest) -> dict[str, int]:
    """Documents per split of a spaCy export; refuses one whose train or dev split would be
    empty (``spacy train`` needs both; an empty dev split scores nothing), with the numbers.

    The split is known only from the records the export will hold, so this reads them once
    before the export does (document ids only matter: one per record is enough).
    """
    from textlabel.export.docbin import SPLITS, split_of

    counts = dict.fromkeys(SPLITS, 0)
    if request.format != "spacy" or request.dev <= 0.0:
        return counts  # dev=0 asks for no dev split
    seen: set[object] = set()  # a document's records (one per annotator) share its split
    for record in project_records(session, project, request):
        if record.meta.get("id") not in seen:
            seen.add(record.meta.get("id"))
            counts[split_of(record, dev=request.dev, seed=request.seed)] += 1
    total = sum(counts.values())
    empty = [split for split in SPLITS if not counts[split]]
    if total and empty:
        raise InvalidInput(
            f"the {empty[0]} split would be empty: {counts['train']} of {total} documents fall "
            f"in train and {counts['dev']} in dev with dev={request.dev} and seed={request.seed} "
            "(a hash of each document's id decides); change dev or seed, or export more "
            "documents",
            details=counts | {"dev_share": request.dev, "seed": request.seed},
        )
    return counts


def stream_export(session: Session, project: Project, request: ExportRequest) -> Iterator[bytes]:
    """The export file, chunk by chunk, as bytes. The request is checked and the project's
    settings read now, not when the first chunk is asked for (the project may be detached
    by then)."""
    fmt = check(project, request)
    ranges = _in_processes(session, project, request)
    if ranges is not None:
        return (chunk for _, chunk in ranges)
    writer = get_writer(fmt.name)
    chunks = writer(project_records(session, project, request), write_options(project, request))
    return (chunk if fmt.binary else chunk.encode("utf-8") for chunk in chunks)


def _in_processes(
    session: Session, project: Project, request: ExportRequest
) -> Iterator[tuple[int, bytes]] | None:
    """``(documents so far, bytes)`` per range from worker processes, or None when this
    export stays in this process (``parallel``: one process asked, another format, in-memory
    SQLite, or fewer than ``parallel.MIN_RANGES`` ranges of documents)."""
    processes = parallel.processes_from_env()
    url = parallel.database_url(session) if processes > 1 else None
    if not url or request.format not in parallel.FORMATS:
        return None
    bounds = parallel.ranges(session, project, request.ids, parallel.CHUNK)
    head = list(islice(bounds, parallel.MIN_RANGES))
    if head[-1][1] is None:  # a few ranges: starting workers costs more than it saves
        return None
    chunks = parallel.export(url, project.id, request, chain(head, bounds), processes)
    return ((parallel.CHUNK * n, chunk) for n, chunk in enumerate(chunks, start=1))


def count_documents(session: Session, project: Project) -> int:
    return (
        session.scalar(
            select(func.count(Document.id)).where(Document.project_id == project.id, ACTIVE)
        )
        or 0
    )


def project_records(
    session: Session, project: Project, request: ExportRequest, *, progress: Any = None,
    after: int = 0, until: int | None = None,
) -> Iterator[DocumentRecord]:  # fmt: skip
    """Records of ``project`` for ``request.source``, in document order (of the documents
    with ``after < id <= until`` when given: a range of ``parallel.export``)."""
    names: dict[int, str] = {
        row[0]: row[1] for row in session.execute(select(User.id, User.username))
    }
    # Documents without entities are negatives, kept unless asked (and entities are exported).
    keep_all = request.negatives or "entities" not in (request.layers or project.layers)
    last_id, seen = after, 0
    while True:
        # Plain column rows, not ORM objects: an export reads every document once, so the
        # identity map and attribute instrumentation are pure cost (and would pile up).
        documents = session.execute(
            select(*_DOCUMENT_COLUMNS)
            .where(Document.project_id == project.id, Document.id > last_id, ACTIVE)
            .where(Document.id.in_(request.ids) if request.ids else true())
            .where(Document.id <= until if until is not None else true())
            .order_by(Document.id)
            .limit(PAGE)
        ).all()
        if not documents:
            return
        last_id = documents[-1].id
        annotations = _annotations(session, [d.id for d in documents])
        rows = [a for loaded in annotations.values() for a in loaded]
        payloads = store.read_many(  # tags, relations and labels are in the rows already
            session,
            [a.id for a in rows],
            pos={a.id: a.pos for a in rows},
            columns={a.id: (a.relations, a.cats) for a in rows},
        )
        for document in documents:
            loaded = annotations.get(document.id, [])
            if not request.statuses or _status_of(loaded, project.overlap) in request.statuses:
                for record in _records(document, loaded, payloads, request, names):
                    if keep_all or record.spans:
                        yield record
            seen += 1
        if progress:
            progress(seen)


def _status_of(annotations: list[AnnotationRow], overlap: int) -> str:
    manual = [a for a in annotations if a.kind == "manual"]
    return document_status(
        submitted=sum(a.status == "submitted" for a in manual),
        drafts=sum(a.status == "draft" for a in manual),
        has_gold=any(a.kind == "gold" for a in annotations),
        overlap=overlap,
    )


def _annotations(session: Session, ids: Sequence[int]) -> dict[int, list[AnnotationRow]]:
    rows = session.execute(
        select(*_ANNOTATION_COLUMNS).where(Annotation.document_id.in_(ids)).order_by(Annotation.id)
    ).all()
    out: dict[int, list[AnnotationRow]] = {}
    for annotation in rows:
        out.setdefault(annotation.document_id, []).append(annotation)
    return out


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
    text = document.text
    tokens = Tokens.from_stored(document.tokens, text_length=len(text))
    return DocumentRecord(
        text=text,
        meta={**document.meta, "id": document.id},
        tokens=tokens.columns(),
        sent_starts=tokens.sent_starts,
    )


def _layers(annotation: AnnotationRow | None, prediction: AnnotationRow | None) -> TokenLayers:
    """Token layers: the annotation's own, else those its prediction carried."""
    layers = TokenLayers()
    own = (annotation.token_layers if annotation else None) or {}
    fallback = (prediction.token_layers if prediction else None) or {}
    for key in LAYER_KEYS:
        setattr(layers, key, own.get(key) or fallback.get(key))
    return layers


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
        SpanRecord(s.start, s.end, s.label)
        for s in payload.spans or ()
        if not keep or s.label in keep
    ]
    record.coref = [list(chain) for chain in payload.coref or ()]
    entities = {(s.start, s.end) for s in record.spans}
    record.relations = [
        RelationRecord(r.head, r.child, r.label)
        for r in payload.relations or ()
        if r.head in entities and r.child in entities
    ]
    record.cats = dict(payload.cats or ())
    record.span_cats = [SpanRecord(s.start, s.end, s.label) for s in payload.span_cats or ()]
    if annotator:
        record.meta["annotator"] = annotator
        record.annotator = annotator
    if reviewed:
        record.meta["reviewed"] = True
    return record


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


def request_params(request: ExportRequest) -> dict[str, Any]:
    """The request as JSON-ready job parameters (and back with ``ExportRequest(**params)``)."""
    return {
        "format": request.format,
        "source": request.source,
        "layers": list(request.layers) if request.layers else None,
        "dev": request.dev,
        "seed": request.seed,
        "labels": list(request.labels),
        "statuses": list(request.statuses),
        "min_share": request.min_share,
        "negatives": request.negatives,
        "ids": list(request.ids),
    }


def run_job(session: Session, job: Any, progress: Any) -> dict[str, Any]:
    """The ``export`` job: write the export to ``job.params["path"]`` with progress."""
    from pathlib import Path

    project = session.get(Project, job.project_id)
    if project is None:
        raise InvalidInput(f"project {job.project_id} no longer exists")
    params = dict(job.params)
    path = Path(params.pop("path"))
    request = ExportRequest(
        **{**params, "layers": tuple(params["layers"]) if params.get("layers") else None,
           "labels": tuple(params.get("labels") or ()),
           "statuses": tuple(params.get("statuses") or ()),
           "ids": tuple(params.get("ids") or ())}
    )  # fmt: skip
    fmt = check(project, request)
    check_splits(session, project, request)
    total = count_documents(session, project)
    options = write_options(project, request)
    progress(0, total)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("wb") as out:
        ranges = _in_processes(session, project, request)
        if ranges is not None:
            for done, data in ranges:
                out.write(data)
                progress(min(done, total), total)
        else:
            records = project_records(
                session, project, request, progress=lambda n: progress(n, total)
            )
            for chunk in get_writer(fmt.name)(records, options):
                out.write(chunk if fmt.binary else chunk.encode("utf-8"))
    partial.replace(path)  # a finished file appears whole or not at all
    return {"file": path.name, "bytes": path.stat().st_size, "documents": total}
