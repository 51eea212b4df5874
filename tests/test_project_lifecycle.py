"""Archiving and deleting projects: an archived project leaves the default list and refuses
every change (API and pages) until unarchived; deleting needs the project's name typed, says
what it removes, removes it all and stays in the audit trail."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in
from textlabel.models import Annotation, Document, Event, Project


def _setup(app: Flask, session):
    mgr = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, mgr, name="News", members={"ann": "annotator"})
    (document,) = add_documents(session, project, ["Ada met Bob."])
    saved = api_as(app, "ann").put(f"/documents/{document.id}/annotations/me",
                                   json={"version": 0, "spans": [{"start": 0, "end": 3,
                                                                  "label": "PER"}]})  # fmt: skip
    assert saved.status_code == 200
    return project.id, document.id


def test_an_archived_project_is_hidden_and_read_only_until_restored(app: Flask, session) -> None:
    pid, did = _setup(app, session)
    mgr, ann = api_as(app, "mgr"), api_as(app, "ann")
    archived = mgr.post(f"/projects/{pid}/archive", json={"archived": True})
    assert archived.status_code == 200 and archived.json["archived"] is True
    assert [p["name"] for p in mgr.get("/projects").json] == []
    assert [p["name"] for p in mgr.get("/projects?archived=true").json] == ["News"]
    assert ann.get(f"/documents/{did}/annotations/me").status_code == 200  # reading works
    mine = ann.get(f"/documents/{did}/annotations/me").json
    refused = ann.put(f"/documents/{did}/annotations/me", json={"version": mine["version"]})
    assert refused.status_code == 409 and "archived" in refused.json["error"]["message"]
    assert mgr.patch(f"/projects/{pid}", json={"description": "x"}).status_code == 409
    assert ann.get(f"/projects/{pid}/next").status_code == 409  # a GET that claims work
    assert mgr.post(f"/projects/{pid}/labels", json={"name": "NEW"}).status_code == 409
    page = sign_in(app.test_client(), "mgr")
    form = page.post(f"/projects/{pid}/settings", data={"csrf_token": page.csrf, "name": "Z"})
    assert form.status_code == 409
    assert ann.put(f"/documents/{did}/annotations/me",
                   json={"version": mine["version"]}).status_code == 409  # fmt: skip
    # Not a member: still 404, the archive reveals nothing.
    make_user(session, "stranger")
    assert api_as(app, "stranger").patch(f"/projects/{pid}", json={}).status_code == 404
    restored = mgr.post(f"/projects/{pid}/archive", json={"archived": False})
    assert restored.status_code == 200 and restored.json["archived"] is False
    assert mgr.patch(f"/projects/{pid}", json={"description": "x"}).status_code == 200
    actions = session.scalars(select(Event.action).where(Event.project_id == pid)).all()
    assert "project.archive" in actions and "project.unarchive" in actions


def test_deleting_needs_the_name_says_what_goes_and_is_audited(app: Flask, session) -> None:
    pid, _ = _setup(app, session)
    mgr = api_as(app, "mgr")
    assert api_as(app, "ann").delete(f"/projects/{pid}?confirm=News").status_code == 403
    wrong = mgr.delete(f"/projects/{pid}?confirm=news")
    assert wrong.status_code == 422
    assert wrong.json["error"]["details"] == {"documents": 1, "annotations": 1, "members": 2}
    assert session.get(Project, pid) is not None
    assert mgr.delete(f"/projects/{pid}?confirm=News").status_code == 204
    session.expire_all()
    assert session.get(Project, pid) is None
    assert session.scalar(select(func.count()).select_from(Document)) == 0
    assert session.scalar(select(func.count()).select_from(Annotation)) == 0
    (event,) = session.scalars(select(Event).where(Event.action == "project.delete")).all()
    assert event.subject == f"project {pid} 'News'"
    assert event.before == {"name": "News", "documents": 1, "annotations": 1, "members": 2}
    assert mgr.get(f"/projects/{pid}").status_code == 404


def test_the_settings_page_archives_restores_and_deletes(app: Flask, session) -> None:
    pid, _ = _setup(app, session)
    browser = sign_in(app.test_client(), "mgr")
    settings = browser.get(f"/projects/{pid}/settings").get_data(as_text=True)
    assert "Deleting removes <b>1</b> document(s), <b>1</b> annotation(s)" in settings
    archive = browser.post(f"/projects/{pid}/archive", data={"csrf_token": browser.csrf,
                                                             "archived": "1"})  # fmt: skip
    assert archive.status_code == 302
    assert "News" not in browser.get("/projects").get_data(as_text=True)
    assert "News" in browser.get("/projects?archived=1").get_data(as_text=True)
    assert "archived · read-only" in browser.get(f"/projects/{pid}").get_data(as_text=True)
    restore = browser.post(f"/projects/{pid}/archive", data={"csrf_token": browser.csrf})
    assert restore.status_code == 302 and "News" in browser.get("/projects").get_data(as_text=True)
    wrong = browser.post(f"/projects/{pid}/delete", data={"csrf_token": browser.csrf,
                                                          "confirm": "Nope"})  # fmt: skip
    assert wrong.status_code == 302 and session.get(Project, pid) is not None
    gone = browser.post(f"/projects/{pid}/delete", data={"csrf_token": browser.csrf,
                                                         "confirm": "News"})  # fmt: skip
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/projects")
    session.expire_all()
    assert session.get(Project, pid) is None
