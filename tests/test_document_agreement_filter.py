"""The document list's agreement filter (``agreement_below``) against the same number computed
here in Python: pooled pairwise exact span F1 of the document's submitted annotations."""

from __future__ import annotations

from itertools import combinations

import pytest

from tests.factories import make_project, make_users
from tests.helpers import api_as, sign_in
from tests.team_data import build_team


@pytest.fixture
def team(app, session):
    return build_team(app, session)


def _expected_scores(team) -> dict[int, float]:
    """Per document with two or more submissions: 2 * matched / (spans of both), pooled over
    the pairs; no span at all is full agreement (nothing to disagree on)."""
    by_doc: dict[int, list[set]] = {}
    for (did, _), spans in sorted(team.spans.items()):
        by_doc.setdefault(did, []).append(spans)
    scores = {}
    for did, sets in by_doc.items():
        if len(sets) < 2:
            continue
        matched = sum(len(a & b) for a, b in combinations(sets, 2))
        total = sum(len(a) + len(b) for a, b in combinations(sets, 2))
        scores[did] = 2 * matched / total if total else 1.0
    return scores


def _ids(client, team, query: str) -> list[int]:
    response = client.get(f"/projects/{team.project.id}/documents?per_page=100&{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["id"] for item in response.json["items"]]


def test_agreement_below_matches_a_python_computation(app, team) -> None:
    scores = _expected_scores(team)
    assert len(scores) == 14 and team.ids[14] not in scores  # one annotator: no agreement
    boss = api_as(app, "boss")
    sizes = set()
    for threshold in (0.0, 0.3, 0.5, 0.8, 1.0):
        expected = sorted(d for d, score in scores.items() if score < threshold - 1e-9)
        assert _ids(boss, team, f"agreement_below={threshold}") == expected, threshold
        sizes.add(len(expected))
    assert len(sizes) >= 3  # the thresholds do split the documents
    below = sorted(d for d, score in scores.items() if score < 0.8)
    assert _ids(boss, team, "agreement_below=0.8&sort=-id") == below[::-1]
    assert _ids(boss, team, "agreement_below=0.8&gold=true") == [d for d in below if d in team.gold]

    # The document list's box: the same documents, linked.
    client = sign_in(app.test_client(), "boss")
    page = client.get(f"/projects/{team.project.id}?agreement_below=0.5").get_data(as_text=True)
    assert 'name="agreement_below"' in page and 'value="0.5"' in page
    for did, score in scores.items():
        assert (f"/documents/{did}/view" in page) == (score < 0.5), (did, score)


def test_agreement_below_refuses_bad_values_and_annotators_of_blind_projects(app, session) -> None:
    boss, _ = make_users(session, "boss", "ann")
    project = make_project(session, boss, members={"ann": "annotator"}, blind=True)
    for bad in ("1.5", "-0.1", "nan", "high"):
        got = api_as(app, "boss").get(f"/projects/{project.id}/documents?agreement_below={bad}")
        assert got.status_code == 422, bad
    got = api_as(app, "ann").get(f"/projects/{project.id}/documents?agreement_below=0.5")
    assert got.status_code == 403
