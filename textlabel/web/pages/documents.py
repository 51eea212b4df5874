"""The read-only document page for managers and reviewers (no draft is created)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import ValidationError

from textlabel.auth.permissions import Action, actions_for, require, require_document
from textlabel.errors import TextlabelError
from textlabel.export.registry import FORMATS, SOURCES
from textlabel.extensions import db
from textlabel.models import Project, User
from textlabel.projects.bulk import BulkResult, run_bulk
from textlabel.projects.documents import DocumentPage, list_documents
from textlabel.projects.search import SORTS, DocumentFilters, check_filters
from textlabel.projects.status import STATUSES
from textlabel.review import queue
from textlabel.review.changes import people_in, readable_history
from textlabel.review.overview import (
    ENTITY_ROWS,
    chains_in_words,
    document_sources,
    entity_rows,
    segments,
)
from textlabel.schemas.documents import DocumentListQuery
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp

FILTERS = ("q", "status", "annotator", "label", "gold", "archived", "meta", "agreement_below",
           "sort")  # fmt: skip
# The pager's next and previous links carry a keyset cursor (``after`` / ``before``, with the
# id sorts) beside the page number shown, "last" reads the final page from the end (``last``):
# deep pages cost what the first does. A bare ``?page=N`` (an old link) still pages by offset.
PAGING = ("page", "after", "before", "last")
SORT_NAMES = {"id": "oldest first", "-id": "newest first", "length": "shortest first",
              "-length": "longest first"}  # fmt: skip


def document_list(project: Project, user: User) -> dict[str, Any]:
    """The project page's document list as the query string asks for it (search, filters,
    sort, page and its cursor): the template context, with ``search_error`` naming a
    refused value."""
    given = {k: v for k, v in request.args.items() if k in (*FILTERS, *PAGING) and v != ""}
    error = None
    try:
        args = DocumentListQuery().load(given)
        filters = DocumentFilters(**{k: args[k] for k in FILTERS})
        check_filters(db.session, user, project, filters)
        if filters.agreement_below is not None:
            queue.catch_up(db.session, project)  # the filter reads the review scores
        page = min(args["page"], 2**31 - 1)  # beyond, PostgreSQL's OFFSET overflows
        documents = list_documents(db.session, project, page=page, per_page=50, filters=filters,
                                   after=args["after"], before=args["before"],
                                   last=args["last"])  # fmt: skip
    except ValidationError as e:
        error = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in e.messages_dict.items())
    except TextlabelError as e:
        db.session.rollback()
        error = e.message
    if error is not None:
        filters = DocumentFilters()
        documents = DocumentPage(items=[], page=1, per_page=50, total=0)
    search = {k: v for k, v in given.items() if k not in PAGING}
    return {
        "documents": documents,
        "search": search,
        "pager": _pager(documents, search, filters),
        "search_error": error,
        "filtered": bool(search),
        "statuses": STATUSES,
        "sorts": {key: SORT_NAMES[key] for key in SORTS},
        "annotators": sorted(
            m.user.username for m in project.memberships if m.role == "annotator"
        ),  # fmt: skip
    }


def _pager(page: DocumentPage, search: dict[str, str], filters: DocumentFilters) -> Any:
    """The query arguments of the pager's links (beside the page number): the search and,
    sorted by id, a keyset cursor from this page's first and last rows for previous and
    next, and ``last`` for the final page (offered when the total is exact). The first page
    is offset 0: no link here makes the database skip rows."""
    prev, next_ = dict(search), dict(search)
    last = None
    if page.items and filters.sort in ("id", "-id"):
        prev["before"], next_["after"] = str(page.items[0].id), str(page.items[-1].id)
        if page.total_exact and page.page < page.pages:
            last = {**search, "last": "1"}
    first = dict(search) if page.page > 1 else None
    return SimpleNamespace(prev=prev, next=next_, first=first, last=last)


@bp.get("/documents/<int:did>/view")
def document_view(did: int) -> ResponseReturnValue:
    """Text highlighted by one chosen annotation, every visible annotation's entities side by
    side, coreference chains in words, and the history as readable changes (``?who=``)."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.VIEW_OTHERS)
    sources = document_sources(db.session, document, project, user)
    keys = [s.key for s in sources]
    default = "gold" if "gold" in keys else (keys[0] if keys else None)
    shown_key = request.args.get("show") if request.args.get("show") in keys else default
    shown = next((s for s in sources if s.key == shown_key), None)
    who = request.args.get("who") or None
    match = request.args.get("match", "")[:200]
    rows = entity_rows(document.text, sources)
    return render(
        "documents/view.html",
        "documents/_history.html",
        document=document,
        project=project,
        can=actions_for(db.session, user, project),
        Action=Action,
        sources=sources,
        shown=shown,
        segments=segments(document.text, shown),
        rows=rows[:ENTITY_ROWS],
        more_rows=max(0, len(rows) - ENTITY_ROWS),
        chains={s.key: chains_in_words(document.text, s) for s in sources},
        changes=readable_history(db.session, document, user=who, match=match),
        people=people_in(db.session, document),
        who=who,
        match=match,
        colors={label.name: label.color for label in project.labels},
    )


