"""Pre-annotation: run spaCy over a project's documents and store its predictions.

Each document gets one ``prediction`` annotation (entities mapped through the project's label
map, UPOS and the other token layers, coreference chains). Documents that already have one
are skipped, so a cancelled or crashed run continues where it stopped; human annotations are
never touched. Work goes in chunks: one ``nlp.pipe`` call, one bulk insert and one commit per
chunk, so throughput stays close to the bare pipeline's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from sqlalchemy import exists, func, insert, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.models import Annotation, Document, Job, Project, Span
from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.nlp.pipeline import load_pipeline
from textlabel.records import DocumentRecord, TokenRecord
from textlabel.tokens import stored_tokens, token_range

CHUNK = 256


@dataclass(slots=True)
class PreannotateResult:
    done: int = 0
    failed: int = 0
    remaining: int = 0
    entities: int = 0
    dropped_labels: Counter[str] = field(default_factory=Counter)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "done": self.done,
            "failed": self.failed,
            "remaining": self.remaining,
            "entities": self.entities,
            "dropped_labels": dict(self.dropped_labels),
            "errors": self.errors[:100],
        }


def pipeline_for(project: Project) -> Language:
    return load_pipeline(project.spacy_model, coref=project.has_layer("coref"))


def pending_documents(session: Session, project: Project) -> Any:
    """Documents of ``project`` without a prediction yet (the query, for counting or ids)."""
    has_prediction = exists().where(
        Annotation.document_id == Document.id, Annotation.kind == "prediction"
    )
    return select(Document.id).where(Document.project_id == project.id, ~has_prediction)


def preannotate_project(
    session: Session,
    project: Project,
    *,
    progress: Callable[[int, int], None] | None = None,
    nlp: Language | None = None,
    batch_size: int = 64,
    n_process: int = 1,
    limit: int | None = None,
) -> PreannotateResult:
    """Pre-annotate every document of ``project`` that has no prediction yet."""
    nlp = nlp or pipeline_for(project)
    query = pending_documents(session, project).order_by(Document.id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if limit is not None:
        total = min(total, limit)
    result = PreannotateResult(remaining=total)
    if progress:
        progress(0, total)
    ids = list(session.scalars(query.limit(total)))
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        documents = session.scalars(
            select(Document).where(Document.id.in_(chunk)).order_by(Document.id)
        ).all()
        ready, inputs = [], []
        for document in documents:
            try:
                inputs.append(_as_input(nlp, document))
            except Exception as e:  # e.g. stored tokens that no longer fit the text
                _record_failure(session, project, document, e, result)
                continue
            ready.append(document)
        docs = nlp.pipe(inputs, batch_size=batch_size, n_process=n_process)
        _store_chunk(session, project, ready, docs, result)
        session.commit()
        result.remaining = total - result.done - result.failed
        if progress:
            progress(result.done + result.failed, total)
    return result


def _as_input(nlp: Language, document: Document) -> str | Doc:
    """Text for the model to tokenize, or a Doc keeping the document's existing tokens."""
    if not document.tokens:
        return document.text
    offsets = document.tokens["offsets"]
    record = DocumentRecord(
        text=document.text,
        tokens=[TokenRecord(s, e, True) for s, e in zip(offsets[0::2], offsets[1::2], strict=True)],
    )
    return record_to_doc(nlp.vocab, record, layers=())


def _store_chunk(
    session: Session,
    project: Project,
    documents: list[Document],
    docs: Iterator[Doc],
    result: PreannotateResult,
) -> None:
    span_rows: list[dict[str, Any]] = []
    pending: list[tuple[Annotation, list[dict[str, Any]]]] = []
    for document, doc in zip(documents, docs, strict=True):
        try:
            annotation, spans = _prediction(project, document, doc, result)
        except Exception as e:  # one bad document must not stop the run
            _record_failure(session, project, document, e, result)
            continue
        session.add(annotation)
        pending.append((annotation, spans))
        result.done += 1
    session.flush()  # one multi-row INSERT ... RETURNING for the chunk's annotations
    for annotation, spans in pending:
        for row in spans:
            row["annotation_id"] = annotation.id
        span_rows.extend(spans)
    if span_rows:
        session.execute(insert(Span), span_rows)


def _record_failure(
    session: Session, project: Project, document: Document, error: Exception,
    result: PreannotateResult,
) -> None:  # fmt: skip
    """Count the failure and keep it on the document's audit trail."""
    result.failed += 1
    message = f"{type(error).__name__}: {error}"
    result.errors.append({"document": document.id, "message": message})
    audit.record(
        session, "preannotate.error", user=None, project_id=project.id,
        document_id=document.id, after={"message": message},
    )  # fmt: skip


def _prediction(
    project: Project, document: Document, doc: Doc, result: PreannotateResult
) -> tuple[Annotation, list[dict[str, Any]]]:
    record, dropped = doc_to_record(doc, label_map=project.label_map)
    result.dropped_labels.update(dropped)
    tokens = record.tokens or []
    starts = [token.start for token in tokens]
    ends = [token.end for token in tokens]
    layers = record.layers
    spans: list[dict[str, Any]] = []
    if project.has_layer("entities"):
        for span in record.spans:
            first, last = _token_range(starts, ends, span.start, span.end)
            spans.append(_row("ent", span.start, span.end, first, last, label=span.label))
        result.entities += len(record.spans)
    if project.has_layer("coref"):
        for cluster, mentions in enumerate(record.coref, start=1):
            for mention in mentions:
                first, last = _token_range(starts, ends, mention.start, mention.end)
                spans.append(
                    _row("coref", mention.start, mention.end, first, last, cluster=cluster)
                )
    if not document.tokens:  # set last: a failure above leaves the document untouched
        document.tokens = stored_tokens(tokens, record.sent_starts)
    annotation = Annotation(
        document_id=document.id,
        kind="prediction",
        status="submitted",
        pos=layers.pos if project.has_layer("pos") else None,
        token_layers={
            "tags": layers.tags,
            "lemmas": layers.lemmas,
            "morphs": layers.morphs,
            "heads": layers.heads,
            "deps": layers.deps,
        },
    )
    return annotation, spans


def _token_range(starts: list[int], ends: list[int], start: int, end: int) -> tuple[int, int]:
    """Token indices [first, last) of a span that must sit on token boundaries."""
    bounds = token_range(starts, ends, start, end)
    if bounds is None:
        raise ValueError(f"span [{start}, {end}) is not on token boundaries")
    return bounds


def _row(
    layer: str, start: int, end: int, first: int, last: int, *, label: str | None = None,
    cluster: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "layer": layer,
        "start_char": start,
        "end_char": end,
        "start_token": first,
        "end_token": last,
        "label": label,
        "cluster": cluster,
        "source": "model",
        "score": None,
    }


def run_job(session: Session, job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The ``preannotate`` job: the whole project, resumable."""
    project = session.get(Project, job.project_id)
    if project is None:
        raise ValueError(f"project {job.project_id} no longer exists")
    return preannotate_project(session, project, progress=progress).as_dict()
