"""Sign-in limits (issue 14, defect 4): per client address and per account, atomic, and no
lock-out of the owner by strangers. The test app allows 5 attempts per account per window."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import at_once, make_user, make_users
from tests.helpers import PASSWORD, csrf_of
from textlabel.auth.service import _dummy_hash


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _login(client: FlaskClient, username: str, password: str) -> int:
    client.csrf = csrf_of(client)
    response = client.post(
        "/login", data={"username": username, "password": password, "csrf_token": client.csrf}
    )
    return response.status_code


def _token(client: FlaskClient, username: str, password: str):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_a_stranger_cannot_lock_the_owner_out_of_their_browser(app: Flask, session):
    make_user(session, "owner")
    owner = _client(app, "10.0.0.1")
    assert _login(owner, "owner", PASSWORD) == 302  # this browser is now known to the account
    assert owner.post("/logout", data={"csrf_token": owner.csrf}).status_code == 302
    stranger = _client(app, "10.0.0.66")
    statuses = [_token(stranger, "owner", f"guess {n}").status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3
    refused = _token(stranger, "owner", PASSWORD)  # even the right password, from a stranger
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "sign in from a browser you used before" in refused.json["error"]["message"]
    assert _login(owner, "owner", PASSWORD) == 302  # the owner's browser is not locked out
    assert _token(stranger, "owner", "guess again").status_code == 401  # and the lock is lifted


def test_a_new_browser_waits_like_a_stranger(app: Flask, session):
    make_user(session, "owner")
    for n in range(5):
        assert _login(_client(app, "10.0.0.2"), "owner", f"guess {n}") == 401
    assert _login(_client(app, "10.0.0.3"), "owner", PASSWORD) == 429


def test_failed_signins_are_limited_per_client_address(app: Flask, session):
    app.config["LOGIN_RATE"] = "20 per 10 minutes"
    make_users(session, *[f"user{n}" for n in range(5)])
    guesser = _client(app, "10.0.0.9")
    statuses = [
        _token(guesser, f"user{n % 5}", f"guess {n}").status_code for n in range(45)
    ]  # 9 a account: the per-account limit alone would allow 25 checks
    assert statuses[:20] == [401] * 20
    assert set(statuses[20:]) == {429}
    response = _token(guesser, "user1", PASSWORD)
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert "from your address" in response.json["error"]["message"]
    assert _token(_client(app, "10.0.0.10"), "user1", PASSWORD).status_code == 201


def test_successful_signins_do_not_count_against_an_address(app: Flask, session):
    app.config["LOGIN_RATE"] = "3 per 10 minutes"
    make_users(session, *[f"member{n}" for n in range(6)])
    classroom = _client(app, "10.0.1.1")
    assert [_token(classroom, f"member{n}", PASSWORD).status_code for n in range(6)] == [201] * 6


def test_parallel_attempts_check_the_password_exactly_the_allowed_times(app: Flask, session):
    app.config["LOGIN_RATE"] = "1000 per minute"
    make_user(session, "target")
    statuses = at_once(
        40, lambda n: _token(_client(app, f"10.1.0.{n}"), "target", f"guess {n}").status_code
    )
    assert sorted(statuses) == [401] * 5 + [429] * 35


def test_unknown_names_are_checked_against_a_hash_like_real_ones(app: Flask, session):
    """Equal timing: a missing user costs one password check with the same scrypt
    parameters (bench/login_timing.py measures both)."""
    user = make_user(session, "real")
    method = user.password_hash.split("$", 1)[0]
    assert _dummy_hash().split("$", 1)[0] == method
    client = _client(app, "10.0.2.1")
    assert _token(client, "nobody", "whatever1").status_code == 401
    assert _token(client, "real", "whatever1").status_code == 401


@pytest.mark.parametrize("username", ["owner", "nobody"])
def test_the_account_limit_answers_the_same_for_missing_names(app: Flask, session, username):
    make_user(session, "owner")
    client = _client(app, "10.0.3.1")
    statuses = [_token(client, username, f"guess {n}").status_code for n in range(6)]
    assert statuses == [401] * 5 + [429]
