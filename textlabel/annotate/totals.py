"""A project's document totals read from ``project_document_count`` (one row, kept exact by
database triggers, migration 0026) instead of counting a million documents (issue 13). Here,
beside ``archived``, so the queue, the document list and exports can all ask."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.models import DocumentCount


def document_total(session: Session, project_id: int, *, archived: bool | None = None) -> int:
    """The project's documents: all of them (``archived`` None), the active ones (False) or
    the archived ones (True). A project without documents may have no row yet: 0."""
    row = session.execute(
        select(DocumentCount.documents, DocumentCount.active).where(
            DocumentCount.project_id == project_id
        )
    ).one_or_none()
    if row is None:
        return 0
    documents, active = row
    return {None: documents, False: active, True: documents - active}[archived]
