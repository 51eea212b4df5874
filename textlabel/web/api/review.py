"""Review: the queue, taking the next document, the adjudication view, gold, the review
settings, per-annotator feedback and a document's history."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, jsonify

from textlabel.annotate.service import AnnotationInput
from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.projects.service import update_project
from textlabel.review import queue
from textlabel.review.changes import Change, readable_history
from textlabel.review.feedback import feedback_out, project_feedback
from textlabel.review.gold import gold_out, review_out, save_gold
from textlabel.review.history import document_history
from textlabel.review.settings import check_settings, review_settings
from textlabel.schemas.review import (
    ChangeOut,
    ChangesQuery,
    FeedbackOut,
    GoldIn,
    GoldOut,
    HistoryOut,
    NextQuery,
    NextReviewOut,
    QueueOut,
    QueueQuery,
    ReviewDocumentOut,
    ReviewSettingsIO,
)
from textlabel.web.api import route
from textlabel.web.guard import current_user, require_csrf


@route("/projects/<int:pid>/review-queue", tag="review", query=QueueQuery(), response=QueueOut(),
       allow=Action.REVIEW)  # fmt: skip
def review_queue(project: Project, args: dict[str, Any]) -> dict[str, Any]:
    """Documents needing review, most disagreement (lowest score) first, with counts.

    `state` picks open (default), reviewed, auto_accepted or all; `label` keeps documents
    with a disputed span of that label, `annotator` those the annotator took part in."""
    state = None if args["state"] == "all" else args["state"]
    entries = queue.queue_entries(
        db.session, project, state=state, label=args["label"], annotator=args["annotator"]
    )
    counts = queue.queue_counts(db.session, project)
    return {"counts": asdict(counts), "items": [asdict(e) for e in entries]}


@route("/projects/<int:pid>/review-queue/next", tag="review", query=NextQuery(),
       response=NextReviewOut(), allow=Action.REVIEW)  # fmt: skip
def next_review(project: Project, args: dict[str, Any]) -> dict[str, Any]:
    """Take the next document to adjudicate (like `/next` for annotators).

    The one the caller already holds, else the open document with the lowest agreement that
    no other reviewer holds; two reviewers asking at once never get the same document.
    A browser session sends ``X-CSRFToken``."""
    require_csrf()  # it holds: a GET a cross-site link could trigger
    document_id = queue.next_review(db.session, project, current_user(), **args)
    return {"document_id": document_id}


@route("/documents/<int:did>/review", tag="review", response=ReviewDocumentOut(),
       allow=Action.REVIEW)  # fmt: skip
def review_document(document: Document, project: Project) -> Response:
    """Every annotator's submitted work aligned, with candidates and their votes.

    Spans, POS tags and coreference links each carry `votes`, `voters` and whether the
    project's share (`min_share`) accepts them; `draft` is what consolidation accepts,
    `gold` the saved decision with `info.decisions` (who decided what)."""
    return jsonify(review_out(db.session, document, project))


@route("/documents/<int:did>/gold", tag="review", response=GoldOut(), allow=Action.REVIEW)
def get_gold(document: Document, project: Project) -> Response:
    """The document's gold annotation with its version (version 0 before one exists)."""
    return jsonify(gold_out(db.session, document))


@route("/documents/<int:did>/gold", "PUT", tag="review", body=GoldIn(), response=GoldOut(),
       allow=Action.REVIEW, errors=(409,))  # fmt: skip
def put_gold(document: Document, project: Project, data: dict[str, Any]) -> Response:
    """Save the reviewer's adjudicated gold (same shape as `annotations/me`).

    Version 0 creates it; a stale version answers 409 with the current one in
    `details.version`; the document leaves the queue as reviewed. Open candidates (POS
    tokens without a majority tag, links the share did not accept) that the gold leaves as
    the draft had them are refused (422 `undecided`, counts in `details`) unless the body
    lists the ones left undecided in `undecided` ([] lets the gold decide them)."""
    save_gold(db.session, document, project, AnnotationInput.from_json(data),
              user=current_user(), undecided=data.get("undecided"))  # fmt: skip
    return jsonify(gold_out(db.session, document))


@route("/projects/<int:pid>/review-settings", tag="review", response=ReviewSettingsIO(),
       allow=Action.REVIEW)  # fmt: skip
def get_review_settings(project: Project) -> dict[str, Any]:
    """The consolidation share and the auto-accept rule of the project."""
    return asdict(review_settings(project.settings))


@route("/projects/<int:pid>/review-settings", "PUT", tag="review", body=ReviewSettingsIO(),
       response=ReviewSettingsIO(), allow=Action.MANAGE)  # fmt: skip
def put_review_settings(project: Project, data: dict[str, Any]) -> dict[str, Any]:
    """Change the consolidation share (`min_share`: 0.5 majority, 1 unanimity) and the
    auto-accept rule (`auto_accept`: unanimous, threshold with `threshold`, or off)."""
    settings = check_settings(base=review_settings(project.settings), **data)
    update_project(db.session, project, current_user(), settings=settings.as_settings())
    return asdict(settings)


@route("/projects/<int:pid>/feedback", tag="review", response=FeedbackOut(many=True),
       allow=Action.MANAGE)  # fmt: skip
def feedback(project: Project) -> list[dict[str, Any]]:
    """Per annotator: precision, recall and F1 of their submitted spans against gold, overall
    and per label (exact matches), over the documents that have gold."""
    return feedback_out(project_feedback(db.session, project))


@route("/documents/<int:did>/history", tag="review", response=HistoryOut(many=True),
       allow=Action.REVIEW)  # fmt: skip
def history(document: Document, project: Project) -> list[dict[str, Any]]:
    """The document's audit trail: who changed which annotation or gold, when, before and
    after."""
    return [asdict(e) for e in document_history(db.session, document)]


@route("/documents/<int:did>/changes", tag="review", query=ChangesQuery(),
       response=ChangeOut(many=True), allow=Action.VIEW_OTHERS)  # fmt: skip
def changes(document: Document, project: Project, args: dict[str, Any]) -> list[Change]:
    """The document's history as readable diffs: per save (autosaves by one person merged),
    the words and labels added and removed, who and when; `user` and `match` filter them."""
    return readable_history(db.session, document, user=args["user"], match=args["match"])
