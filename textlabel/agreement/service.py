"""The project agreement report from stored annotations, recomputing only what changed.

Only submitted manual annotations count. Each document's ``DocumentStats`` for a layer is
cached in ``agreement_stats`` under a fingerprint of the annotations it was computed from
(ids, versions, authors; for POS also the prediction, whose tags stand in for untouched
ones). A save bumps an annotation's version, so the next report recomputes exactly the
documents whose annotations changed and pools everything else from the cache.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.agreement import stored
from textlabel.agreement.caching import decode_stats, encode_stats
from textlabel.agreement.coref import PRF
from textlabel.agreement.loading import (
    Submitted,
    load_documents,
    prediction_versions,
    submitted_annotations,
)
from textlabel.agreement.registry import DEFAULT_MIN_ITEMS, LAYERS, layer_measures
from textlabel.agreement.report import combine
from textlabel.agreement.results import (
    AgreementReport,
    ConfusionTable,
    DocumentScore,
    LabelAgreement,
    PairAgreement,
)
from textlabel.agreement.stats import DocumentStats, document_stats
from textlabel.db import declare_write, replacing_insert
from textlabel.errors import InvalidInput
from textlabel.models import AgreementStats, Document, Project
from textlabel.models.base import utcnow

# Part of every fingerprint: bump it when DocumentStats or its inputs change meaning, so
# rows cached by an older release are recomputed instead of misread.
STATS_FORMAT = "2"
CHUNK = 500  # documents loaded per query: well inside every backend's parameter limit


@dataclass(frozen=True, slots=True)
class ProjectAgreement:
    """The report, and how much of it came from the cache (``reused`` + ``computed``
    documents; ``computed`` ones were stored for the next call)."""

    report: AgreementReport
    reused: int
    computed: int

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON: ``asdict(report)`` plus ``cache: {reused, computed}``."""
        return {**asdict(self.report), "cache": {"reused": self.reused, "computed": self.computed}}


def layer_of(project: Project, layer: str | None) -> str:
    """The requested layer, checked against the project; by default its first layer."""
    if layer is None:
        return next((name for name in LAYERS if project.has_layer(name)), "entities")
    layer_measures(layer)  # raises for a layer agreement is not measured on
    if not project.has_layer(layer):
        raise InvalidInput(
            f"project {project.name!r} has no {layer} layer", details={"layer": layer}
        )
    return layer


def project_agreement(
    session: Session,
    project: Project,
    *,
    layer: str | None = None,
    min_items: int = DEFAULT_MIN_ITEMS,
    summary: stored.Inputs | None = None,
    scores: bool = True,
) -> ProjectAgreement:
    """The agreement report of ``project`` on ``layer``; commits the refreshed cache rows.

    Documents count once at least one annotator submitted them; the report's labels start
    with the project's entity labels in their order (so unused labels show as such). An
    unchanged project's report is one stored row (``agreement.stored``; ``summary``: the
    project's inputs when the caller already read them; ``scores=False``: a stored report
    comes without its per-document scores, which cost most of reading it back); otherwise it
    is pooled from the per-document statistics and stored for the next call.
    """
    layer = layer_of(project, layer)
    summary = summary or stored.inputs(session, project.id)
    labels = {
        "entities": [label.name for label in project.labels],
        "relations": [label.name for label in project.relation_labels],
        "spans": [label.name for label in project.span_labels],
    }.get(layer, [])
    categories = tuple(label.name for label in project.categories)
    cats_single = project.cats_mode == "single"
    name = f"agreement:{layer}"
    keep = _pos_inputs if layer == "pos" else _inputs
    digest = summary.digest(keep, STATS_FORMAT, name, min_items, labels, categories, cats_single)
    kept = stored.read(session, project.id, name, digest, StoredAgreement, REPORT_CLASSES)
    if kept is not None:
        session.commit()
        report = kept.restored() if scores else kept.report
        return ProjectAgreement(report, reused=kept.documents, computed=0)
    result = _pooled(session, project, layer, min_items, labels, categories, cats_single)
    stored.write(session, project.id, name, digest, StoredAgreement.of(result))
    session.commit()
    return result


@dataclass(frozen=True, slots=True)
class StoredAgreement:
    """A stored report and how many documents it pooled; its per-document scores are kept
    as columns of plain numbers (unpickling 100,000 dataclasses took seconds, lists of
    numbers take milliseconds)."""

    report: AgreementReport  # without ``documents``
    documents: int
    scores: tuple[list[Any], ...]  # id, score, n_annotators, n_items, undefined

    @classmethod
    def of(cls, result: ProjectAgreement) -> StoredAgreement:
        rows = [
            (d.id, None if d.score is None else float(d.score), d.n_annotators, int(d.n_items),
             d.undefined)
            for d in result.report.documents
        ]  # fmt: skip
        columns = tuple(list(column) for column in zip(*rows, strict=True)) or ([],) * 5
        report = replace(result.report, documents=[])
        return cls(report, result.reused + result.computed, columns)

    def restored(self) -> AgreementReport:
        return replace(self.report, documents=list(map(DocumentScore, *self.scores)))


