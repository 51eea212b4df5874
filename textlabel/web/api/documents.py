"""Documents and the endpoints of later milestones, which answer 501 until they are built
(after the permission check, so they never leak a project's existence)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from textlabel.annotate.reading import annotation_payload, document_tokens
from textlabel.auth.permissions import Action
from textlabel.errors import NotImplementedYet
from textlabel.extensions import db
from textlabel.models import Annotation, Document, Project
from textlabel.projects.documents import DocumentPage, list_documents
from textlabel.schemas.common import PageQuery
from textlabel.schemas.documents import DocumentOut, DocumentPageOut
from textlabel.web.api import route


@route("/projects/<int:pid>/documents", tag="documents", query=PageQuery(),
       response=DocumentPageOut(), allow=Action.VIEW)  # fmt: skip
def list_project_documents(project: Project, args: dict[str, Any]) -> DocumentPage:
    """A page of the project's documents with per-document status."""
    return list_documents(db.session, project, **args)


@route("/documents/<int:did>", tag="documents", response=DocumentOut(), allow=Action.VIEW)
def get_document(document: Document, project: Project) -> dict[str, Any]:
    """A document's text, tokens, meta and the model's predictions."""
    tokens, sent_starts = document_tokens(document)
    prediction = db.session.scalar(
        select(Annotation).where(
            Annotation.document_id == document.id, Annotation.kind == "prediction"
        )
    )
    return {
        "id": document.id,
        "project_id": document.project_id,
        "text": document.text,
        "meta": document.meta,
        "source": {
            "file": document.source_file,
            "unit": document.source_unit,
            "number": document.source_number,
        },
        "tokens": tokens,
        "sent_starts": sent_starts,
        "prediction": annotation_payload(prediction) if prediction else None,
    }


def _later(what: str) -> NotImplementedYet:
    return NotImplementedYet(f"{what} is not built yet")


@route("/projects/<int:pid>/review-queue", tag="review", allow=Action.REVIEW)
def review_queue(project: Project) -> Any:
    """Documents needing review, most disagreement first."""
    raise _later("the review queue")


@route("/documents/<int:did>/review", tag="review", allow=Action.REVIEW)
def review_document(document: Document, project: Project) -> Any:
    """Every annotator's spans of a document aligned, with votes."""
    raise _later("review")


@route("/documents/<int:did>/gold", tag="review", allow=Action.REVIEW)
def get_gold(document: Document, project: Project) -> Any:
    """The document's gold annotation."""
    raise _later("gold")


@route("/documents/<int:did>/gold", "PUT", tag="review", allow=Action.REVIEW)
def put_gold(document: Document, project: Project) -> Any:
    """Save the reviewer's adjudicated gold annotation."""
    raise _later("gold")
