"""save_annotation for any annotation row (gold as well as manual), without the web layer."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user
from textlabel.annotate import store
from textlabel.annotate.service import AnnotationInput, save_annotation
from textlabel.errors import Conflict, InvalidInput
from textlabel.models import Annotation, Event

TEXT = "Ada Lovelace met Charles Babbage in London."


@pytest.fixture
def gold(session):
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin, layers=["entities"])
    (document,) = add_documents(session, project, [TEXT])
    annotation = Annotation(document_id=document.id, kind="gold")
    session.add(annotation)
    session.commit()
    return admin, annotation


def test_gold_is_saved_with_the_same_validation_and_audit(session, gold) -> None:
    reviewer, annotation = gold
    payload = AnnotationInput.from_json(
        {"version": 1, "spans": [{"start": 18, "end": 30, "label": "PER"}]}
    )
    saved = save_annotation(session, annotation, payload, user=reviewer)
    assert saved.version == 2
    assert store.read(session, saved).to_json()["spans"] == [
        {"start": 17, "end": 32, "label": "PER", "score": None}
    ]
    event = session.scalars(select(Event).where(Event.action == "annotation.save")).one()
    assert event.subject == f"annotation {annotation.id} (gold)"
    assert event.user_id == reviewer.id
    with pytest.raises(Conflict) as info:
        save_annotation(session, saved, payload, user=reviewer)
    assert info.value.details == {"version": 2}


@pytest.mark.parametrize(
    ("payload", "layer"),
    [
        (AnnotationInput.from_json({"version": 1, "pos": [None] * 8}), "pos"),
        (AnnotationInput.from_json({"version": 1, "coref": [[{"start": 0, "end": 3}]]}), "coref"),
    ],
)
def test_layers_switched_off_are_refused(session, gold, payload, layer) -> None:
    reviewer, annotation = gold
    with pytest.raises(InvalidInput, match=f"no {'POS' if layer == 'pos' else 'coreference'}"):
        save_annotation(session, annotation, payload, user=reviewer)
    session.rollback()
    assert session.get(Annotation, annotation.id).version == 1
