"""The annotation page: the next task, a document's text in windows of sentences, the
annotator's own spans, the model's suggestions, POS and coreference (edited by
static/annotate.js, saved through the API)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from sqlalchemy import select

from textlabel.annotate import queue, service, store
from textlabel.annotate.checks import UNIVERSAL_POS
from textlabel.annotate.payload import Payload
from textlabel.annotate.queue import Progress
from textlabel.annotate.view import WINDOW_TOKENS, marks_of, window_view, windows
from textlabel.auth.permissions import Action, allowed, require, require_document
from textlabel.errors import Conflict
from textlabel.extensions import db
from textlabel.models import Annotation, Document, Project, User
from textlabel.projects.guidelines import render_guidelines
from textlabel.review.service import gold_of
from textlabel.tokens import Tokens
from textlabel.web.guard import current_user
from textlabel.web.htmx import is_htmx, render
from textlabel.web.pages import bp
from textlabel.web.textview import layers_json, window_html


@bp.app_template_global("annotation_progress")
def annotation_progress(project: Project) -> Progress | None:
    """The signed-in annotator's progress in ``project`` (None if they may not annotate)."""
    user = current_user()
    if not allowed(db.session, user, project, Action.ANNOTATE):
        return None
    return queue.progress(db.session, project, user)


@bp.app_template_global("guidelines_of")
def guidelines_of(project: Project) -> Markup:
    """The project's guidelines as HTML, for the side card, the help and the overlay."""
    # Safe: the renderer escapes raw HTML in the Markdown (projects/guidelines.py).
    return Markup(render_guidelines(project.guidelines))


def _has_documents(project: Project) -> bool:
    first = select(Document.id).where(Document.project_id == project.id).limit(1)
    return db.session.scalar(first) is not None


@bp.get("/projects/<int:pid>/annotate")
def annotate_start(pid: int) -> ResponseReturnValue:
    """Only shows: the annotator's unfinished draft, else the project page with its "Start
    annotating" button. A GET never hands out work (a link from another site must not claim
    a document for whoever follows it)."""
    project = require(db.session, current_user(), pid, Action.ANNOTATE)
    draft = queue.own_draft(db.session, project, current_user())
    if draft is not None:
        return redirect(url_for("pages.annotate_document", did=draft.document_id))
    return redirect(url_for("pages.project", pid=pid) + "#start-annotating")


@bp.post("/projects/<int:pid>/annotate")
def annotate_next(pid: int) -> ResponseReturnValue:
    """Hands out the next task (the form of "Start annotating" and of Submit's "next")."""
    project = require(db.session, current_user(), pid, Action.ANNOTATE)
    annotation = queue.next_annotation(db.session, project, current_user())
    if annotation is None:
        if _has_documents(project):
            flash("Nothing left for you here: every document has its annotators, or you have "
                  "done yours.")  # fmt: skip
        else:
            flash("This project has no documents yet.")
        return redirect(url_for("pages.project", pid=pid), 303)
    return redirect(url_for("pages.annotate_document", did=annotation.document_id), 303)


def _others(document: Document, project: Project, user: User) -> list[dict[str, Any]]:
    """Other annotators' work, for open (non-blind) projects and those who may see it."""
    visible = service.visible_annotations(db.session, document, project, user)
    others = [a for a in visible if a.kind == "manual" and a.user_id != user.id]
    names = dict(
        db.session.execute(
            select(User.id, User.username).where(User.id.in_([a.user_id for a in others]))
        ).all()
    )
    payloads = store.read_many(
        db.session, [a.id for a in others], pos={a.id: a.pos for a in others}
    )
    return [
        {"user": names.get(a.user_id or 0), "status": a.status, **payloads[a.id].to_json()}
        for a in others
    ]


