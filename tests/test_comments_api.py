"""Comments and flags through the API, on SQLite and PostgreSQL: a thread on a span (snapped to
tokens, its words kept), replies, resolving, the inbox's filters and counts, who sees which
thread (blind projects, non-members), bad input answered with a clear 4xx, the inbox page, and
deleting a document with threads."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import client_of, sign_in
from textlabel.comments.service import MAX_BODY
from textlabel.models import Comment, Event

TEXT = "Ada Lovelace met Charles Babbage in London in 1833."


as_ = client_of


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann1", "ann2", "rev", "boss", "outsider")
    members = {"ann1": "annotator", "ann2": "annotator", "rev": "reviewer", "boss": "manager"}
    project = make_project(session, admin, members=members, blind=True)
    add_documents(session, project, [TEXT, "Grace Hopper wrote a compiler."])
    return project


def docs(app: Flask, project) -> list[int]:
    listed = as_(app, "boss").get(f"/projects/{project.id}/documents").json["items"]
    return [d["id"] for d in listed]


def ids(response) -> list[int]:
    return [t["id"] for t in response.json["threads"]]


def test_a_span_thread_is_answered_resolved_and_listed(app: Flask, session, project) -> None:
    did, other = docs(app, project)
    ann, rev = as_(app, "ann1"), as_(app, "rev")
    start = TEXT.index("Babbage") + 2  # inside the word: snapped to the whole token
    body = {"body": "  PER or ORG here?\n", "start": start, "end": start + 3}
    made = ann.post(f"/documents/{did}/comments", json=body)
    assert made.status_code == 201, made.json
    thread = made.json
    assert thread["quote"] == "Babbage" and thread["body"] == "PER or ORG here?"
    assert (thread["start"], thread["end"]) == (TEXT.index("Babbage"), TEXT.index(" in London"))
    assert (thread["token_start"], thread["token_end"]) == (4, 5)
    assert thread["author"] == "ann1" and thread["kind"] == "comment" and not thread["resolved"]
    flag = ann.post(f"/documents/{other}/comments",
                    json={"body": "Truncated text", "kind": "flag"}).json  # fmt: skip
    assert flag["quote"] is None and flag["start"] is None and flag["kind"] == "flag"

    seen = rev.get(f"/documents/{did}/comments").json["threads"]
    assert [t["id"] for t in seen] == [thread["id"]]
    assert seen[0]["may_resolve"] is True
    answered = rev.post(f"/comments/{thread['id']}/replies", json={"body": "PER: a person."})
    assert answered.status_code == 201, answered.json
    replies = answered.json["replies"]
    assert [(r["author"], r["body"]) for r in replies] == [("rev", "PER: a person.")]

    # The annotator sees the reply: on the document, and in the inbox as waiting for them.
    mine = ann.get(f"/projects/{project.id}/comments?mine=true").json
    assert mine["waiting"] == 1 and mine["open"] == 2 and mine["flags"] == 1
    assert [t["id"] for t in mine["threads"]] == [thread["id"], flag["id"]]  # latest activity first
    assert mine["threads"][0]["last_author"] == "rev"
    reply_id = answered.json["replies"][0]["id"]
    again = ann.post(f"/comments/{reply_id}/replies", json={"body": "Thanks!"})  # joins the thread
    assert [r["body"] for r in again.json["replies"]] == ["PER: a person.", "Thanks!"]
    assert ann.get(f"/projects/{project.id}/comments").json["waiting"] == 0

    flags = rev.get(f"/projects/{project.id}/comments?kind=flag").json["threads"]
    assert [t["id"] for t in flags] == [flag["id"]]
    resolved = rev.patch(f"/comments/{flag['id']}", json={"resolved": True})
    assert resolved.status_code == 200 and resolved.json["resolved_by"] == "rev"
    inbox = rev.get(f"/projects/{project.id}/comments").json
    assert [t["id"] for t in inbox["threads"]] == [thread["id"]] and inbox["flags"] == 0
    done = rev.get(f"/projects/{project.id}/comments?state=resolved").json["threads"]
    assert [t["id"] for t in done] == [flag["id"]]
    assert rev.get(f"/projects/{project.id}/comments?document={other}&state=all").json[
        "total"] == 1  # fmt: skip
    reopened = ann.patch(f"/comments/{flag['id']}", json={"resolved": False})  # its author
    assert reopened.status_code == 200 and not reopened.json["resolved"]
    actions = session.scalars(select(Event.action).where(Event.action.like("comment.%"))).all()
    assert sorted(actions) == ["comment.flag", "comment.reopen", "comment.resolve"]


def test_who_sees_and_may_do_what(app: Flask, session, project) -> None:
    did, _ = docs(app, project)
    own = as_(app, "ann1").post(f"/documents/{did}/comments", json={"body": "mine"}).json
    staff = as_(app, "rev").post(f"/documents/{did}/comments", json={"body": "to all"}).json
    # Blind project: another annotator sees the reviewer's thread, not the annotator's.
    ann2 = as_(app, "ann2")
    assert ids(ann2.get(f"/documents/{did}/comments")) == [staff["id"]]
    assert ids(ann2.get(f"/projects/{project.id}/comments")) == [staff["id"]]
    for call in (ann2.get(f"/comments/{own['id']}"),
                 ann2.post(f"/comments/{own['id']}/replies", json={"body": "peek"})):  # fmt: skip
        assert call.status_code == 404
    # Resolving: the author, reviewers and managers; not another annotator.
    refused = ann2.patch(f"/comments/{staff['id']}", json={"resolved": True})
    assert refused.status_code == 403
    by_manager = as_(app, "boss").patch(f"/comments/{own['id']}", json={"resolved": True})
    assert by_manager.status_code == 200
    # Non-members: nothing exists.
    out = as_(app, "outsider")
    for call in (out.get(f"/documents/{did}/comments"),
                 out.post(f"/documents/{did}/comments", json={"body": "hi"}),
                 out.get(f"/comments/{staff['id']}"),
                 out.post(f"/comments/{staff['id']}/replies", json={"body": "hi"}),
                 out.patch(f"/comments/{staff['id']}", json={"resolved": True}),
                 out.get(f"/projects/{project.id}/comments")):  # fmt: skip
        assert call.status_code == 404, call.json
    # Open project: annotators see each other's threads.
    project.blind = False
    session.commit()
    assert len(ann2.get(f"/documents/{did}/comments").json["threads"]) == 2
    # Archived: read-only, replies too.
    as_(app, "boss").post(f"/projects/{project.id}/archive", json={"archived": True})
    assert ann2.post(f"/comments/{staff['id']}/replies", json={"body": "x"}).status_code == 409
    assert ann2.post(f"/documents/{did}/comments", json={"body": "x"}).status_code == 409
    assert ann2.get(f"/documents/{did}/comments").status_code == 200


def test_bad_input_is_a_clear_4xx(app: Flask, session, project) -> None:
    did, _ = docs(app, project)
    ann = as_(app, "ann1")
    url = f"/documents/{did}/comments"
    cases = [
        ({"body": ""}, "body"),
        ({"body": " \n "}, "body"),
        ({"body": "x" * (MAX_BODY + 1)}, f"at most {MAX_BODY:,}"),
        ({}, "body"),
        ({"body": "x", "start": 3}, "start and end"),
        ({"body": "x", "start": 0, "end": 999}, "outside the text"),
        ({"body": "x", "start": 5, "end": 5}, "empty"),
        ({"body": "x", "kind": "bug"}, "kind"),
        ({"body": 3}, "body"),
    ]
    for payload, words in cases:
        got = ann.post(url, json=payload)
        assert got.status_code == 422, (payload, got.json)
        assert words in f"{got.json['error']['message']} {got.json['error']['details']}", got.json
    assert ann.post(url, data="body=x").status_code == 422  # not JSON
    thread = ann.post(url, json={"body": "ok"}).json
    assert ann.patch(f"/comments/{thread['id']}", json={"resolved": "yes"}).status_code == 422
    assert ann.post(f"/comments/{thread['id']}/replies", json={"body": ""}).status_code == 422
    assert ann.get("/comments/999999").status_code == 404
    assert ann.get(f"/comments/{2**40}").status_code == 404
    assert ann.get(f"/projects/{project.id}/comments?state=closed").status_code == 422


def test_the_inbox_page_and_deleting_documents_with_threads(app: Flask, session, project) -> None:
    did, other = docs(app, project)
    ann = as_(app, "ann1")
    ann.post(f"/documents/{did}/comments", json={"body": "About <this> one"})
    flag = ann.post(f"/documents/{other}/comments", json={"body": "Broken", "kind": "flag"}).json
    as_(app, "rev").post(f"/comments/{flag['id']}/replies", json={"body": "Fixing it"})
    browser = sign_in(app.test_client(), "ann1")
    shown = browser.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="inbox-waiting"' in shown and ">1 new<" in shown
    page = browser.get(f"/projects/{project.id}/comments").get_data(as_text=True)
    assert "About &lt;this&gt; one" in page and "new reply" in page
    assert f'href="/comments/{flag["id"]}"' in page  # where it leads: tests/test_comments_unread
    only_flags = browser.get(f"/projects/{project.id}/comments?kind=flag",
                             headers={"HX-Request": "true"})  # fmt: skip
    body = only_flags.get_data(as_text=True)
    assert "<html" not in body and "Broken" in body and "About" not in body
    # The review queue marks documents with open threads and flags.
    submitted = ann.put(f"/documents/{did}/annotations/me",
                        json={"version": 0, "status": "submitted", "spans": []})  # fmt: skip
    assert submitted.status_code == 200, submitted.json
    ann.post(f"/documents/{did}/comments", json={"body": "Also", "kind": "flag"})
    queue = sign_in(app.test_client(), "rev").get(f"/projects/{project.id}/review?state=all")
    row = queue.get_data(as_text=True).split(f'data-document="{did}"')[1].split("</tr>")[0]
    assert "2 open comments" in row and "1 flag<" in row
    assert sign_in(app.test_client(), "outsider").get(
        f"/projects/{project.id}/comments").status_code == 404  # fmt: skip
    # Deleting a document takes its threads (and their replies) with it, on both databases.
    deleted = as_(app, "boss").post(f"/projects/{project.id}/documents/bulk",
                                    json={"action": "delete", "ids": [other]})  # fmt: skip
    assert deleted.status_code == 200, deleted.json
    assert session.scalars(select(Comment.document_id)).all() == [did, did]
