"""Pages as users meet them: scripts that run, empty states, error pages that say what happened."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import add_documents, make_project, make_user
from tests.helpers import DATA, browser_sign_in, sign_in


@pytest.mark.browser
def test_import_page_uploads_with_progress_and_no_script_errors(app: Flask, session, page) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    browser_sign_in(page, "mgr")
    page.goto(f"/projects/{project.id}/import")
    source = DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu"
    page.set_input_files("input[type=file]", str(source))
    assert page.locator("#dropzone b").inner_text() == source.name
    page.uncheck("input[name=preannotate][type=checkbox]")
    # The progress handler is registered through htmx: an upload progress event moves the bar.
    page.evaluate(
        """() => htmx.trigger("#import-form", "htmx:xhr:progress", {loaded: 5, total: 10})"""
    )
    assert page.locator("#upload-progress").is_visible()
    assert page.eval_on_selector("#upload-progress", "bar => bar.value") == 50
    page.click("button:has-text('Import')")
    page.wait_for_selector("#import-result h2:has-text('Imported 1 document')")
    assert errors == []


@pytest.mark.browser
def test_jobs_panel_empty_state_goes_when_a_job_starts(app: Flask, session, page) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner)
    browser_sign_in(page, "mgr")
    page.goto(f"/projects/{project.id}")
    assert page.locator("#jobs .empty-note").is_visible()
    page.click("button:has-text('Pre-annotate with spaCy')")
    page.wait_for_selector("#job-list .job")
    assert not page.locator("#jobs .empty-note").is_visible()


@pytest.mark.parametrize(
    ("path", "user", "status", "title"),
    [("/projects/{pid}/settings", "ann", 403, "Not allowed"),
     ("/projects/999999", "mgr", 404, "Not found"),
     ("/no-such-page", "mgr", 404, "Not found")],
)  # fmt: skip
def test_error_pages_name_the_problem(
    app: Flask, session, path: str, user: str, status: int, title: str
) -> None:
    owner = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, owner, members={"ann": "annotator"})
    response = sign_in(app.test_client(), user).get(path.format(pid=project.id))
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert f"<h1>{status} · {title}</h1>" in body and "Back to projects" in body


def test_document_numbers_link_to_the_read_only_view_only_for_reviewers(app: Flask, session):
    owner = make_user(session, "mgr")
    make_user(session, "ann")
    project = make_project(session, owner, members={"ann": "annotator"})
    (document,) = add_documents(session, project, ["Ada met Babbage in London."])
    # The read-only view (issue 15, defect 4) holds the history; annotators have neither.
    history = f'href="/documents/{document.id}/view"'
    manager_page = sign_in(app.test_client(), "mgr").get(f"/projects/{project.id}")
    annotator_page = sign_in(app.test_client(), "ann").get(f"/projects/{project.id}")
    assert history in manager_page.get_data(as_text=True)
    assert annotator_page.status_code == 200
    assert history not in annotator_page.get_data(as_text=True)


@pytest.mark.parametrize(("user", "sees_export"), [("mgr", True), ("rev", True), ("ann", False)])
def test_export_jobs_show_on_the_project_page_only_to_those_who_may_export(
    app: Flask, session, user: str, sees_export: bool
) -> None:
    from textlabel import jobs

    owner = make_user(session, "mgr")
    make_user(session, "rev")
    make_user(session, "ann")
    project = make_project(session, owner, members={"rev": "reviewer", "ann": "annotator"})
    export = jobs.create(session, "export", project_id=project.id, user=owner)
    session.commit()
    body = sign_in(app.test_client(), user).get(f"/projects/{project.id}").get_data(as_text=True)
    assert (f'id="job-{export.id}"' in body) is sees_export
