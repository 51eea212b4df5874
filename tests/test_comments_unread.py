"""Read markers, reopening by a reply, the card's conditional polling and where a thread's
link leads, through the API and the pages, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import client_of, sign_in
from textlabel.models import Annotation, Event

as_ = client_of
TEXT = "Ada Lovelace met Charles Babbage in London in 1833."


@pytest.fixture
def project(session):
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann1", "ann2", "rev")
    members = {"ann1": "annotator", "ann2": "annotator", "rev": "reviewer"}
    project = make_project(session, admin, members=members, blind=False)
    add_documents(session, project, [TEXT])
    return project


@pytest.fixture
def did(app: Flask, project) -> int:
    return as_(app, "rev").get(f"/projects/{project.id}/documents").json["items"][0]["id"]


def counts(app: Flask, name: str, project) -> tuple[int, int]:
    inbox = as_(app, name).get(f"/projects/{project.id}/comments?state=all").json
    return inbox["unread"], inbox["waiting"]


def test_a_thread_is_unread_until_marked_read_not_until_answered(
    app: Flask, session, project, did: int
) -> None:
    ann, rev = as_(app, "ann1"), as_(app, "rev")
    root = ann.post(f"/documents/{did}/comments", json={"body": "PER or ORG?"}).json
    assert (root["unread"], root["waiting"], root["last_id"]) == (0, False, root["id"])
    assert counts(app, "ann1", project) == (0, 0)  # one's own words are read
    assert counts(app, "rev", project) == (1, 0)  # a new thread: unread, not the reviewer's
    answered = rev.post(f"/comments/{root['id']}/replies", json={"body": "PER."}).json
    assert answered["unread"] == 0  # the reviewer read what they answered
    reply = answered["replies"][0]["id"]
    assert counts(app, "ann1", project) == (1, 1)
    for _ in range(2):  # reading (the card's polling, scripts) marks nothing
        thread = ann.get(f"/documents/{did}/comments").json["threads"][0]
        assert (thread["unread"], thread["waiting"], thread["last_id"]) == (1, True, reply)
    early = ann.post(f"/comments/{root['id']}/read", json={"up_to": root["id"]})
    assert early.status_code == 200 and early.json["unread"] == 1  # up to before the reply
    read = ann.post(f"/comments/{reply}/read", json={})  # any comment of the thread
    assert read.status_code == 200 and (read.json["unread"], read.json["waiting"]) == (0, False)
    assert counts(app, "ann1", project) == (0, 0)
    again = ann.post(f"/comments/{root['id']}/read", json={"up_to": root["id"]}).json
    assert again["unread"] == 0  # a marker never goes back (two tabs, any order)
    # Marked up to a comment beyond the thread's last: only what exists is read.
    ann.post(f"/comments/{root['id']}/read", json={"up_to": reply + 1000})
    rev.post(f"/comments/{root['id']}/replies", json={"body": "Or see the guidelines."})
    assert counts(app, "ann1", project) == (1, 1)
    only = ann.get(f"/projects/{project.id}/comments?unread=true").json["threads"]
    assert [t["id"] for t in only] == [root["id"]]
    ann.post(f"/comments/{root['id']}/read", json={})
    assert ann.get(f"/projects/{project.id}/comments?unread=true").json["threads"] == []
    # Someone else's marker is theirs: the other annotator (open project) has it unread.
    assert counts(app, "ann2", project) == (1, 0)
    assert ann.post(f"/comments/{root['id']}/read", json={"up_to": 0}).status_code == 422
    # An archived project is read-only, but reading its threads still clears their marks.
    rev.post(f"/comments/{root['id']}/replies", json={"body": "Last word."})
    admin = as_(app, "admin")
    assert admin.post(f"/projects/{project.id}/archive", json={"archived": True}).status_code == 200
    assert rev.post(f"/comments/{root['id']}/replies", json={"body": "x"}).status_code == 409
    assert ann.post(f"/comments/{root['id']}/read", json={}).json["unread"] == 0
    assert as_(app, "ann2").post("/comments/999999/read", json={}).status_code == 404
    everything = as_(app, "ann2").post(f"/projects/{project.id}/comments/read")
    assert everything.status_code == 200 and everything.json["unread"] == 0


def test_a_resolved_thread_answered_is_reopened_and_the_reply_stays_unread(
    app: Flask, session, project, did: int
) -> None:
    ann, rev = as_(app, "ann1"), as_(app, "rev")
    root = ann.post(f"/documents/{did}/comments", json={"body": "Is 1833 a DATE?"}).json
    rev.post(f"/comments/{root['id']}/replies", json={"body": "No DATE label here."})
    done = rev.patch(f"/comments/{root['id']}", json={"resolved": True}).json
    assert done["resolved"]
    # The answer the reviewer left before resolving is still news to the annotator.
    assert counts(app, "ann1", project) == (1, 1)
    again = ann.post(f"/comments/{root['id']}/replies", json={"body": "But the guidelines…"})
    assert again.status_code == 201
    assert not again.json["resolved"] and again.json["resolved_by"] is None
    assert ann.get(f"/projects/{project.id}/comments").json["open"] == 1
    event = session.scalars(select(Event).where(Event.action == "comment.reopen")).one()
    assert event.after == {"thread": root["id"], "by_reply": again.json["replies"][-1]["id"]}
    assert event.user_id is not None


def test_the_card_polls_with_an_etag_answered_304_while_nothing_changed(
    app: Flask, session, project, did: int
) -> None:
    ann, rev = as_(app, "ann1"), as_(app, "rev")
    url = f"/documents/{did}/comments"
    first = ann.get(url)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and "no-cache" in first.headers["Cache-Control"]
    same = ann.get(url, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b"" and same.headers["ETag"] == etag
    root = rev.post(url, json={"body": "A question for everyone"}).json
    changed = ann.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and len(changed.json["threads"]) == 1
    etag = changed.headers["ETag"]
    assert rev.get(url).headers["ETag"] != etag  # per reader: unread and may_resolve differ
    for change in (
        lambda: ann.post(f"/comments/{root['id']}/read", json={}),  # the reader's marker
        lambda: rev.patch(f"/comments/{root['id']}", json={"resolved": True}),
        lambda: rev.patch(f"/comments/{root['id']}", json={"resolved": False}),
        lambda: rev.post(f"/comments/{root['id']}/replies", json={"body": "More"}),
    ):
        change()
        answer = ann.get(url, headers={"If-None-Match": etag})
        assert answer.status_code == 200, answer.status_code
        assert answer.headers["ETag"] != etag
        etag = answer.headers["ETag"]
        assert ann.get(url, headers={"If-None-Match": etag}).status_code == 304
    # A new role or the blind setting changes what is seen and who may resolve: a new answer.
    project.blind = True
    session.commit()
    assert ann.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_a_thread_link_leads_where_the_reader_can_act(
    app: Flask, session, project, did: int
) -> None:
    root = as_(app, "rev").post(f"/documents/{did}/comments", json={"body": "Look here"}).json
    at = f"#comment-{root['id']}"
    reviewer = sign_in(app.test_client(), "rev").get(f"/comments/{root['id']}")
    assert reviewer.status_code == 302
    assert reviewer.headers["Location"] == f"/documents/{did}/review{at}"
    ann2 = sign_in(app.test_client(), "ann2")  # has not taken the document
    landed = ann2.get(f"/comments/{root['id']}")
    page = landed.get_data(as_text=True)
    assert landed.status_code == 200 and "You have not taken document" in page
    assert 'id="comments"' in page and "Annotate this document" in page
    taken = select(Annotation).where(Annotation.document_id == did, Annotation.kind == "manual")
    assert session.scalars(taken).all() == []  # following the link took no slot
    ann1 = as_(app, "ann1")
    assert ann1.get(f"/projects/{project.id}/next").status_code == 200  # takes the document
    mine = sign_in(app.test_client(), "ann1").get(f"/comments/{root['id']}")
    assert mine.headers["Location"] == f"/documents/{did}/annotate{at}"
    # Blind: another annotator's thread does not exist for ann2, and says so.
    own = ann1.post(f"/documents/{did}/comments", json={"body": "mine"}).json
    project.blind = True
    session.commit()
    hidden = ann2.get(f"/comments/{own['id']}")
    assert hidden.status_code == 404
    assert f"Comment {own['id']} not found" in hidden.get_data(as_text=True)


def test_the_inbox_and_project_page_count_unread_and_mark_read(
    app: Flask, session, project, did: int
) -> None:
    root = as_(app, "ann1").post(f"/documents/{did}/comments", json={"body": "Hm?"}).json
    rev = sign_in(app.test_client(), "rev")
    shown = rev.get(f"/projects/{project.id}").get_data(as_text=True)
    assert 'id="inbox-unread"' in shown and ">1 unread<" in shown
    assert "unread=1" in shown.split('id="inbox-link"')[1].split(">")[0]  # leads to them
    inbox = rev.get(f"/projects/{project.id}/comments?unread=1&state=all").get_data(as_text=True)
    assert 'class=" unread"' in inbox and "1 unread" in inbox
    marked = rev.post(
        f"/comments/{root['id']}/read?unread=1&state=all",
        headers={"X-CSRFToken": rev.csrf, "HX-Request": "true"},
    )
    assert marked.status_code == 303
    location = marked.headers["Location"]
    assert location == f"/projects/{project.id}/comments?state=all&kind=all&unread=1"
    after = rev.get(marked.headers["Location"], headers={"HX-Request": "true"})
    assert "No threads here" in after.get_data(as_text=True)
    shown = rev.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "unread<" not in shown


def test_mark_all_read_reads_every_thread_the_caller_sees_up_to_now(
    app: Flask, session, project, did: int
) -> None:
    ann1, ann2, rev = as_(app, "ann1"), as_(app, "ann2"), as_(app, "rev")
    first = ann1.post(f"/documents/{did}/comments", json={"body": "PER?"}).json
    second = ann2.post(f"/documents/{did}/comments", json={"body": "Odd", "kind": "flag"}).json
    rev.post(f"/comments/{first['id']}/replies", json={"body": "PER."})
    assert counts(app, "ann1", project) == (2, 1)  # rev's reply (a thread of hers) and ann2's
    assert counts(app, "rev", project) == (1, 0)
    answer = ann1.post(f"/projects/{project.id}/comments/read")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json == {"marked": 2, "open": 2, "flags": 1, "unread": 0, "waiting": 0}
    assert counts(app, "ann1", project) == (0, 0)
    assert counts(app, "rev", project) == (1, 0)  # one's own markers only
    assert ann1.post(f"/projects/{project.id}/comments/read").json["marked"] == 0
    # What comes after is unread again: the markers stop at each thread's latest comment.
    rev.post(f"/comments/{second['id']}/replies", json={"body": "Which part?"})
    assert counts(app, "ann1", project) == (1, 0)
    # The inbox's button, as the page posts it (htmx), keeps the filters.
    assert counts(app, "ann2", project) == (2, 1)
    page = sign_in(app.test_client(), "ann2")
    inbox = page.get(f"/projects/{project.id}/comments?state=all").get_data(as_text=True)
    assert 'id="mark-all-read"' in inbox
    marked = page.post(f"/projects/{project.id}/comments/read?state=all",
                       headers={"X-CSRFToken": page.csrf, "HX-Request": "true"})  # fmt: skip
    assert marked.status_code == 303
    assert marked.headers["Location"] == f"/projects/{project.id}/comments?state=all&kind=all"
    after = page.get(marked.headers["Location"]).get_data(as_text=True)
    assert 'id="mark-all-read"' not in after and 'class=" unread"' not in after
    assert counts(app, "ann2", project) == (0, 0)
    outsider = make_user(session, "outsider")
    assert (
        as_(app, outsider.username).post(f"/projects/{project.id}/comments/read").status_code == 404
    )


def test_mark_all_read_in_a_blind_project_leaves_threads_the_annotator_cannot_see(
    app: Flask, session, project, did: int
) -> None:
    project.blind = True
    session.commit()
    other = as_(app, "ann2").post(f"/documents/{did}/comments", json={"body": "Mine"}).json
    as_(app, "rev").post(f"/documents/{did}/comments", json={"body": "To all"})
    assert as_(app, "ann1").post(f"/projects/{project.id}/comments/read").json["marked"] == 1
    project.blind = False
    session.commit()
    # Unblinded, the other annotator's thread was never shown to ann1: still unread.
    thread = as_(app, "ann1").get(f"/comments/{other['id']}").json
    assert thread["unread"] == 1
