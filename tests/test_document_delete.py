"""Deleting one document (API ``DELETE /documents/{did}`` and the document page's button):
what it removes is said first and counted from the database, then removed and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as, sign_in
from textlabel.models import Annotation, Document, Event, Span
from textlabel.models.comment import Comment

TEXT = "Ada Lovelace met Charles Babbage in London."


@pytest.fixture
def setup(app, session):
    boss, *_ = make_users(session, "boss", "ann1", "ann2", "rev")
    project = make_project(session, boss, members={"ann1": "annotator", "ann2": "annotator",
                                                   "rev": "reviewer"}, overlap=2)  # fmt: skip
    doomed, kept = add_documents(session, project, [TEXT, "Another text about Paris."])
    for name, spans in (("ann1", [(0, 12, "PER"), (35, 41, "LOC")]), ("ann2", [(0, 12, "PER")])):
        marked = [{"start": s, "end": e, "label": label} for s, e, label in spans]
        body = {"version": 0, "status": "submitted", "spans": marked}
        got = api_as(app, name).put(f"/documents/{doomed.id}/annotations/me", json=body)
        assert got.status_code == 200, got.get_data(as_text=True)
    thread = api_as(app, "ann1").post(f"/documents/{doomed.id}/comments", json={"body": "Hm?"})
    assert thread.status_code == 201, thread.get_data(as_text=True)
    reply = api_as(app, "rev").post(f"/comments/{thread.json['id']}/replies", json={"body": "Ok"})
    assert reply.status_code in (200, 201), reply.get_data(as_text=True)
    return project, doomed.id, kept.id


def _on(session, did: int) -> tuple[dict[str, int], int, int]:
    kinds = dict(session.execute(select(Annotation.kind, func.count(Annotation.id))
                                 .where(Annotation.document_id == did)
                                 .group_by(Annotation.kind)).all())  # fmt: skip
    spans = session.scalar(select(func.count(Span.id)).join(Annotation).where(
        Annotation.document_id == did, Span.layer == "ent"))  # fmt: skip
    comments = session.scalar(select(func.count(Comment.id)).where(Comment.document_id == did))
    return kinds, spans, comments


def test_api_previews_then_deletes_one_document_and_audits_it(app, session, setup) -> None:
    project, did, kept = setup
    kinds, spans, comments = _on(session, did)
    assert kinds.get("manual") == 2 and comments == 2
    boss = api_as(app, "boss")
    preview = boss.delete(f"/documents/{did}?preview=true")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert preview.json["annotations"] == kinds and preview.json["comments"] == comments
    assert preview.json["entities"] == spans and preview.json["done"] is False
    assert session.get(Document, did) is not None
    assert api_as(app, "ann1").delete(f"/documents/{did}").status_code == 403
    assert api_as(app, "rev").delete(f"/documents/{did}").status_code == 403
    done = boss.delete(f"/documents/{did}")
    assert done.status_code == 200 and done.json["done"] is True
    session.expire_all()
    assert session.get(Document, did) is None and _on(session, did) == ({}, 0, 0)
    assert session.get(Document, kept) is not None
    event = session.scalar(select(Event).where(Event.action == "documents.delete"))
    assert event.subject == "1 document" and event.before["documents"] == [did]
    assert event.before["comments"] == comments and event.project_id == project.id
    assert boss.delete(f"/documents/{did}").status_code == 404


def test_document_page_deletes_after_saying_what_goes(app, session, setup) -> None:
    project, did, _ = setup
    reviewer = sign_in(app.test_client(), "rev")
    assert "Delete…" not in reviewer.get(f"/documents/{did}/view").get_data(as_text=True)
    boss = sign_in(app.test_client(), "boss")
    view = boss.get(f"/documents/{did}/view").get_data(as_text=True)
    assert "Delete…" in view
    form = {"csrf_token": boss.csrf, "action": "delete", "ids": str(did)}
    confirm = boss.post(f"/projects/{project.id}/documents/bulk", data=form)
    text = confirm.get_data(as_text=True)
    assert "delete 1 document, removing annotations: 2 manual" in text and "2 comments" in text
    assert session.get(Document, did) is not None
    done = boss.post(f"/projects/{project.id}/documents/bulk", data={**form, "confirm": "1"})
    assert done.status_code == 302
    session.expire_all()
    assert session.get(Document, did) is None
