"""Pre-annotation: run spaCy over a project's documents and store its predictions.

Each document gets one ``prediction`` annotation (entities mapped through the project's label
map, UPOS and the other token layers, coreference chains). Documents that already have one
are skipped, so a cancelled or crashed run continues where it stopped; human annotations are
never touched. Work goes in chunks: one ``nlp.pipe`` call, one bulk insert and one commit per
chunk, so throughput stays close to the bare pipeline's.

The pipeline is the project's active model (``nlp.versions``: a fine-tuned version,
else the base model); each prediction records which (``Annotation.model_version_id`` and
``info["model"]``). ``refresh_untouched`` drops the predictions of documents nobody has
worked on that an older model made, so the next run redoes them with the active one. With
the loop's settings on (``nlp.loop``), predictions also get beam probabilities as span
scores, the document its uncertainty, and routed documents their reduced overlap.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate import store
from textlabel.annotate.payload import Payload, cats_of
from textlabel.models import Annotation, Document, Job, Project
from textlabel.nlp.coref.turns import sentence_turns, set_speakers
from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.nlp.loop import (
    SCORED_ORDERS,
    DocScores,
    Predictor,
    loop_settings,
    predictor_for,
    score_docs,
)
from textlabel.nlp.model_layers import read_model_layers
from textlabel.nlp.models import check_model
from textlabel.nlp.pipeline import load_pipeline
from textlabel.nlp.uncertainty import with_scores
from textlabel.nlp.versions import ActiveModel
from textlabel.records import DocumentRecord
from textlabel.tokens import Tokens

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
    """The project's base pipeline (pre-annotation itself uses the active model)."""
    # a name stored before models were checked on save is checked again before spacy.load
    name = check_model(project.spacy_model, project)
    return load_pipeline(name, coref=project.has_layer("coref"))


def component_cfg(nlp: Language, project: Project) -> dict[str, dict[str, Any]]:
    """Per-call settings of the pipeline's components: the project's coreference scheme (the
    cached pipeline is shared by projects, so the scheme travels with each call)."""
    if "textlabel_coref" not in nlp.pipe_names:
        return {}
    return {"textlabel_coref": {"scheme": project.coref_scheme}}


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
    id_range: tuple[int, int] | None = None,
) -> PreannotateResult:
    """Pre-annotate every document of ``project`` (with an id in ``id_range``, inclusive, when
    given) that has no prediction yet.

    Idempotent: documents that got a prediction from another runner meanwhile are skipped
    when the chunk is written, so overlapping runs never store one twice."""
    if nlp is None:
        predictor = predictor_for(session, project)
    else:  # a caller's own pipeline (benchmarks): the base model's reading of it
        active = ActiveModel(None, project.label_map, None)
        predictor = Predictor(nlp, active, dict(project.label_map), loop_settings(project), None)
    nlp = predictor.nlp
    query = pending_documents(session, project).order_by(Document.id)
    if id_range is not None:
        query = query.where(Document.id.between(*id_range))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    if limit is not None:
        total = min(total, limit)
    result = PreannotateResult(remaining=total)
    ids = list(session.scalars(query.limit(total)))
    session.commit()  # progress is written in a transaction of its own
    if progress:
        progress(0, total)
    for first in range(0, len(ids), CHUNK):
        chunk = ids[first : first + CHUNK]
        documents = session.scalars(
            select(Document).where(Document.id.in_(chunk)).order_by(Document.id)
        ).all()
        session.commit()  # no transaction (nor SQLite's write lock) while the pipeline runs
        ready, inputs = [], []
        for document in documents:
            try:
                inputs.append(_as_input(nlp, document))
            except Exception as e:  # e.g. stored tokens that no longer fit the text
                _record_failure(session, project, document, e, result)
                continue
            ready.append(document)
        scoring = predictor.settings.queue in SCORED_ORDERS or predictor.base is not None
        fresh = [_as_input(nlp, d) for d in ready] if scoring else []
        docs = nlp.pipe(
            inputs,
            batch_size=batch_size,
            n_process=n_process,
            component_cfg=component_cfg(nlp, project),
        )
        _store_chunk(session, project, predictor, ready, docs, fresh, result)
        session.commit()
        result.remaining = total - result.done - result.failed
        if progress:
            progress(result.done + result.failed, total)
    return result


def _as_input(nlp: Language, document: Document) -> Doc:
    """A Doc on the document's own tokens: predictions must fit what annotators see. Speaker
    turns an import kept per sentence (CoNLL-U ``# speaker``, CoNLL-2012's speaker column) go
    with it, so coreference gives each speaker their own "I" and "you"."""
    tokens = store.tokens_of(document)
    record = DocumentRecord(text=document.text, tokens=tokens.records())
    doc = record_to_doc(nlp.vocab, record, layers=())
    meta = document.meta if isinstance(document.meta, dict) else {}
    if tokens.sents_guessed:  # the rows describe the source's sentences, not a guess's
        return doc
    turns = sentence_turns(meta.get("sentences"), tokens.starts, tokens.ends, tokens.sent_starts)
    return set_speakers(doc, turns) if turns is not None else doc


