"""Who may reach what: anonymous users, non-members, annotators; CSRF; escaping."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PUBLIC = {"static", "pages.login", "api.create_token"}


def _routes(app: Flask, pid: int = 1, did: int = 1) -> list[tuple[str, str, str]]:
    """(method, url, endpoint) for every route, with ids filled in."""
    values = {
        "pid": pid,
        "did": did,
        "jid": 1,
        "lid": 1,
        "username": "someone",
        "filename": "app.css",
        "tid": 1,
        "cid": 1,
    }
    out = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), url)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((method, url, rule.endpoint))
    return out


def test_anonymous_requests_are_refused_everywhere(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for method, url, endpoint in _routes(app):
        if endpoint in PUBLIC:
            continue
        response = client.open(url, method=method)
        if url.startswith("/api/"):
            assert response.status_code == 401, (method, url)
            assert response.json["error"]["code"] == "not_authenticated"
        else:
            assert response.status_code == 302, (method, url)
            assert "/login" in response.headers["Location"], (method, url)
        checked += 1
    assert checked > 30  # the walk covered the whole app, not an empty map


def test_members_of_another_project_see_nothing_of_it(app: Flask, session) -> None:
    owner = make_user(session, "owner")
    outsider = make_user(session, "outsider")
    theirs = make_project(session, owner, "Theirs")
    make_project(session, outsider, "Mine")
    [document] = add_documents(session, theirs, ["Ada Lovelace met Babbage."])
    browser = sign_in(app.test_client(), "outsider")
    api = api_as(app, "outsider")
    for method, url, _endpoint in _routes(app, pid=theirs.id, did=document.id):
        if not re.search(r"/(projects|documents)/\d+", url):
            continue
        if url.startswith("/api/"):
            response = api.open(url.removeprefix("/api/v1"), method=method, json={})
        else:
            response = browser.open(url, method=method, headers={"X-CSRFToken": browser.csrf})
        assert response.status_code == 404, (method, url, response.status_code)
    listed = api.get("/projects").json
    assert [p["name"] for p in listed] == ["Mine"]


def test_annotators_may_not_manage(app: Flask, session) -> None:
    owner = make_user(session, "owner")
    make_user(session, "ann")
    project = make_project(session, owner, members={"ann": "annotator"})
    api = api_as(app, "ann")
    assert api.patch(f"/projects/{project.id}", json={"overlap": 3}).status_code == 403
    assert api.post(f"/projects/{project.id}/labels", json={"name": "X"}).status_code == 403
    assert (
        api.post(
            f"/projects/{project.id}/members", json={"username": "ann", "role": "manager"}
        ).status_code
        == 403
    )
    assert api.get(f"/projects/{project.id}/export").status_code == 403
    assert api.post("/users", json={"username": "x", "password": "12345678"}).status_code == 403
    browser = sign_in(app.test_client(), "ann")
    assert browser.get(f"/projects/{project.id}/settings").status_code == 403
    assert browser.get(f"/projects/{project.id}").status_code == 200


XSS = "<script>alert(1)</script>"


def test_project_and_label_names_are_escaped_on_every_page(app: Flask, session) -> None:
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner, XSS, labels=(XSS,), description=XSS)
    add_documents(session, project, [f"A text that says {XSS} to the reader."])
    browser = sign_in(app.test_client(), "owner")
    pages = ["/projects", f"/projects/{project.id}", f"/projects/{project.id}/settings"]
    for url in pages:
        html = browser.get(url).get_data(as_text=True)
        assert XSS not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


@pytest.mark.parametrize("token", [None, "wrong"])
def test_form_posts_without_the_csrf_token_are_refused(app: Flask, session, token) -> None:
    make_user(session, "admin", admin=True)
    browser = sign_in(app.test_client(), "admin")
    data = {"name": "Sneaky", "labels": "PER"}
    if token:
        data["csrf_token"] = token
    response = browser.post("/projects/new", data=data)
    assert response.status_code == 403
    assert "CSRF" in response.get_data(as_text=True)
    api = api_as(app, "admin")
    assert api.get("/projects").json == []
    # The same post with the session's token goes through.
    data["csrf_token"] = browser.csrf
    assert browser.post("/projects/new", data=data).status_code == 302


def test_browser_json_calls_need_the_csrf_header(app: Flask, session) -> None:
    make_user(session, "admin", admin=True)
    browser = sign_in(app.test_client(), "admin")
    body = {"name": "Via cookie"}
    assert browser.post("/api/v1/projects", json=body).status_code == 403
    response = browser.post("/api/v1/projects", json=body, headers={"X-CSRFToken": browser.csrf})
    assert response.status_code == 201


def test_session_cookie_is_httponly_and_samesite(app: Flask, session) -> None:
    make_user(session, "admin", admin=True)
    client = app.test_client()
    sign_in(client, "admin")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


def test_api_gets_that_hand_out_work_need_the_csrf_header_from_a_browser(app: Flask, session):
    """Defect 7: `/next` and `/review-queue/next` are GETs (the API's contract) that claim;
    a signed-in browser following a cross-site link sends its cookie but not the header."""
    owner = make_user(session, "owner")
    make_user(session, "ann")
    make_user(session, "rev")
    project = make_project(session, owner, members={"ann": "annotator", "rev": "reviewer"})
    add_documents(session, project, ["Ada Lovelace met Babbage."])
    for name, path in (("ann", "next"), ("rev", "review-queue/next")):
        browser = sign_in(app.test_client(), name)
        refused = browser.get(f"/api/v1/projects/{project.id}/{path}")
        assert refused.status_code == 403 and "CSRF" in refused.json["error"]["message"]
        sent = browser.get(
            f"/api/v1/projects/{project.id}/{path}", headers={"X-CSRFToken": browser.csrf}
        )
        assert sent.status_code == 200, path
        assert api_as(app, name).get(f"/projects/{project.id}/{path}").status_code == 200
