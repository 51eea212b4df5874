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
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from textlabel.agreement.caching import decode_stats, encode_stats
from textlabel.agreement.loading import (
    Submitted,
    load_documents,
    prediction_versions,
    submitted_annotations,
)
from textlabel.agreement.registry import DEFAULT_MIN_ITEMS, LAYERS, layer_measures
from textlabel.agreement.report import combine
from textlabel.agreement.results import AgreementReport
from textlabel.agreement.stats import DocumentStats, document_stats
from textlabel.db import declare_write
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
) -> ProjectAgreement:
    """The agreement report of ``project`` on ``layer``; commits the refreshed cache rows.

    Documents count once at least one annotator submitted them; the report's labels start
    with the project's entity labels in their order (so unused labels show as such).
    """
    layer = layer_of(project, layer)
    submitted = submitted_annotations(session, project.id)
    predictions = prediction_versions(session, project.id) if layer == "pos" else {}
    categories = tuple(label.name for label in project.categories)
    cats_single = project.cats_mode == "single"
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
    session.commit()
    stats = [cached.get(d) or fresh[d] for d in sorted(fingerprints)]
    labels = {
        "entities": [label.name for label in project.labels],
        "relations": [label.name for label in project.relation_labels],
        "spans": [label.name for label in project.span_labels],
    }.get(layer, [])
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
    sqlite = session.get_bind().dialect.name == "sqlite"
    insert = sqlite_insert if sqlite else postgresql_insert
    statement = insert(AgreementStats)
    statement = statement.on_conflict_do_update(
        index_elements=["document_id", "layer"],
        set_={
            "fingerprint": statement.excluded.fingerprint,
            "stats": statement.excluded.stats,
            "computed_at": statement.excluded.computed_at,
        },
    )
    for chunk in _chunks(list(range(len(values))), CHUNK):
        session.execute(statement, [values[i] for i in chunk])
