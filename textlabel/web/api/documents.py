"""Documents and the endpoints of later milestones, which answer 501 until they are built
(after the permission check, so they never leak a project's existence)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from textlabel.annotate.reading import annotation_payload, document_tokens
from textlabel.auth.permissions import Action, require, require_document
from textlabel.errors import NotFound, NotImplementedYet
from textlabel.extensions import db
from textlabel.models import Annotation, Job
from textlabel.projects.documents import DocumentPage, list_documents
from textlabel.schemas.common import PageQuery
from textlabel.schemas.documents import DocumentOut, DocumentPageOut
from textlabel.web.api import route
from textlabel.web.guard import current_user


@route("/projects/<int:pid>/documents", tag="documents", query=PageQuery(),
       response=DocumentPageOut())  # fmt: skip
def list_project_documents(pid: int, args: dict[str, Any]) -> DocumentPage:
    """A page of the project's documents with per-document status."""
    project = require(db.session, current_user(), pid, Action.VIEW)
    return list_documents(db.session, project, **args)


@route("/documents/<int:did>", tag="documents", response=DocumentOut())
def get_document(did: int) -> dict[str, Any]:
    """A document's text, tokens, meta and the model's predictions."""
    document, _project = require_document(db.session, current_user(), did, Action.VIEW)
    tokens, sent_starts = document_tokens(document)
    prediction = db.session.scalar(
        select(Annotation).where(
            Annotation.document_id == did, Annotation.kind == "prediction"
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


@route("/projects/<int:pid>/documents", "POST", tag="documents",
       form={"file": "the file to import", "format": "auto"})  # fmt: skip
def import_documents(pid: int) -> Any:
    """Import a file of documents (multipart)."""
    require(db.session, current_user(), pid, Action.MANAGE)
    raise _later("import")


@route("/projects/<int:pid>/next", tag="annotation")
def next_document(pid: int) -> Any:
    """The next document for the calling annotator."""
    require(db.session, current_user(), pid, Action.ANNOTATE)
    raise _later("the task queue")


@route("/documents/<int:did>/annotations/me", tag="annotation")
def get_my_annotation(did: int) -> Any:
    """The caller's own annotation of a document."""
    require_document(db.session, current_user(), did, Action.ANNOTATE)
    raise _later("annotation")


@route("/documents/<int:did>/annotations/me", "PUT", tag="annotation")
def put_my_annotation(did: int) -> Any:
    """Save the caller's own annotation (optimistic concurrency on version)."""
    require_document(db.session, current_user(), did, Action.ANNOTATE)
    raise _later("annotation")


@route("/projects/<int:pid>/agreement", tag="agreement")
def agreement(pid: int) -> Any:
    """The project's inter-annotator agreement report."""
    require(db.session, current_user(), pid, Action.VIEW_AGREEMENT)
    raise _later("agreement")


@route("/projects/<int:pid>/review-queue", tag="review")
def review_queue(pid: int) -> Any:
    """Documents needing review, most disagreement first."""
    require(db.session, current_user(), pid, Action.REVIEW)
    raise _later("the review queue")


@route("/documents/<int:did>/review", tag="review")
def review_document(did: int) -> Any:
    """Every annotator's spans of a document aligned, with votes."""
    require_document(db.session, current_user(), did, Action.REVIEW)
    raise _later("review")


@route("/documents/<int:did>/gold", tag="review")
def get_gold(did: int) -> Any:
    """The document's gold annotation."""
    require_document(db.session, current_user(), did, Action.REVIEW)
    raise _later("gold")


@route("/documents/<int:did>/gold", "PUT", tag="review")
def put_gold(did: int) -> Any:
    """Save the reviewer's adjudicated gold annotation."""
    require_document(db.session, current_user(), did, Action.REVIEW)
    raise _later("gold")


@route("/projects/<int:pid>/export", tag="export")
def export(pid: int) -> Any:
    """Download the project's corpus in a chosen format."""
    require(db.session, current_user(), pid, Action.EXPORT)
    raise _later("export")


@route("/jobs/<int:jid>", tag="jobs")
def get_job(jid: int) -> Any:
    """A background job's progress."""
    job = db.session.get(Job, jid)
    if job is None or job.project_id is None:
        raise NotFound(f"job {jid} not found")
    require(db.session, current_user(), job.project_id, Action.VIEW)
    raise _later("jobs")
