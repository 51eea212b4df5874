"""The document list of a project with each document's annotation status."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from textlabel.models import Annotation, Document, Job, Project


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    preview: str
    source: str | None
    chars: int
    submitted: int
    drafts: int
    has_prediction: bool
    has_gold: bool
    status: str  # new | in progress | annotated | reviewed


@dataclass(frozen=True, slots=True)
class DocumentPage:
    items: list[DocumentRow]
    page: int
    per_page: int
    total: int


STATUSES = ("new", "in progress", "annotated", "reviewed")


def document_status(*, submitted: int, drafts: int, has_gold: bool, overlap: int) -> str:
    """One word for where a document stands (the project page and export filters)."""
    if has_gold:
        return "reviewed"
    if submitted >= overlap:
        return "annotated"
    if submitted or drafts:
        return "in progress"
    return "new"


def list_documents(
    session: Session, project: Project, *, page: int = 1, per_page: int = 50
) -> DocumentPage:
    manual = Annotation.kind == "manual"
    stats = (
        select(
            Annotation.document_id.label("document_id"),
            func.sum(case((manual & (Annotation.status == "submitted"), 1), else_=0)).label(
                "submitted"
            ),
            func.sum(case((manual & (Annotation.status == "draft"), 1), else_=0)).label("drafts"),
            func.max(case((Annotation.kind == "prediction", 1), else_=0)).label("prediction"),
            func.max(case((Annotation.kind == "gold", 1), else_=0)).label("gold"),
        )
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project.id)
        .group_by(Annotation.document_id)
        .subquery()
    )
    total = session.scalar(select(func.count(Document.id)).where(Document.project_id == project.id))
    rows = session.execute(
        select(
            Document.id,
            func.substr(Document.text, 1, 160),
            Document.source_file,
            func.length(Document.text),
            stats.c.submitted,
            stats.c.drafts,
            stats.c.prediction,
            stats.c.gold,
        )
        .outerjoin(stats, stats.c.document_id == Document.id)
        .where(Document.project_id == project.id)
        .order_by(Document.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        DocumentRow(
            id=row[0],
            preview=row[1],
            source=row[2],
            chars=row[3],
            submitted=row[4] or 0,
            drafts=row[5] or 0,
            has_prediction=bool(row[6]),
            has_gold=bool(row[7]),
            status=document_status(
                submitted=row[4] or 0,
                drafts=row[5] or 0,
                has_gold=bool(row[7]),
                overlap=project.overlap,
            ),
        )
        for row in rows
    ]
    return DocumentPage(items=items, page=page, per_page=per_page, total=total or 0)


def recent_jobs(session: Session, project: Project, *, limit: int = 5) -> list[Job]:
    return list(
        session.scalars(
            select(Job).where(Job.project_id == project.id).order_by(Job.id.desc()).limit(limit)
        )
    )
