"""Tokens, users, sign-in limits, and the error shape."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from tests.factories import make_user
from tests.helpers import PASSWORD, api_as, csrf_of
from textlabel.models import ApiToken


def test_token_is_issued_for_good_credentials_and_stored_hashed(app: Flask, session) -> None:
    make_user(session, "ada")
    client = app.test_client()
    response = client.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 201
    token = response.json["token"]
    stored = session.scalars(select(ApiToken.token_hash)).all()
    assert stored and token not in stored
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json["username"] == "ada"


def test_bad_credentials_and_bad_tokens_get_401(app: Flask, session) -> None:
    make_user(session, "ada")
    client = app.test_client()
    wrong = client.post("/api/v1/auth/token", json={"username": "ada", "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json == {
        "error": {"code": "not_authenticated", "message": "wrong username or password",
                  "details": None}
    }  # fmt: skip
    forged = client.get("/api/v1/projects", headers={"Authorization": "Bearer tl_forged"})
    assert forged.status_code == 401


def test_sign_in_attempts_are_rate_limited(app: Flask, session) -> None:
    make_user(session, "ada")
    client = app.test_client()
    for _ in range(app.config["LOGIN_ATTEMPTS"]):
        response = client.post("/api/v1/auth/token", json={"username": "ada", "password": "x"})
        assert response.status_code == 401
    # Even the right password is refused while the account is throttled.
    response = client.post("/api/v1/auth/token", json={"username": "ada", "password": PASSWORD})
    assert response.status_code == 429
    page = client.post(
        "/login", data={"username": "ada", "password": PASSWORD, "csrf_token": csrf_of(client)}
    )
    assert page.status_code == 429


def test_admin_creates_users_and_others_may_not(app: Flask, session) -> None:
    make_user(session, "root", admin=True)
    make_user(session, "plain")
    admin = api_as(app, "root")
    created = admin.post("/users", json={"username": "newbie", "password": "long enough"})
    assert created.status_code == 201
    assert created.json == {"id": created.json["id"], "username": "newbie", "is_admin": False,
                            "is_active": True}  # fmt: skip
    assert "password" not in created.json
    duplicate = admin.post("/users", json={"username": "newbie", "password": "long enough"})
    assert duplicate.status_code == 409
    short = admin.post("/users", json={"username": "x", "password": "short"})
    assert short.status_code == 422
    assert "password" in short.json["error"]["details"]
    assert api_as(app, "newbie", "long enough").get("/users/me").status_code == 200
    assert api_as(app, "plain").get("/users").status_code == 403


def test_malformed_json_is_a_clear_4xx(app: Flask, session) -> None:
    make_user(session, "root", admin=True)
    admin = api_as(app, "root")
    response = admin.post(
        "/projects", data="{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "JSON" in response.json["error"]["message"]
    missing = admin.get("/projects/999")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_tokens_are_listed_and_revoked(app: Flask, session) -> None:
    make_user(session, "ada")
    make_user(session, "bob")
    api = api_as(app, "ada")
    other = api_as(app, "bob")
    [mine] = api.get("/auth/tokens").json
    assert set(mine) == {"id", "name", "created_at", "expires_at"}  # never the secret
    [theirs] = other.get("/auth/tokens").json
    assert api.delete(f"/auth/tokens/{theirs['id']}").status_code == 404
    assert other.get("/users/me").status_code == 200
    assert api.delete(f"/auth/tokens/{mine['id']}").status_code == 204
    assert api.get("/users/me").status_code == 401  # the revoked token no longer works


def test_account_page_revokes_a_token(app: Flask, session) -> None:
    from tests.helpers import sign_in

    make_user(session, "ada")
    api = api_as(app, "ada")
    [token] = api.get("/auth/tokens").json
    browser = sign_in(app.test_client(), "ada")
    page = browser.get("/account").get_data(as_text=True)
    assert "revoke" in page
    browser.post(
        "/account", data={"csrf_token": browser.csrf, "action": "revoke", "token_id": token["id"]}
    )
    assert api.get("/users/me").status_code == 401
    assert browser.get("/login").status_code == 302  # signed in: the login page sends you on
