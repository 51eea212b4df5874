"""A project's stored annotations as export records, read in keyset-paged batches.

Documents are read ``PAGE`` at a time with their annotations, as plain column rows, so an
export of any size runs in flat memory. The sources (gold, predictions, annotations,
gold_or_majority) are described in ``registry.SOURCES``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, select, true
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.export.building import StoredPage, page_records, paged
from textlabel.export.request import ExportRequest
from textlabel.export.rows import DriverQuery, select_annotations, select_documents
from textlabel.models import Document, Project, User
from textlabel.projects.archive import ACTIVE
from textlabel.records import DocumentRecord

PAGE = 500


def project_records(
    session: Session, project: Project, request: ExportRequest, *, progress: Any = None,
    after: int = 0, until: int | None = None,
) -> Iterator[DocumentRecord]:  # fmt: skip
    """Records of ``project`` for ``request.source``, in document order (of the documents
    with ``after < id <= until`` when given: a range of ``parallel.export``)."""
    names = user_names(session)
    seen = 0
    for page in stored_pages(session, project, request, after=after, until=until):
        for _, records in page_records(page, project, request, names):
            yield from records
        seen += len(page.documents)
        if progress:
            progress(seen)


def user_names(session: Session) -> dict[int, str]:
    """Every user's name by id: per-annotator records carry them."""
    return {row[0]: row[1] for row in session.execute(select(User.id, User.username))}


def stored_pages(
    session: Session, project: Project, request: ExportRequest, *, after: int = 0,
    until: int | None = None,
) -> Iterator[StoredPage]:  # fmt: skip
    """The pages of the documents ``request`` exports (of ``after < id <= until``), in order."""
    documents, annotations, spans, by_ids = page_queries(session, request)
    return paged(
        documents.rows, annotations.rows, spans.rows,
        by_ids=by_ids, project_id=project.id, after=after, until=until, page=PAGE,
    )  # fmt: skip


def page_queries(
    session: Session, request: ExportRequest
) -> tuple[DriverQuery, DriverQuery, DriverQuery, bool]:
    """``stored_pages``' queries of a page's documents, annotations and spans, and whether
    spans are read by the page's annotation ids (PostgreSQL) rather than its document ids.
    Every value but a selection's ids is a bind parameter, so the queries are compiled once
    per process (``DriverQuery``), not once per range of a parallel export."""
    project_id = bindparam("project", 0, Integer)
    documents = DriverQuery(
        session,
        lambda: (
            select_documents()
            .where(Document.project_id == project_id, Document.id > bindparam("after", 0), ACTIVE)
            .where(Document.id.in_(request.ids) if request.ids else true())
            .where(Document.id <= bindparam("until", 0, BigInteger))
            .order_by(Document.id)
            .limit(PAGE)
        ),
        None if request.ids else ("documents", PAGE),
    )
    first_id, last_id = bindparam("first", 0, Integer), bindparam("last", 0, Integer)
    annotations = DriverQuery(
        session, lambda: select_annotations(project_id, first_id, last_id), "annotations"
    )
    by_ids = session.get_bind().dialect.name == "postgresql"  # the page's annotation ids
    spans = DriverQuery(
        session,
        store.select_annotation_spans if by_ids
        else lambda: store.select_document_spans(project_id, first_id, last_id),
        "spans of annotations" if by_ids else "spans",
    )  # fmt: skip
    return documents, annotations, spans, by_ids