def _summary(result: BulkResult) -> str:
    """What a bulk action did or would do, in a sentence."""
    if result.action == "assign":
        parts = [f"{n} to {name}" for name, n in result.assigned.items()]
        text = f"assign {', '.join(parts) or 'nothing'} of {result.documents} documents"
        if any(result.already.values()):
            had = ", ".join(f"{name} {n}" for name, n in result.already.items() if n)
            text += f" (already had: {had})"
        if result.full:
            text += f"; {len(result.full)} already have all their annotators"
        return text
    if result.action in ("archive", "unarchive"):
        return _archive_summary(result)
    kinds = ", ".join(f"{n} {kind}" for kind, n in result.annotations.items()) or "none"
    what = "delete" if result.action == "delete" else "reset"
    plural = "" if result.documents == 1 else "s"
    comments = f" and {result.comments} comments" if result.comments else ""
    return (f"{what} {result.documents} document{plural}, removing annotations: {kinds} "
            f"({result.entities} entities){comments}")  # fmt: skip


def _archive_summary(result: BulkResult) -> str:
    n, plural = len(result.changed), "" if len(result.changed) == 1 else "s"
    same = result.documents - n
    if result.action == "unarchive":
        text = (f"unarchive {n} document{plural}: back in the annotation queue, agreement, the "
                "review queue and exports, open to saves")  # fmt: skip
        return text + (f" ({same} not archived)" if same else "")
    kept = ", ".join(f"{k} {v}" for k, v in sorted(result.annotations.items())) or "none"
    text = (f"archive {n} document{plural}: read-only (saves refused) and out of the annotation "
            f"queue, agreement, the review queue and exports; nothing is removed (annotations "
            f"kept: {kept})")  # fmt: skip
    if result.drafts:
        who = ", ".join(f"{name} {k}" for name, k in sorted(result.drafts.items()))
        text += f"; unfinished drafts wait until it is unarchived: {who}"
    if result.in_review:
        text += f"; {result.in_review} open in the review queue"
    return text + (f" ({same} already archived)" if same else "")


@bp.post("/projects/<int:pid>/documents/bulk")
def bulk_documents_form(pid: int) -> ResponseReturnValue:
    """A selection from the document list: first a page saying what the action will do,
    then (``confirm``) the action itself; export goes to the download with the selection."""
    project = require(db.session, current_user(), pid, Action.MANAGE)
    form = request.form
    action = form.get("action", "")
    ids = [int(i) for i in form.getlist("ids") if i.isdigit()]
    annotators = form.getlist("annotators")
    if action == "export":
        return render_template("projects/bulk_confirm.html", project=project, action=action,
                               ids=ids, formats=sorted(FORMATS), sources=list(SOURCES),
                               summary=f"export {len(ids)} documents")  # fmt: skip
    confirmed = form.get("confirm") == "1"
    try:
        result = run_bulk(db.session, project, current_user(), action=action, ids=ids,
                          annotators=annotators, preview=not confirmed)  # fmt: skip
    except TextlabelError as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("pages.project", pid=pid))
    if confirmed:
        flash(f"Done: {_summary(result)}.")
        return redirect(url_for("pages.project", pid=pid))
    return render_template("projects/bulk_confirm.html", project=project, action=action,
                           ids=ids, annotators=annotators, result=result,
                           summary=_summary(result))  # fmt: skip
