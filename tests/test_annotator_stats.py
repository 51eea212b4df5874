"""Per-annotator statistics (``GET /projects/{pid}/annotators`` and the page) against the same
numbers computed here from what the test submitted: counts, median seconds, submissions per
day, pooled pairwise span F1 with each other annotator, span F1 against gold."""

from __future__ import annotations

import statistics
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tests.helpers import api_as, sign_in
from tests.team_data import ANNOTATORS, build_team
from textlabel.models import Annotation, User


@pytest.fixture
def team(app, session):
    return build_team(app, session)


def _pair_f1(team, a: str, b: str) -> tuple[float | None, int]:
    both = [d for (d, name) in team.spans if name == a and (d, b) in team.spans]
    matched = sum(len(team.spans[(d, a)] & team.spans[(d, b)]) for d in both)
    total = sum(len(team.spans[(d, a)]) + len(team.spans[(d, b)]) for d in both)
    return (2 * matched / total if total else None), len(both)


def _gold_f1(team, name: str) -> tuple[float | None, int]:
    docs = [d for (d, who) in team.spans if who == name and d in team.gold]
    tp = sum(len(team.spans[(d, name)] & team.gold[d]) for d in docs)
    made = sum(len(team.spans[(d, name)]) for d in docs)
    truth = sum(len(team.gold[d]) for d in docs)
    return (2 * tp / (made + truth) if made + truth else None), len(docs)


def _retime(session, team) -> tuple[list[float], dict[str, int]]:
    """Give ann1's submissions known hand-out and submission times over three days."""
    ann1 = session.scalar(select(User.id).where(User.username == "ann1"))
    rows = session.scalars(
        select(Annotation).where(Annotation.user_id == ann1, Annotation.status == "submitted")
        .order_by(Annotation.id)
    ).all()  # fmt: skip
    base = datetime(2026, 11, 20, 9, 0, 0)
    seconds, per_day = [], {}
    for n, annotation in enumerate(rows):
        took = 30 + 17 * n
        submitted = base + timedelta(days=(n % 3) * 2, minutes=n)  # days 20, 22, 24
        annotation.created_at = submitted - timedelta(seconds=took)
        annotation.submitted_at = submitted
        seconds.append(took)
        per_day[submitted.date().isoformat()] = per_day.get(submitted.date().isoformat(), 0) + 1
    session.commit()
    return seconds, per_day


def test_annotator_numbers_match_an_independent_computation(app, session, team) -> None:
    seconds, per_day = _retime(session, team)
    response = api_as(app, "boss").get(f"/projects/{team.project.id}/annotators")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["layer"] == "entities" and body["measure"] == "span_f1"
    rows = {row["annotator"]: row for row in body["annotators"]}
    assert sorted(rows) == list(ANNOTATORS)
    for name in ANNOTATORS:
        row = rows[name]
        assert row["done"] == sum(who == name for (_, who) in team.spans)
        assert row["skipped"] == len(team.skipped.get(name, []))
        assert row["in_progress"] == len(team.drafts.get(name, []))
        partners = {}
        for other in ANNOTATORS:
            f1, n = _pair_f1(team, name, other)
            if other != name and n:
                partners[other] = (f1, n)
        got = {p["annotator"]: (p["score"], p["n_documents"]) for p in row["partners"]}
        assert got.keys() == partners.keys()
        for other, (f1, n) in partners.items():
            assert got[other][1] == n and got[other][0] == pytest.approx(f1)
        defined = [f1 for f1, _ in partners.values() if f1 is not None]
        assert row["agreement"] == pytest.approx(statistics.fmean(defined))
        f1, n = _gold_f1(team, name)
        assert row["gold_documents"] == n
        assert row["gold_f1"] == (None if f1 is None else pytest.approx(f1))
    assert rows["ann1"]["median_seconds"] == pytest.approx(statistics.median(seconds))
    days = body["days"]
    assert days[0] == "2026-11-20" and days[-1] >= "2026-11-24"
    ann1_days = dict(zip(days, rows["ann1"]["per_day"], strict=True))
    assert {d: c for d, c in ann1_days.items() if c} == per_day
    assert ann1_days["2026-11-21"] == 0  # days without a submission are in the series, as 0
    assert sum(rows["ann2"]["per_day"]) == rows["ann2"]["done"]


def test_the_page_shows_the_table_and_the_chart_for_managers_only(app, session, team) -> None:
    url = f"/projects/{team.project.id}/annotators"
    assert api_as(app, "ann1").get(url).status_code in (403, 404)
    client = sign_in(app.test_client(), "boss")
    page = client.get(url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count("<polyline") == len(ANNOTATORS)
    for name in ANNOTATORS:
        assert f"<td>{name}</td>" in html
    assert sign_in(app.test_client(), "ann1").get(url).status_code in (403, 404)
    project_page = client.get(f"/projects/{team.project.id}").get_data(as_text=True)
    assert url in project_page
