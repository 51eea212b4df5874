"""Projects through the API and the browser: create, edit, labels, members, document list."""

from __future__ import annotations

from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import api_as, sign_in


def test_create_and_read_a_project(app: Flask, session) -> None:
    make_user(session, "mgr")
    api = api_as(app, "mgr")
    body = {
        "name": "News NER",
        "description": "people and places",
        "labels": [{"name": "PER", "color": "#ff0000", "hotkey": "p"}, {"name": "LOC"}],
        "layers": ["entities", "pos"],
        "overlap": 2,
        "blind": False,
    }
    created = api.post("/projects", json=body)
    assert created.status_code == 201, created.json
    project = api.get(f"/projects/{created.json['id']}").json
    assert project["name"] == "News NER"
    assert project["layers"] == ["entities", "pos"]
    assert project["overlap"] == 2 and project["blind"] is False
    assert [(lb["name"], lb["color"], lb["hotkey"]) for lb in project["labels"]][0] == (
        "PER", "#ff0000", "p")  # fmt: skip
    assert project["labels"][1]["color"].startswith("#")
    assert project["members"] == [{"username": "mgr", "role": "manager"}]
    assert project["role"] == "manager"
    assert project["counts"]["documents"] == 0


def test_invalid_projects_are_refused_with_the_reason(app: Flask, session) -> None:
    make_user(session, "mgr")
    api = api_as(app, "mgr")
    assert api.post("/projects", json={"name": "A"}).status_code == 201
    assert api.post("/projects", json={"name": "A"}).status_code == 409
    bad_layer = api.post("/projects", json={"name": "B", "layers": ["sentiment"]})
    assert bad_layer.status_code == 422 and "layers" in bad_layer.json["error"]["details"]
    same_key = api.post(
        "/projects",
        json={"name": "C", "labels": [{"name": "X", "hotkey": "x"}, {"name": "Y", "hotkey": "x"}]},
    )
    assert same_key.status_code == 409 and "hotkey" in same_key.json["error"]["message"]
    assert [p["name"] for p in api.get("/projects").json] == ["A"]  # nothing half-created


def test_edit_settings_labels_and_members(app: Flask, session) -> None:
    owner = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, owner)
    api = api_as(app, "mgr")
    changed = api.patch(f"/projects/{project.id}", json={"overlap": 3, "layers": ["coref"]})
    assert changed.status_code == 200
    assert changed.json["overlap"] == 3 and changed.json["layers"] == ["coref"]
    label = api.post(f"/projects/{project.id}/labels", json={"name": "MISC", "hotkey": "m"})
    assert label.status_code == 201
    assert api.delete(f"/projects/{project.id}/labels/{label.json['id']}").status_code == 204
    member = api.post(
        f"/projects/{project.id}/members", json={"username": "ann", "role": "reviewer"}
    )
    assert member.json == {"username": "ann", "role": "reviewer"}
    assert api_as(app, "ann").get(f"/projects/{project.id}").json["role"] == "reviewer"
    assert api.delete(f"/projects/{project.id}/members/ann").status_code == 204
    assert api_as(app, "ann").get(f"/projects/{project.id}").status_code == 404
    nobody = api.post(
        f"/projects/{project.id}/members", json={"username": "ghost", "role": "annotator"}
    )
    assert nobody.status_code == 404


def test_document_list_pages_with_status(app: Flask, session) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    add_documents(session, project, [f"Document number {i}." for i in range(7)])
    api = api_as(app, "mgr")
    page = api.get(f"/projects/{project.id}/documents?per_page=5&page=2").json
    assert page["total"] == 7 and len(page["items"]) == 2
    assert {item["status"] for item in page["items"]} == {"new"}
    assert page["items"][0]["preview"] == "Document number 5."
    doc = api.get(f"/documents/{page['items'][0]['id']}").json
    assert doc["text"] == "Document number 5." and doc["prediction"] is None
    assert api.get(f"/projects/{project.id}/documents?per_page=0").status_code == 422


def test_browser_creates_a_project_with_labels_and_members(app: Flask, session) -> None:
    make_user(session, "admin", admin=True)
    make_user(session, "ann")
    browser = sign_in(app.test_client(), "admin")
    response = browser.post(
        "/projects/new",
        data={
            "csrf_token": browser.csrf,
            "name": "Browser project",
            "labels": "PER #8ecae6 p\nORG o\n",
            "layers": ["entities", "coref"],
            "overlap": "2",
            "blind": "on",
        },
    )
    assert response.status_code == 302
    pid = int(response.headers["Location"].rsplit("/", 1)[1])
    # Members and labels through the HTMX partials, as the settings page does.
    partial = browser.post(
        f"/projects/{pid}/members",
        data={"csrf_token": browser.csrf, "username": "ann", "role": "annotator"},
        headers={"HX-Request": "true"},
    )
    assert partial.status_code == 200 and "<html" not in partial.get_data(as_text=True)
    assert "ann" in partial.get_data(as_text=True)
    browser.post(
        f"/projects/{pid}/labels",
        data={"csrf_token": browser.csrf, "name": "LOC", "color": "#90be6d", "hotkey": "l"},
        headers={"HX-Request": "true"},
    )
    project = api_as(app, "admin").get(f"/projects/{pid}").json
    assert [lb["name"] for lb in project["labels"]] == ["PER", "ORG", "LOC"]
    assert project["layers"] == ["entities", "coref"] and project["overlap"] == 2
    assert {m["username"]: m["role"] for m in project["members"]} == {
        "admin": "manager", "ann": "annotator"}  # fmt: skip
    page = browser.get(f"/projects/{pid}").get_data(as_text=True)
    assert "Browser project" in page and "No documents yet" in page


def test_browser_form_errors_are_shown_not_500(app: Flask, session) -> None:
    make_user(session, "admin", admin=True)
    browser = sign_in(app.test_client(), "admin")
    response = browser.post(
        "/projects/new",
        data={"csrf_token": browser.csrf, "name": "P", "labels": "PER #zzz", "overlap": "two"},
    )
    assert response.status_code == 422
    assert "overlap" in response.get_data(as_text=True)


def test_label_map_is_editable_in_the_browser(app: Flask, session) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=("PER", "LOC"))
    assert project.label_map == {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
    browser = sign_in(app.test_client(), "mgr")
    partial = browser.post(
        f"/projects/{project.id}/label-map",
        data={"csrf_token": browser.csrf, "label_map": "PERSON = PER\n\nNORP = LOC\n"},
        headers={"HX-Request": "true"},
    )
    assert "NORP = LOC" in partial.get_data(as_text=True)
    api = api_as(app, "mgr")
    assert api.get(f"/projects/{project.id}").json["label_map"] == {"PERSON": "PER", "NORP": "LOC"}
    bad = browser.post(
        f"/projects/{project.id}/label-map",
        data={"csrf_token": browser.csrf, "label_map": "PERSON = NOPE"},
        headers={"HX-Request": "true"},
    )
    assert bad.status_code == 422 and "lacks" in bad.get_data(as_text=True)
