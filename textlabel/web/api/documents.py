"""Documents: the paged list of a project's documents and one document with its tokens."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from textlabel.annotate.reading import document_out
from textlabel.annotate.service import prediction_of
from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.projects.bulk import BulkResult, run_bulk
from textlabel.projects.documents import DocumentPage, list_documents
from textlabel.projects.search import DocumentFilters, check_filters
from textlabel.review import queue
from textlabel.schemas.documents import (
    ArchiveQuery,
    BulkIn,
    BulkOut,
    DeleteQuery,
    DocumentListQuery,
    DocumentOut,
    DocumentPageOut,
)
from textlabel.web.api import route
from textlabel.web.guard import current_user


@route("/projects/<int:pid>/documents", tag="documents", query=DocumentListQuery(),
       response=DocumentPageOut(), allow=Action.VIEW)  # fmt: skip
def list_project_documents(project: Project, args: dict[str, Any]) -> DocumentPage:
    """A page of the project's documents with per-document status, searched (``q``: whole
    words, full-text index), filtered and sorted; ``?after=ID`` / ``?before=ID`` page by key,
    ``?last=true`` reads the final page from the end."""
    paging = {key: args.pop(key) for key in ("page", "per_page", "after", "before", "last")}
    filters = DocumentFilters(**args)
    check_filters(db.session, current_user(), project, filters)
    if filters.agreement_below is not None:
        queue.catch_up(db.session, project)  # the filter reads the documents' review scores
    return list_documents(db.session, project, filters=filters, **paging)


@route("/documents/<int:did>", tag="documents", response=DocumentOut(), allow=Action.VIEW)
def get_document(document: Document, project: Project) -> Response:
    """A document's text, tokens, meta and the model's predictions."""
    # Already in DocumentOut's shape: dumping every token through marshmallow cost more
    # than the rest of the request.
    return jsonify(document_out(db.session, document, prediction_of(db.session, document)))


@route("/projects/<int:pid>/documents/bulk", "POST", tag="documents", body=BulkIn(),
       response=BulkOut(), allow=Action.MANAGE)  # fmt: skip
def bulk_documents(project: Project, data: dict[str, Any]) -> BulkResult:
    """Assign, reset or delete a selection of documents (managers); ``preview`` first says
    what would be removed or created. Audited."""
    return run_bulk(db.session, project, current_user(), **data)


@route("/documents/<int:did>/archive", "POST", tag="documents", query=ArchiveQuery(),
       response=BulkOut(), allow=Action.MANAGE)  # fmt: skip
def archive_document(document: Document, project: Project, args: dict[str, Any]) -> BulkResult:
    """Archive one document (managers): read-only (saves answer 409), out of the annotation
    queue, agreement, the review queue and exports, still listed and readable; nothing is
    removed. ``preview=true`` first says what it affects (annotations kept, unfinished
    drafts, open review). Audited (``documents.archive``)."""
    return run_bulk(db.session, project, current_user(), action="archive", ids=[document.id],
                    preview=args["preview"])  # fmt: skip


@route("/documents/<int:did>/unarchive", "POST", tag="documents", query=ArchiveQuery(),
       response=BulkOut(), allow=Action.MANAGE)  # fmt: skip
def unarchive_document(document: Document, project: Project, args: dict[str, Any]) -> BulkResult:
    """Bring an archived document back into the queues, agreement and exports (managers).
    Audited (``documents.unarchive``)."""
    return run_bulk(db.session, project, current_user(), action="unarchive", ids=[document.id],
                    preview=args["preview"])  # fmt: skip


@route("/documents/<int:did>", "DELETE", tag="documents", query=DeleteQuery(),
       response=BulkOut(), allow=Action.MANAGE, errors=(409,))  # fmt: skip
def delete_document(document: Document, project: Project, args: dict[str, Any]) -> BulkResult:
    """Delete one document with its annotations, gold, review state and comments (managers);
    ``preview=true`` first says what would be removed. Audited (``documents.delete``)."""
    return run_bulk(db.session, project, current_user(), action="delete", ids=[document.id],
                    preview=args["preview"])  # fmt: skip
