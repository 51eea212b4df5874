"""The read-only document page for managers and reviewers (no draft is created)."""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from textlabel.auth.permissions import Action, actions_for, require_document
from textlabel.extensions import db
from textlabel.review.changes import people_in, readable_history
from textlabel.review.overview import (
    ENTITY_ROWS,
    chains_in_words,
    document_sources,
    entity_rows,
    segments,
)
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp


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
        changes=readable_history(db.session, document, user=who),
        people=people_in(db.session, document),
        who=who,
        colors={label.name: label.color for label in project.labels},
    )
