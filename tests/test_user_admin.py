"""Administrators deactivate and reactivate accounts and reset passwords (issue 15): API and
page; a deactivated account's sessions and tokens stop at once, its work stays."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import make_user, make_users
from tests.helpers import PASSWORD, api_as, browser_sign_in, sign_in
from textlabel.models import Event


@pytest.fixture
def people(session):
    make_user(session, "root", admin=True)
    return make_users(session, "ada", "bob")


def test_deactivate_stops_tokens_and_sign_in_then_reactivate(app: Flask, people, session):
    ada = api_as(app, "ada")
    assert ada.get("/users/me").status_code == 200
    root = api_as(app, "root")
    off = root.patch("/users/ada", json={"is_active": False})
    assert off.status_code == 200 and off.json["is_active"] is False
    assert ada.get("/users/me").status_code == 401  # the token stopped at once
    refused = app.test_client().post("/api/v1/auth/token",
                                     json={"username": "ada", "password": PASSWORD})  # fmt: skip
    assert refused.status_code == 401
    assert root.patch("/users/ada", json={"is_active": True}).json["is_active"] is True
    assert api_as(app, "ada").get("/users/me").status_code == 200
    actions = session.scalars(select(Event.action).where(Event.subject == "ada")).all()
    assert "user.deactivate" in actions and "user.activate" in actions


def test_reset_password_revokes_tokens_and_refusals_name_why(app: Flask, people) -> None:
    bob = api_as(app, "bob")
    root = api_as(app, "root")
    assert root.patch("/users/bob", json={"password": "a-new-secret"}).status_code == 200
    assert bob.get("/users/me").status_code == 401
    assert api_as(app, "bob", "a-new-secret").get("/users/me").json["username"] == "bob"
    short = root.patch("/users/bob", json={"password": "short"})
    assert short.status_code == 422
    assert root.patch("/users/nobody", json={"is_active": False}).status_code == 404
    assert root.patch("/users/root", json={"is_active": False}).status_code == 409
    assert api_as(app, "ada").patch("/users/bob", json={"is_active": False}).status_code == 403


def test_users_page_deactivates_and_resets(app: Flask, people) -> None:
    root = sign_in(app.test_client(), "root")
    done = root.post("/users/ada", data={"action": "deactivate", "csrf_token": root.csrf},
                     follow_redirects=True)  # fmt: skip
    assert "ada deactivated." in done.get_data(as_text=True)
    reset = root.post("/users/bob", data={"password": "another-secret", "csrf_token": root.csrf},
                      follow_redirects=True)  # fmt: skip
    assert "bob: password reset." in reset.get_data(as_text=True)
    assert api_as(app, "bob", "another-secret").get("/users/me").status_code == 200


@pytest.mark.browser
def test_admin_deactivates_an_account_in_the_browser(app: Flask, people, page) -> None:
    browser_sign_in(page, "root")
    page.goto("/users")
    page.click("button[aria-label='deactivate ada']")
    page.wait_for_selector("tr[data-user=ada] button[aria-label='reactivate ada']")
    assert page.inner_text("tr[data-user=ada] td:nth-child(3)") == "no"
