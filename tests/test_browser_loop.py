"""The model loop in headless Chromium, as the issue's "done when" reads: a manager trains
from gold on the Model page, sees the scores, activates the model, switches the queue to
uncertainty and re-pre-annotates; the annotator then gets the most uncertain document."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.factories import add_documents, add_gold, make_project, make_users, wikigold_passages
from tests.helpers import api_as, browser_sign_in
from textlabel.models import Document, ModelVersion

pytestmark = pytest.mark.browser

UNTOUCHED = [
    "the cat sat on the mat and then it slept .",
    "Barack Obama visited Paris on Monday .",
    "I saw Kwento and Talibre at Mandu .",
]


def test_manager_trains_activates_refreshes_and_the_queue_follows_uncertainty(
    app, session, page
) -> None:
    boss, _ = make_users(session, "boss", "ann")
    project = make_project(session, boss, labels=("PER", "ORG", "LOC", "MISC"),
                           members={"ann": "annotator"})  # fmt: skip
    add_gold(session, project, wikigold_passages(12))
    add_documents(session, project, UNTOUCHED)

    browser_sign_in(page, "boss")
    page.goto(f"/projects/{project.id}")
    page.click("a.button:has-text('Model')")
    page.uncheck("input[name=curve]")
    page.click("button:has-text('Train')")
    page.wait_for_selector("a:has-text('Version 1: F1')", timeout=240_000)
    page.reload()
    assert page.locator("#version-1 table.scores tr").count() >= 2  # header + "all"
    page.click("button:has-text('Activate version 1')")
    assert page.inner_text("#active-model") == "version 1"
    page.select_option("select[name=queue]", "uncertainty")
    page.click("button:has-text('Save')")
    page.click("button:has-text('Re-pre-annotate untouched documents')")
    refreshed = "#loop-jobs .job:has-text('Pre-annotation') .job-status:has-text('done')"
    page.wait_for_selector(refreshed, timeout=240_000)

    version = session.scalars(select(ModelVersion)).one()
    assert version.active and version.scores["model"]["f"] >= 0
    top = session.scalar(
        select(func.max(Document.uncertainty)).where(Document.project_id == project.id)
    )
    given = api_as(app, "ann").get(f"/projects/{project.id}/next").json["document"]
    handed = session.get(Document, given["id"])
    assert handed is not None and handed.uncertainty == top
    doubts = {d.text: d.uncertainty for d in session.scalars(select(Document))}
    assert doubts[UNTOUCHED[2]] > doubts[UNTOUCHED[0]]
