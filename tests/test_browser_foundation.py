"""A newcomer in real Chromium: sign in, create a project with labels and members."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import make_user
from tests.helpers import browser_sign_in

pytestmark = pytest.mark.browser


def test_sign_in_create_project_add_label_and_member(app: Flask, session, page) -> None:
    make_user(session, "admin", admin=True)
    make_user(session, "ann")
    browser_sign_in(page, "admin")
    page.click("text=New project")
    page.fill("input[name=name]", "Chromium project")
    page.fill("textarea[name=labels]", "PER #8ecae6 p\nORG o")
    page.click("button:has-text('Create project')")
    page.wait_for_selector("h1:has-text('Chromium project')")
    page.click("text=Settings")
    page.fill("#labels input[name=name]", "LOC")
    page.click("#labels button:has-text('Add label')")
    page.wait_for_selector("#labels .label:has-text('LOC')")  # swapped in by htmx, no reload
    page.fill("#members input[name=username]", "ann")
    page.click("#members button:has-text('Add or change')")
    page.wait_for_selector("#members td:has-text('ann')")
    page.reload()
    assert page.locator("#labels .label").all_inner_texts() == ["PER", "ORG", "LOC"]
    assert "annotator" in page.locator("#members").inner_text()


def test_sign_out_ends_the_session(app: Flask, session, page) -> None:
    make_user(session, "admin", admin=True)
    browser_sign_in(page, "admin")
    page.click("button:has-text('Sign out')")
    page.wait_for_url("**/login")
    page.goto("/projects")
    assert "/login" in page.url