def _store_chunk(
    session: Session, project: Project, predictor: Predictor, documents: list[Document],
    docs: Iterator[Doc], fresh: list[Doc], result: PreannotateResult,
) -> None:  # fmt: skip
    pending: list[tuple[Annotation, Tokens, Payload]] = []
    # The pipeline runs (``docs`` is lazy) before the writing transaction begins: inside it,
    # a chunk held SQLite's write lock for seconds and every save waited, or answered 503.
    done = list(docs)
    converted = [doc_to_record(doc, label_map=predictor.label_map) for doc in done]
    read_model_layers(project, done, [c.record for c in converted])
    scores = (
        score_docs(predictor, fresh, [c.record.spans for c in converted], project.label_map)
        if fresh
        else [DocScores(None, None, None)] * len(documents)
    )
    # Checked in the writing transaction, under the documents' row locks (PostgreSQL; SQLite
    # serializes writers): another runner may have stored some meanwhile.
    session.execute(
        select(Document.id)
        .where(Document.id.in_([d.id for d in documents]))
        .order_by(Document.id)
        .with_for_update()
    )
    already = set(
        session.scalars(
            select(Annotation.document_id).where(
                Annotation.document_id.in_([d.id for d in documents]),
                Annotation.kind == "prediction",
            )
        )
    )
    rows = zip(documents, converted, scores, strict=True)
    for index, (document, (record, dropped), score) in enumerate(rows):
        if document.id in already:
            continue
        try:
            result.dropped_labels.update(dropped)
            if score.tokens is not None:
                record.spans = with_scores(record.spans, fresh[index], score.tokens)
            annotation, tokens, payload = _prediction(project, document, record, result)
            _apply_loop(predictor, document, annotation, score)
        except Exception as e:  # one bad document must not stop the run
            _record_failure(session, project, document, e, result)
            continue
        session.add(annotation)
        pending.append((annotation, tokens, payload))
        result.done += 1
    session.flush()  # one multi-row INSERT ... RETURNING for the chunk's annotations
    store.insert_many(session, ((a.id, t, p) for a, t, p in pending), source="model")


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


def _apply_loop(
    predictor: Predictor, document: Document, annotation: Annotation, score: DocScores
) -> None:
    """Record the model on the prediction; store uncertainty and routing on the document."""
    annotation.model_version_id = predictor.active.version_id
    info: dict[str, Any] = {"model": predictor.active.describe()}
    document.uncertainty = score.uncertainty
    route = predictor.settings.route_overlap
    if score.agreed is not None:
        document.overlap = route if score.agreed else None
        info["routing"] = {"models_agree": score.agreed, "overlap": document.overlap}
    annotation.info = info


def _prediction(
    project: Project, document: Document, record: DocumentRecord, result: PreannotateResult
) -> tuple[Annotation, Tokens, Payload]:
    tokens = store.tokens_of(document)
    layers = record.layers
    payload = Payload(
        spans=tuple(record.spans) if project.has_layer("entities") else (),
        coref=tuple(map(tuple, record.coref)) if project.has_layer("coref") else (),
        cats=cats_of(record.cats) if record.cats else None,
        span_cats=tuple(record.span_cats) if record.span_cats else None,
    )
    store.rows_of(0, tokens, payload, source="model")  # refuses a span off our tokens
    result.entities += len(payload.spans or ())
    if tokens.sents_guessed and record.sent_starts:
        # The parser's sentences beat the rule-based guess made at import.
        document.tokens = replace(
            tokens, sent_starts=record.sent_starts, sents_guessed=False
        ).to_stored()
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
    return annotation, tokens, payload


def untouched_stale(session: Session, project: Project) -> Any:
    """Predictions of documents without manual or gold annotations that were not made by
    the active model (the query of their annotation ids)."""
    from textlabel.nlp.versions import active_version

    active = active_version(session, project)
    human = exists().where(
        Annotation.document_id == Document.id, Annotation.kind.in_(("manual", "gold"))
    )
    prediction = Annotation.__table__.alias("prediction")
    return (
        select(prediction.c.id)
        .join(Document, Document.id == prediction.c.document_id)
        .where(
            Document.project_id == project.id,
            prediction.c.kind == "prediction",
            prediction.c.model_version_id.is_distinct_from(active.id if active else None),
            ~human,
        )
    )


def refresh_untouched(session: Session, project: Project) -> int:
    """Drop the stale predictions of untouched documents (see ``untouched_stale``); the next
    ``preannotate_project`` redoes them with the active model. Returns how many."""
    ids = list(session.scalars(untouched_stale(session, project)))
    for first in range(0, len(ids), 500):
        session.execute(delete(Annotation).where(Annotation.id.in_(ids[first : first + 500])))
    audit.record(session, "preannotate.refresh", user=None, project_id=project.id,
                 after={"predictions_dropped": len(ids)})  # fmt: skip
    session.commit()
    return len(ids)


def run_job(session: Session, job: Job, progress: Callable[[int, int], None]) -> dict[str, Any]:
    """The ``preannotate`` job: the whole project, resumable; with ``params["refresh"]``,
    first the untouched documents an older model pre-annotated (``refresh_untouched``); a
    large project fans out into chunk jobs that any number of runners take
    (``textlabel.nlp.chunks``)."""
    from textlabel.nlp import chunks

    project = session.get(Project, job.project_id)
    if project is None:
        raise ValueError(f"project {job.project_id} no longer exists")
    refreshed = refresh_untouched(session, project) if job.params.get("refresh") else 0
    if chunks.fan_out(session, job, project):
        return {"_detached": True, "refreshed": refreshed}
    session.commit()  # no transaction (nor SQLite's write lock) while the model loads
    out = preannotate_project(session, project, progress=progress).as_dict()
    return {**out, "refreshed": refreshed}
