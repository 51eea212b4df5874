"""The annotation page: the next task, a document's text in windows of sentences, the
annotator's own spans, the model's suggestions, POS and coreference (edited by
static/annotate.js, saved through the API)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from textlabel.annotate import queue, service
from textlabel.annotate.queue import Progress
from textlabel.annotate.reading import annotation_payload
from textlabel.annotate.spans import UNIVERSAL_POS, Tokens
from textlabel.annotate.view import token_ranges, window_view
from textlabel.auth.permissions import Action, allowed, require, require_document
from textlabel.extensions import db
from textlabel.models import Annotation, Document, Project, User
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp


@bp.app_template_global("annotation_progress")
def annotation_progress(project: Project) -> Progress | None:
    """The signed-in annotator's progress in ``project`` (None if they may not annotate)."""
    user = current_user()
    if not allowed(db.session, user, project, Action.ANNOTATE):
        return None
    return queue.progress(db.session, project, user)


@bp.get("/projects/<int:pid>/annotate")
def annotate_next(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.ANNOTATE)
    annotation = queue.next_annotation(db.session, project, current_user())
    if annotation is None:
        flash("Nothing left to annotate in this project: every document has its annotators.")
        return redirect(url_for("pages.project", pid=pid))
    return redirect(url_for("pages.annotate_document", did=annotation.document_id))


def _ranges(tokens: Tokens, spans: list[dict[str, Any]]) -> list[list[Any]]:
    return [[s.start_token, s.end_token, s.label] for s in token_ranges(tokens, spans)]


def _others(document: Document, project: Project, user: User) -> list[dict[str, Any]]:
    """Other annotators' work, for open (non-blind) projects and those who may see it."""
    visible = service.visible_annotations(db.session, document, project, user)
    others = [a for a in visible if a.kind == "manual" and a.user_id != user.id]
    names = dict(
        db.session.execute(
            select(User.id, User.username).where(User.id.in_([a.user_id for a in others]))
        ).all()
    )
    return [
        {"user": names.get(a.user_id), "status": a.status, **annotation_payload(a)} for a in others
    ]


def _client_state(
    document: Document, project: Project, annotation: Annotation, tokens: Tokens
) -> dict[str, Any]:
    own = annotation_payload(annotation)
    prediction = service.prediction_of(db.session, document)
    predicted = annotation_payload(prediction) if prediction else None
    suggestions = []
    if predicted and project.has_layer("entities"):
        suggestions = [
            [*r, s["score"]]
            for r, s in zip(_ranges(tokens, predicted["spans"]), predicted["spans"], strict=True)
        ]
    stored = document.tokens or {}
    return {
        "document": document.id,
        "text": document.text,
        "version": annotation.version,
        "status": annotation.status,
        "offsets": stored.get("offsets", []),
        "sent_starts": stored.get("sent_starts", []),
        "layers": project.layers,
        "labels": [{"name": x.name, "color": x.color, "hotkey": x.hotkey} for x in project.labels],
        "entities": _ranges(tokens, own["spans"]),
        "suggestions": suggestions,
        "pos": own["pos"],
        "model_pos": predicted["pos"] if predicted else None,
        "chains": [[r[:2] for r in _ranges(tokens, chain)] for chain in own["coref"]],
        "upos": list(UNIVERSAL_POS),
        "urls": {
            "save": url_for("api.put_my_annotation", did=document.id),
            "next": url_for("pages.annotate_next", pid=project.id),
            "window": url_for("pages.annotate_document", did=document.id),
        },
    }


@bp.get("/documents/<int:did>/annotate")
def annotate_document(did: int) -> ResponseReturnValue:
    """The annotation page; with ``HX-Request`` only the text window ``?w=N``."""
    user = current_user()
    document, project = require_document(db.session, user, did, Action.ANNOTATE)
    annotation = queue.claim_document(db.session, document, project, user)
    tokens = service.ensure_tokens(db.session, document)
    entities = token_ranges(tokens, annotation_payload(annotation)["spans"])
    window = window_view(
        document.text,
        tokens,
        (document.tokens or {}).get("sent_starts", []),
        entities,
        number=request.args.get("w", 0, type=int) or 0,
        pages=document.meta.get("pages", []) if isinstance(document.meta, dict) else [],
    )
    colors = {label.name: label.color for label in project.labels}
    context: dict[str, Any] = {"document": document, "project": project, "window": window,
                               "colors": colors}  # fmt: skip
    if request.headers.get("HX-Request") != "true":
        context.update(
            annotation=annotation,
            state=_client_state(document, project, annotation, tokens),
            others=_others(document, project, user),
            progress=queue.progress(db.session, project, user),
        )
    return render("annotate/page.html", "annotate/_window.html", **context)
