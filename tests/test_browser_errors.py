"""Refused htmx requests show the server's message where the user looks (static/app.js):
htmx does not swap 4xx answers, so without it these forms failed silently."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import make_project, make_user
from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser


def test_settings_forms_show_why_they_were_refused(app: Flask, session, page) -> None:
    owner = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, owner, labels=("PER",))
    project.labels[0].hotkey = "p"
    session.commit()
    browser_sign_in(page, "mgr")
    page.goto(f"/projects/{project.id}/settings")
    page.fill("#members input[name=username]", "nobody")
    page.click("#members button:has-text('Add or change')")
    error = page.locator("#members form + .request-error[role=alert]")
    error.wait_for()
    assert "no user named 'nobody'" in error.inner_text()
    page.fill("#labels input[name=name]", "LOC")
    page.fill("#labels input[name=hotkey]", "p")
    page.click("#labels button:has-text('Add label')")
    duplicate = page.locator("#labels form + .request-error")
    duplicate.wait_for()
    assert "hotkey 'p' is already used" in duplicate.inner_text()
    # Fixed and sent again, the form succeeds and the message goes.
    page.fill("#members input[name=username]", "ann")
    page.click("#members button:has-text('Add or change')")
    page.wait_for_selector("#members td:has-text('ann')")
    assert page.locator("#members .request-error").count() == 0
