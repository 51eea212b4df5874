"""Review pages: the queue, taking the next document, the adjudication view (edited by
static/review.js, saved through the gold API), per-annotator feedback, a document's history
and the review settings form.

The adjudication view shows the text in windows of whole sentences (the annotation page's
``windows``), swapped in with htmx: a 20,000-token document with three annotators would
otherwise be 80,000 token elements at once. Only the rows are windowed; the candidates and
the gold being decided live client-side for the whole document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from textlabel.annotate import store
from textlabel.annotate.view import Mark, WindowView, marks_in, marks_of, window_view, windows
from textlabel.auth.permissions import Action, require, require_document
from textlabel.errors import TextlabelError
from textlabel.extensions import db
from textlabel.models import Document, Project
from textlabel.projects.service import update_project
from textlabel.review import queue
from textlabel.review.feedback import project_feedback
from textlabel.review.gold import review_out
from textlabel.review.history import document_history
from textlabel.review.service import submitted_annotations
from textlabel.review.settings import check_settings, review_settings
from textlabel.tokens import Tokens
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx, render
from textlabel.web.pages import bp
from textlabel.web.textview import rows_html

# Every token is shown once per row (gold and each annotator), so a window holds fewer
# tokens than the annotation page's to keep the DOM of the same order.
REVIEW_WINDOW_TOKENS = 600

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
def review_start(pid: int) -> ResponseReturnValue:
    """Only shows: the queue, with its "Start reviewing" button. A GET takes no hold (a link
    from another site must not claim a document for whoever follows it)."""
    require(db.session, current_user(), pid, Action.REVIEW)
    filters: dict[str, Any] = {k: v for k, v in _filters().items() if k != "state" and v}
    return redirect(url_for("pages.review_queue_page", pid=pid, **filters))


@bp.post("/projects/<int:pid>/review/next")
def review_next(pid: int) -> ResponseReturnValue:
    """Holds the next document for the reviewer (the form of "Start reviewing" and "Next")."""
    project = require(db.session, current_user(), pid, Action.REVIEW)
    filters = _filters()
    document_id = queue.next_review(
        db.session, project, current_user(), label=filters["label"],
        annotator=filters["annotator"],
    )  # fmt: skip
    if document_id is None:
        flash("Nothing left to review: every consolidated document is reviewed or held.")
        return redirect(url_for("pages.review_queue_page", pid=pid), 303)
    return redirect(url_for("pages.review_document_page", did=document_id), 303)


def _window_size() -> int:
    return int(current_app.config.get("REVIEW_WINDOW_TOKENS", REVIEW_WINDOW_TOKENS))


def review_window(
    document: Document, tokens: Tokens, annotators: Sequence[tuple[str, list[Mark]]],
    *, number: int, colors: dict[str, str],
) -> tuple[WindowView, Markup]:  # fmt: skip
    """Window ``number`` of the adjudication rows: per sentence a gold row (painted by
    static/review.js from the client-side gold) and one row per annotator with their spans."""
    window = window_view(document.text, tokens, [], number=number, size=_window_size())
    rows = [("gold", {}), *((n, marks_in(s, window.first, window.last)) for n, s in annotators)]
    return window, rows_html(window, rows, colors)


def _annotator_rows(document: Document, tokens: Tokens) -> list[tuple[str, list[Mark]]]:
    return [
        (s.username, marks_of(tokens, s.payload.spans or ()))
        for s in submitted_annotations(db.session, document)
    ]


@bp.get("/documents/<int:did>/review")
def review_document_page(did: int) -> ResponseReturnValue:
    """The adjudication view (it shows; holding the document is the "Hold" form's POST).
    With ``HX-Request`` only the rows of text window ``?w=N``."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.REVIEW)
    number = request.args.get("w", 0, type=int) or 0
    context: dict[str, Any] = {"document": document, "project": project}
    colors = {label.name: label.color for label in project.labels}
    if is_htmx():
        tokens = store.tokens_of(document)
        context["window"], context["rows_html"] = review_window(
            document, tokens, _annotator_rows(document, tokens), number=number, colors=colors
        )
        return render("review/document.html", "review/_rows.html", **context)
    queue.catch_up(db.session, project)  # bookkeeping: the document's queue entry, if due
    db.session.commit()
    state = review_out(db.session, document, project)
    tokens = store.tokens_of(document)
    window, rows_html = review_window(
        document, tokens, _annotator_rows(document, tokens), number=number, colors=colors
    )
    state.update(
        tokens=tokens.to_stored(),
        labels=[{"name": x.name, "color": x.color, "hotkey": x.hotkey} for x in project.labels],
        layers=project.layers,
        categories=[{"name": x.name} for x in project.categories],
        cats_mode=project.cats_mode,
        me=user.username,
        windows=windows(tokens.sent_starts, len(tokens), size=_window_size()),
        urls={
            "gold": url_for("api.put_gold", did=document.id),
            "next": url_for("pages.review_next", pid=project.id),
            "queue": url_for("pages.review_queue_page", pid=project.id),
            "window": url_for("pages.review_document_page", did=document.id),
        },
    )
    return render(
        "review/document.html", "review/_rows.html", state=state, review=state["review"],
        window=window, rows_html=rows_html, **context,
    )  # fmt: skip


@bp.post("/documents/<int:did>/review/hold")
def review_hold(did: int) -> ResponseReturnValue:
    """Holds an open document for the caller, unless another reviewer holds it."""
    document, project = require_document(db.session, current_user(), did, Action.REVIEW)
    if not queue.hold(db.session, project, document.id, current_user()):
        flash(f"Document {document.id} is not open to review or another reviewer holds it.",
              "error")  # fmt: skip
    return redirect(url_for("pages.review_document_page", did=did), 303)


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
