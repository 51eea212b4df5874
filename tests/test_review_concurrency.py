"""Reviewers asking for work at the same moment never get the same document (real HTTP,
threaded server, both databases)."""

from __future__ import annotations

from collections import Counter

import requests

from tests.factories import add_documents, at_once, make_project, make_user, make_users
from tests.helpers import api_as
from textlabel.models import ReviewItem

REVIEWERS = [f"rev{i}" for i in range(6)]


def test_concurrent_reviewers_get_different_documents(app, session, live_server) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, REVIEWERS[0], *REVIEWERS[1:])
    project = make_project(session, admin, members=dict.fromkeys(REVIEWERS, "reviewer"))
    documents = add_documents(session, project, [f"Document {i} to review." for i in range(9)])
    # Open items with distinct scores; the six lowest are the ones to be handed out first.
    session.add_all(
        ReviewItem(document_id=d.id, project_id=project.id, state="open", score=i / 10)
        for i, d in enumerate(documents)
    )
    session.commit()
    headers = [api_as(app, name).headers for name in REVIEWERS]
    url = f"{live_server}/api/v1/projects/{project.id}/review-queue/next"

    def take(i: int) -> int:
        got = requests.get(url, headers=headers[i], timeout=30)
        assert got.status_code == 200, got.text
        return got.json()["document_id"]

    first = at_once(len(REVIEWERS), take)
    assert sorted(first) == sorted(d.id for d in documents[:6])
    again = at_once(len(REVIEWERS), take)  # each reviewer gets back the one they hold
    assert again == first
    session.expire_all()
    held = Counter(item.reviewer_id for item in session.query(ReviewItem) if item.reviewer_id)
    assert sorted(held.values()) == [1] * len(REVIEWERS)
