"""Security headers on every response, and templates that need no inline script under them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def _policy(header: str) -> dict[str, list[str]]:
    directives = (part.strip().split() for part in header.split(";") if part.strip())
    return {d[0]: d[1:] for d in directives}


def _assert_secured(response, *, hsts: bool) -> None:
    policy = _policy(response.headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in policy["style-src"]  # no <style> elements
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in response.headers) is hsts


def test_every_kind_of_response_carries_the_headers(app: Flask, session) -> None:
    owner = make_user(session, "owner", admin=True)
    project = make_project(session, owner)
    [document] = add_documents(session, project, ["Ada Lovelace met Babbage."])
    anonymous = app.test_client()
    browser = sign_in(app.test_client(), "owner")
    api = api_as(app, "owner")
    responses = [
        anonymous.get("/login"),  # a public page
        anonymous.get("/projects"),  # a redirect to sign in
        anonymous.get("/static/app.js"),  # a static file
        anonymous.get("/api/v1/projects"),  # a JSON 401
        browser.get(f"/projects/{project.id}"),  # a page
        browser.get("/projects/999999"),  # an HTML 404
        browser.post("/projects/new", data={"name": "x"}),  # a 403 without CSRF
        browser.get(f"/projects/{project.id}", headers={"HX-Request": "true"}),  # a partial
        api.get(f"/documents/{document.id}"),  # JSON
        api.put("/projects", json={}),  # a 405
    ]
    for response in responses:
        _assert_secured(response, hsts=False)
        response.close()  # the static file's handle
    assert {r.status_code for r in responses} >= {200, 302, 401, 403, 404, 405}


def test_hsts_over_https_or_with_secure_cookies(app: Flask, session) -> None:
    make_user(session, "owner")
    client = app.test_client()
    _assert_secured(client.get("/login", base_url="https://localhost"), hsts=True)
    header = client.get("/login", base_url="https://localhost").headers
    assert header["Strict-Transport-Security"].startswith("max-age=31536000")
    _assert_secured(client.get("/login"), hsts=False)
    app.config["SECURE_COOKIES"] = True  # served behind a proxy that terminates TLS
    _assert_secured(client.get("/login"), hsts=True)


def _templates() -> list[tuple[str, str]]:
    paths = sorted(TEMPLATES.rglob("*.html"))
    return [(str(p.relative_to(TEMPLATES)), p.read_text()) for p in paths]


def test_templates_have_no_inline_script_the_policy_would_block() -> None:
    """Every <script> loads a file or is an inert JSON data island; no on* handler attribute,
    no javascript: URL, no <style> element (the policy blocks each of them)."""
    checked = 0
    for name, html in _templates():
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (name, tag)
            checked += 1
        assert not re.search(r"\son[a-z]+\s*=", html), name
        assert "javascript:" not in html, name
        assert "<style" not in html, name
    assert checked >= 4


@pytest.mark.parametrize("line", ['<form onsubmit="x()">', '<a href="javascript:x()">'])
def test_the_template_check_catches_what_it_must(line: str) -> None:
    assert re.search(r"\son[a-z]+\s*=", line) or "javascript:" in line
