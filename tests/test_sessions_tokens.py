"""Sessions end on the server and tokens can expire (issue 14, defect 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select, update

from tests.factories import make_user
from tests.helpers import PASSWORD, api_as, sign_in
from textlabel.models import ApiToken


def _copy_of(app: Flask, client):
    """Another client holding the same session cookie (a stolen or copied cookie)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def test_a_session_cookie_copied_before_sign_out_stops_working(app: Flask, session):
    make_user(session, "ann")
    browser = sign_in(app.test_client(), "ann")
    thief = _copy_of(app, browser)
    assert thief.get("/projects").status_code == 200
    assert browser.post("/logout", data={"csrf_token": browser.csrf}).status_code == 302
    assert thief.get("/projects").status_code == 302  # to the sign-in page
    assert thief.get("/api/v1/users/me").status_code == 401
    again = sign_in(app.test_client(), "ann")  # signing in again works
    assert again.get("/projects").status_code == 200


def test_a_password_change_ends_other_sessions_and_revokes_every_token(app: Flask, session):
    make_user(session, "ann")
    api = api_as(app, "ann")
    other = sign_in(app.test_client(), "ann")
    browser = sign_in(app.test_client(), "ann")
    page = browser.get("/account").text
    assert "revokes all your API tokens" in page
    response = browser.post(
        "/account",
        data={"action": "password", "current": PASSWORD, "new": "a new password",
              "csrf_token": browser.csrf},
    )  # fmt: skip
    assert "your API tokens are revoked" in response.text
    assert api.get("/users/me").status_code == 401
    assert other.get("/projects").status_code == 302
    assert browser.get("/projects").status_code == 200  # the session that changed it goes on
    assert session.scalars(select(ApiToken)).all() == []
    assert api_as(app, "ann", "a new password").get("/users/me").status_code == 200


def test_tokens_may_expire(app: Flask, session):
    make_user(session, "ann")
    client = app.test_client()
    response = client.post(
        "/api/v1/auth/token",
        json={"username": "ann", "password": PASSWORD, "name": "nightly", "expires_in_days": 7},
    )
    assert response.status_code == 201
    headers = {"Authorization": f"Bearer {response.json['token']}"}
    [info] = client.get("/api/v1/auth/tokens", headers=headers).json
    expires = datetime.fromisoformat(info["expires_at"])
    assert info["name"] == "nightly"
    assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
    session.execute(update(ApiToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    response = client.get("/api/v1/users/me", headers=headers)
    assert response.status_code == 401


def test_token_options_are_checked(app: Flask, session):
    make_user(session, "ann")
    client = app.test_client()
    for extra in ({"expires_in_days": 0}, {"expires_in_days": 10**6}, {"name": "x" * 81}):
        body = {"username": "ann", "password": PASSWORD, **extra}
        assert client.post("/api/v1/auth/token", json=body).status_code == 422, extra


def test_the_account_page_creates_expiring_tokens(app: Flask, session):
    make_user(session, "ann")
    browser = sign_in(app.test_client(), "ann")
    response = browser.post(
        "/account",
        data={"action": "token", "name": "short", "expires_in_days": "1",
              "csrf_token": browser.csrf},
    )  # fmt: skip
    assert response.status_code == 200
    token = session.scalar(select(ApiToken))
    assert token.name == "short" and token.expires_at is not None
    assert token.expires_at.strftime("%Y-%m-%d %H:%M") in response.text
    response = browser.post(
        "/account",
        data={"action": "token", "name": "x" * 200, "csrf_token": browser.csrf},
    )
    assert "a token name is 1-80" in response.text
