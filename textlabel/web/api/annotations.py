"""The task queue and the caller's own annotations.

These views answer with ``jsonify`` of payloads already in the documented shape (the
``response`` schemas stay for the OpenAPI document): dumping hundreds of spans through
marshmallow would cost more than the save itself.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Response, jsonify
from sqlalchemy import select

from textlabel.annotate import queue, service, suggestions
from textlabel.annotate.payload import Payload, relation_json
from textlabel.annotate.reading import annotation_out, document_out
from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Document, Project, User
from textlabel.records import RelationRecord
from textlabel.schemas.annotations import (
    AcceptChainsIn,
    AcceptChainsOut,
    AnnotationIn,
    AnnotationOut,
    NextOut,
)
from textlabel.web.api import route
from textlabel.web.guard import current_user, own_annotation_read, require_csrf


@route("/projects/<int:pid>/next", tag="annotation", response=NextOut(), allow=Action.ANNOTATE)
def next_document(project: Project) -> Response:
    """The next document for the calling annotator.

    Their own unfinished draft first, then a document still short of its ``overlap``
    annotators that they have not had, then documents they skipped (oldest skip first).
    ``document`` is null when nothing is left. A browser session sends ``X-CSRFToken``."""
    require_csrf()  # it claims: a GET a cross-site link could trigger
    user = current_user()
    annotation = queue.next_annotation(db.session, project, user)
    out: dict[str, Any] = {"document": None, "annotation": None}
    if annotation is not None:
        document = db.session.get_one(Document, annotation.document_id)
        out["document"] = document_out(
            db.session, document, service.prediction_of(db.session, document)
        )
        out["annotation"] = annotation_out(
            db.session, annotation, document=document, user=user.username
        )
    out["progress"] = asdict(queue.progress(db.session, project, user))
    return jsonify(out)


@route("/documents/<int:did>/annotations/me", tag="annotation", response=AnnotationOut(),
       allow=Action.ANNOTATE)  # fmt: skip
def get_my_annotation(document: Document, project: Project) -> Response:
    """The caller's own annotation of a document (version 0 and empty when none is stored)."""
    user = current_user()
    annotation = service.own_annotation(db.session, document, user)
    return jsonify(annotation_out(db.session, annotation, document=document, user=user.username))


@route("/documents/<int:did>/annotations/me", "PUT", tag="annotation", body=AnnotationIn(),
       response=AnnotationOut(), allow=Action.ANNOTATE, errors=(409,),
       optimistic=True, own_annotation=True)  # fmt: skip
def put_my_annotation(document: Document, project: Project, data: dict[str, Any]) -> Response:
    """Save the caller's own annotation (optimistic concurrency on version).

    Spans are snapped to token boundaries; an unknown label, overlapping entities or a span
    outside the text answer 422 naming the span; a stale ``version`` answers 409 with the
    current one in ``details.version``. Version 0 claims the document if it has a free slot.
    ``spans``, ``pos``, ``coref``, ``relations``, ``cats`` or ``span_cats`` omitted (or null)
    keep what is stored; relations whose entity the save deletes are removed and listed in
    ``removed_relations``."""
    user = current_user()
    read = own_annotation_read(document.id)
    annotation = read.annotation if read else service.own_annotation(db.session, document, user)
    if annotation is None:
        annotation = queue.claim_document(db.session, document, project, user)
        if data["version"] == 0:
            data["version"] = annotation.version
    dropped: list[RelationRecord] = []
    holds: list[Payload] = []
    saved = service.save_annotation(
        db.session,
        annotation,
        service.AnnotationInput.from_json(data),
        user=user,
        dropped=dropped,
        holds=holds,
        label_names=read.label_names if read else None,
    )
    out = annotation_out(db.session, saved, document=document, user=user.username, payload=holds[0])
    if dropped:  # their entity was deleted: say so, the client shows a notice
        out["removed_relations"] = [relation_json(r) for r in dropped]
    return jsonify(out)


@route("/documents/<int:did>/annotations/me/accept-chains", "POST", tag="annotation",
       body=AcceptChainsIn(), response=AcceptChainsOut(), allow=Action.ANNOTATE,
       errors=(409,))  # fmt: skip
def accept_chains(document: Document, project: Project, data: dict[str, Any]) -> Response:
    """Add the model's coreference chains of confidence >= ``min_confidence`` (default 0.8)
    to the caller's own annotation.

    The confidence is calibrated (about that share of such chains were right whole on held-out
    text). A model chain that shares a mention with one of the caller's chains is left out
    whole; a stale ``version`` answers 409, a document without a model prediction 422.
    ``accepted`` counts the chains added (0: nothing was saved)."""
    user = current_user()
    annotation = service.own_annotation(db.session, document, user)
    version = data["version"]
    if annotation is None:
        annotation = queue.claim_document(db.session, document, project, user)
        if version == 0:
            version = annotation.version
    accepted = suggestions.accept_confident_chains(
        db.session,
        annotation,
        document,
        version=version,
        min_confidence=data["min_confidence"],
        user=user,
    )
    out = annotation_out(db.session, accepted.annotation, document=document, user=user.username)
    return jsonify({"accepted": accepted.chains, "annotation": out})


@route("/documents/<int:did>/annotations", tag="annotation", response=AnnotationOut(many=True),
       allow=Action.VIEW)  # fmt: skip
def list_annotations(document: Document, project: Project) -> Response:
    """Every annotation of a document the caller may see (blind projects: the model's and
    the caller's own, unless the caller may view others' work)."""
    visible = service.visible_annotations(db.session, document, project, current_user())
    ids = [a.user_id for a in visible if a.user_id]
    names = dict(db.session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())
    return jsonify(
        [
            annotation_out(db.session, a, document=document, user=names.get(a.user_id or 0))
            for a in visible
        ]
    )