# Everything a stored agreement report is made of (``stored.read`` refuses other classes).
REPORT_CLASSES = (
    StoredAgreement, AgreementReport, PairAgreement, LabelAgreement, DocumentScore,
    ConfusionTable, PRF,
)  # fmt: skip


def _inputs(group: stored.Group) -> bool:
    """The report reads submitted manual annotations of documents not archived."""
    return group.kind == "manual" and group.status == "submitted" and group.active


def _pos_inputs(group: stored.Group) -> bool:
    """POS also reads each document's prediction (its tags stand in for untouched ones)."""
    return _inputs(group) or group.kind == "prediction"


def _pooled(
    session: Session,
    project: Project,
    layer: str,
    min_items: int,
    labels: list[str],
    categories: tuple[str, ...],
    cats_single: bool,
) -> ProjectAgreement:
    """The report pooled from every document's statistics, recomputing the stale ones."""
    submitted = submitted_annotations(session, project.id)
    predictions = prediction_versions(session, project.id) if layer == "pos" else {}
    # document-label items depend on the project's categories and mode too
    setting = repr((categories, cats_single)) if layer == "cats" else ""
    fingerprints = {
        document_id: _fingerprint(layer, rows, predictions.get(document_id), setting)
        for document_id, rows in submitted.items()
    }
    cached = _cached(session, project.id, layer, fingerprints)
    stale = sorted(set(fingerprints) - set(cached))
    fresh: dict[int, DocumentStats] = {}
    for chunk in _chunks(stale, CHUNK):
        chunk_docs = load_documents(
            session, layer, {d: submitted[d] for d in chunk}, predictions,
            categories=categories, cats_single=cats_single,
        )  # fmt: skip
        for doc in chunk_docs:
            fresh[doc.doc_id] = document_stats(doc, layer=layer)
    if fresh:
        declare_write(session)  # the cache is written where a report is read (GET)
        _store(session, layer, fresh, fingerprints)
    stats = [cached.get(d) or fresh[d] for d in sorted(fingerprints)]
    report = combine(stats, layer=layer, labels=labels, min_items=min_items)
    return ProjectAgreement(report, reused=len(cached), computed=len(fresh))


def document_titles(session: Session, ids: Sequence[int], *, length: int = 80) -> dict[int, str]:
    """The opening words of each document, for lists of documents by disagreement."""
    out: dict[int, str] = {}
    for chunk in _chunks(list(ids), CHUNK):
        rows = session.execute(select(Document.id, Document.text).where(Document.id.in_(chunk)))
        for document_id, text in rows:
            line = " ".join(text[: length * 2].split())
            out[document_id] = line if len(line) <= length else line[: length - 1] + "…"
    return out


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fingerprint(
    layer: str, rows: list[Submitted], prediction: tuple[int, int] | None, setting: str = ""
) -> str:
    parts = [STATS_FORMAT, layer, repr(prediction)] + ([setting] if setting else [])
    parts += [f"{r.annotation_id}:{r.version}:{r.username}" for r in rows]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _cached(
    session: Session, project_id: int, layer: str, fingerprints: dict[int, str]
) -> dict[int, DocumentStats]:
    rows = session.execute(
        select(AgreementStats.document_id, AgreementStats.fingerprint, AgreementStats.stats)
        .join(Document, Document.id == AgreementStats.document_id)
        .where(Document.project_id == project_id, AgreementStats.layer == layer)
    )
    out = {}
    for document_id, fingerprint, blob in rows:
        if fingerprints.get(document_id) == fingerprint:
            stats = decode_stats(blob)
            if stats is not None and stats.layer == layer:
                out[document_id] = stats
    return out


def _store(
    session: Session, layer: str, fresh: dict[int, DocumentStats], fingerprints: dict[int, str]
) -> None:
    """Insert or replace the rows; concurrent reports writing the same row both succeed."""
    now = utcnow()
    values = [
        {
            "document_id": document_id,
            "layer": layer,
            "fingerprint": fingerprints[document_id],
            "stats": encode_stats(stats),
            "computed_at": now,
        }
        for document_id, stats in fresh.items()
    ]
    statement = replacing_insert(
        session, AgreementStats, ["document_id", "layer"], ["fingerprint", "stats", "computed_at"]
    )
    for chunk in _chunks(list(range(len(values))), CHUNK):
        session.execute(statement, [values[i] for i in chunk])
