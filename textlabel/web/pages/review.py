"""Review pages: the queue, taking the next document, the adjudication view (edited by
static/review.js, saved through the gold API), per-annotator feedback, a document's history
and the review settings form."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, require, require_document
from textlabel.errors import TextlabelError
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.projects.service import update_project
from textlabel.review import queue
from textlabel.review.feedback import project_feedback
from textlabel.review.gold import review_out
from textlabel.review.history import document_history
from textlabel.review.settings import check_settings, review_settings
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp

STATES = {"open": "to review", "reviewed": "reviewed", "auto_accepted": "auto-accepted",
          "all": "all"}  # fmt: skip


@bp.app_template_global("review_settings_of")
def review_settings_of(project: Project) -> dict[str, Any]:
    """The project's review settings, for the settings page's form."""
    return asdict(review_settings(project.settings))


def _filters() -> dict[str, str | None]:
    args = request.args
    state = args.get("state", "open")
    return {
        "state": state if state in STATES else "open",
        "label": args.get("label") or None,
        "annotator": args.get("annotator") or None,
    }


@bp.get("/projects/<int:pid>/review")
def review_queue_page(pid: int) -> ResponseReturnValue:
    """The queue with counts and filters; with ``HX-Request`` only the table."""
    project = require(db.session, current_user(), pid, Action.REVIEW)
    filters = _filters()
    state = None if filters["state"] == "all" else filters["state"]
    entries = queue.queue_entries(
        db.session, project, state=state, label=filters["label"], annotator=filters["annotator"]
    )
    everyone = queue.queue_entries(db.session, project, state=None)
    return render(
        "review/queue.html",
        "review/_queue_table.html",
        project=project,
        entries=entries,
        counts=queue.queue_counts(db.session, project),
        filters=filters,
        states=STATES,
        annotators=sorted({name for e in everyone for name in e.annotators}),
    )


@bp.get("/projects/<int:pid>/review/next")
def review_next(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.REVIEW)
    filters = _filters()
    document_id = queue.next_review(
        db.session, project, current_user(), label=filters["label"],
        annotator=filters["annotator"],
    )  # fmt: skip
    if document_id is None:
        flash("Nothing left to review: every consolidated document is reviewed or held.")
        return redirect(url_for("pages.review_queue_page", pid=pid))
    return redirect(url_for("pages.review_document_page", did=document_id))


@bp.get("/documents/<int:did>/review")
def review_document_page(did: int) -> ResponseReturnValue:
    """The adjudication view; opening an open document nobody holds takes it."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.REVIEW)
    queue.catch_up(db.session, project)
    queue.try_claim(db.session, document.id, user)
    db.session.commit()
    state = review_out(db.session, document, project)
    state.update(
        labels=[{"name": x.name, "color": x.color, "hotkey": x.hotkey} for x in project.labels],
        layers=project.layers,
        me=user.username,
        urls={
            "gold": url_for("api.put_gold", did=document.id),
            "next": url_for("pages.review_next", pid=project.id),
            "queue": url_for("pages.review_queue_page", pid=project.id),
        },
    )
    return render(
        "review/document.html", "review/document.html", document=document, project=project,
        state=state, review=state["review"],
    )  # fmt: skip


@bp.post("/documents/<int:did>/review/release")
def review_release(did: int) -> ResponseReturnValue:
    document, project = require_document(db.session, current_user(), did, Action.REVIEW)
    queue.release(db.session, document.id, current_user())
    flash(f"Document {document.id} is back in the queue.")
    return redirect(url_for("pages.review_queue_page", pid=project.id))


@bp.get("/documents/<int:did>/history")
def document_history_page(did: int) -> ResponseReturnValue:
    document, project = require_document(db.session, current_user(), did, Action.REVIEW)
    entries = document_history(db.session, document)
    return render("review/history.html", "review/history.html", document=document,
                  project=project, entries=entries)  # fmt: skip


@bp.get("/projects/<int:pid>/feedback")
def feedback_page(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    scores = project_feedback(db.session, project)
    labels = sorted({label for s in scores for label in s.per_label})
    return render("review/feedback.html", "review/feedback.html", project=project,
                  scores=scores, labels=labels)  # fmt: skip


@bp.post("/projects/<int:pid>/review/settings")
def review_settings_form(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    form = request.form
    try:
        settings = check_settings(
            base=review_settings(project.settings),
            min_share=float(form.get("min_share", "0.5")),
            auto_accept=form.get("auto_accept") or None,
            threshold=float(form.get("threshold", "0.9")),
        )
    except (TextlabelError, ValueError) as e:
        flash(getattr(e, "message", "review settings must be numbers"), "error")
    else:
        update_project(db.session, project, current_user(), settings=settings.as_settings())
        flash("Review settings saved.")
    return redirect(url_for("pages.project_settings", pid=pid) + "#review-settings")