def _client_state(
    document: Document, project: Project, annotation: Annotation, own: Payload, tokens: Tokens
) -> dict[str, Any]:
    """What static/annotate.js starts from: the stored tokens, the annotator's own layers by
    layer name and the model's prediction in the API's JSON (textview.js's ``LAYERS`` read
    them), labels, and where to save."""
    prediction = service.prediction_of(db.session, document)
    predicted = store.read(db.session, prediction) if prediction else None
    return {
        "document": document.id,
        "text": document.text,
        "version": annotation.version,
        "status": annotation.status,
        "tokens": tokens.to_stored(),
        "windows": windows(tokens.sent_starts, len(tokens), size=_window_size()),
        "layers": project.layers,
        "labels": [{"name": x.name, "color": x.color, "hotkey": x.hotkey} for x in project.labels],
        "relation_labels": [
            {
                "name": x.name,
                "color": x.color,
                "hotkey": x.hotkey,
                "heads": x.heads,
                "children": x.children,
                "directed": x.directed,
            }
            for x in project.relation_labels
        ],
        "categories": [{"name": x.name, "hotkey": x.hotkey} for x in project.categories],
        "cats_mode": project.cats_mode,
        "span_labels": [
            {"name": x.name, "color": x.color, "hotkey": x.hotkey} for x in project.span_labels
        ],
        "span_overlap": project.span_overlap,
        **layers_json(own),
        "model": layers_json(predicted) if predicted else {},
        "upos": list(UNIVERSAL_POS),
        "urls": {
            "save": url_for("api.put_my_annotation", did=document.id),
            "next": url_for("pages.annotate_next", pid=project.id),
            "window": url_for("pages.annotate_document", did=document.id),
        },
    }


def _window_size() -> int:
    return int(current_app.config.get("ANNOTATE_WINDOW_TOKENS", WINDOW_TOKENS))


@bp.get("/documents/<int:did>/annotate")
def annotate_document(did: int) -> ResponseReturnValue:
    """The annotation page; with ``HX-Request`` only the text window ``?w=N``."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.ANNOTATE)
    annotation = queue.own_annotation(db.session, document, user)
    if annotation is None:  # show first; taking the document is the form's POST
        if is_htmx():
            raise Conflict(f"document {document.id} is not yours yet; reload the page")
        progress = queue.progress(db.session, project, user)
        return render("annotate/claim.html", "annotate/claim.html", document=document,
                      project=project, progress=progress)  # fmt: skip
    tokens = store.tokens_of(document)
    own = store.read(db.session, annotation)
    window = window_view(
        document.text,
        tokens,
        marks_of(tokens, own.spans or ()),
        number=request.args.get("w", 0, type=int) or 0,
        pages=document.pages or [],
        size=_window_size(),
    )
    colors = {label.name: label.color for label in project.labels}
    context: dict[str, Any] = {
        "document": document,
        "project": project,
        "window": window,
        "colors": colors,
        "tokens_html": window_html(window, colors),
    }
    if not is_htmx():
        context.update(
            annotation=annotation,
            state=_client_state(document, project, annotation, own, tokens),
            others=_others(document, project, user),
            progress=queue.progress(db.session, project, user),
            gold_by=_reviewed_by(document),
            guidelines_html=guidelines_of(project),
        )
    return render("annotate/page.html", "annotate/_window.html", **context)


def _reviewed_by(document: Document) -> str | None:
    """Who decided the document's gold, when a reviewer did: a submission after that no
    longer changes it (automatic gold follows the submissions, so it does not count)."""
    gold = gold_of(db.session, document.id)
    info = (gold.info or {}) if gold is not None else {}
    if gold is None or info.get("auto_accepted"):
        return None
    return str(info.get("decided_by") or "a reviewer")


@bp.post("/documents/<int:did>/annotate")
def annotate_claim(did: int) -> ResponseReturnValue:
    """Takes a free slot of this document for the caller (409 when it has its annotators)."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.ANNOTATE)
    queue.claim_document(db.session, document, project, user)
    return redirect(url_for("pages.annotate_document", did=did), 303)
