"""Stored project reports (``agreement.stored``, table ``report_cache``): the Annotators page,
the agreement report and the feedback against gold read back from one row each equal a
computation from scratch after every kind of change; a damaged or stale row is recomputed;
two projects, or two databases with the same ids, never share a report."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, select, update
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_users
from tests.helpers import api_as
from tests.team_data import TEXTS, build_team
from textlabel import migrate
from textlabel.agreement.service import project_agreement
from textlabel.models import AgreementStats, Annotation, ReportCache, Span, User


def _views(boss, pid: int) -> tuple:
    """What the three reports answer (the agreement's cache counts left out)."""
    team = boss.get(f"/projects/{pid}/annotators")
    agreement = boss.get(f"/projects/{pid}/agreement")
    feedback = boss.get(f"/projects/{pid}/feedback")
    for response in (team, agreement, feedback):
        assert response.status_code == 200, response.get_data(as_text=True)
    return team.json, {k: v for k, v in agreement.json.items() if k != "cache"}, feedback.json


def _forget(session) -> None:
    """No stored report and no per-document statistics: the next call computes from scratch."""
    session.execute(delete(ReportCache))
    session.execute(delete(AgreementStats))
    session.commit()


def _stored(session) -> dict:
    return {(r.project_id, r.name): (r.digest, r.computed_at) for r in session.scalars(
        select(ReportCache))}  # fmt: skip


def _version(client, url: str) -> int:
    got = client.get(url)
    return got.json["version"] if got.status_code == 200 else 0


def test_stored_reports_equal_a_fresh_computation_after_every_change(app, session) -> None:
    team = build_team(app, session)
    pid, ids = team.project.id, team.ids
    make_users(session, "ann4")
    clients = {name: api_as(app, name) for name in ("boss", "ann1", "ann3")}
    boss = clients["boss"]

    def save(name: str, index: int, status: str, spans: list[dict]) -> None:
        url = f"/documents/{ids[index]}/annotations/me"
        body = {"version": _version(clients[name], url), "status": status, "spans": spans}
        got = clients[name].put(url, json=body)
        assert got.status_code == 200, got.get_data(as_text=True)

    def gold() -> None:
        url = f"/documents/{ids[7]}/gold"
        body = {"version": _version(boss, url), "status": "submitted",
                "spans": [{"start": 0, "end": 3, "label": "LOC"}]}  # fmt: skip
        assert boss.put(url, json=body).status_code == 200

    def relabel() -> None:
        lid = next(label.id for label in team.project.labels if label.name == "LOC")
        got = boss.delete(f"/projects/{pid}/labels/{lid}?spans=relabel&relabel_to=PER")
        assert got.status_code == 204, got.get_data(as_text=True)

    def imported() -> None:  # rows written outside the save path, as an import writes them
        ann4 = session.scalar(select(User.id).where(User.username == "ann4"))
        now = datetime.now(UTC)
        row = Annotation(document_id=ids[17], user_id=ann4, kind="manual", status="submitted",
                         created_at=now, updated_at=now, submitted_at=now)  # fmt: skip
        row.spans = [Span(layer="ent", start_char=0, end_char=3, start_token=0, end_token=1,
                          label="PER")]  # fmt: skip
        session.add(row)
        session.commit()

    changes = {
        "save": lambda: save("ann1", 0, "submitted", [{"start": 8, "end": 11, "label": "PER"}]),
        "submit": lambda: save("ann3", 16, "submitted", [{"start": 0, "end": 3, "label": "PER"}]),
        "gold": gold,
        "relabel": relabel,
        "archive": lambda: boss.post(f"/documents/{ids[1]}/archive"),
        "delete": lambda: boss.delete(f"/documents/{ids[3]}"),
        "member": lambda: boss.post(f"/projects/{pid}/members",
                                    json={"username": "ann4", "role": "annotator"}),
        "import": imported,
        "reopen": lambda: save("ann1", 4, "draft", []),
    }  # fmt: skip
    before = _views(boss, pid)
    kept = _stored(session)
    assert {name for _, name in kept} == {"team", "agreement:entities", "feedback"}
    assert _views(boss, pid) == before and _stored(session) == kept  # served, not recomputed
    for name, change in changes.items():
        change()
        got = _views(boss, pid)
        assert got != before, name  # every change shows, so a stale report would be caught
        _forget(session)
        assert _views(boss, pid) == got, name
        before = got


class _Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize("payload", [b"not a pickle", pickle.dumps(_Boom()), pickle.dumps([1])])
def test_damaged_or_stale_rows_are_recomputed(app, session, payload, capsys) -> None:
    team = build_team(app, session)
    boss = api_as(app, "boss")
    expected = _views(boss, team.project.id)
    session.execute(update(ReportCache).values(payload=payload))
    session.commit()
    assert _views(boss, team.project.id) == expected
    assert "must never run" not in capsys.readouterr().out
    # a row left by other inputs (its digest differs) is not served even if it reads back
    other = pickle.dumps([])
    session.execute(update(ReportCache).values(payload=other, digest="0" * 64))
    session.commit()
    assert _views(boss, team.project.id) == expected
    assert all(row.payload != other for row in session.scalars(select(ReportCache)))


def test_databases_with_the_same_ids_never_share_a_report(tmp_path) -> None:
    """Two databases alike to every id, version and time (so their digests are equal), but
    for one label: each answers its own report."""
    when = datetime(2026, 11, 1, tzinfo=UTC)
    reports = []
    for n, label in enumerate(("PER", "LOC")):
        engine = create_engine(f"sqlite:///{tmp_path}/db{n}.db")
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            boss, ann1, ann2 = make_users(session, "boss", "ann1", "ann2")
            members = {"ann1": "annotator", "ann2": "annotator"}
            project = make_project(session, boss, members=members, labels=("PER", "LOC"))
            (document,) = add_documents(session, project, TEXTS[:1])
            for user, value in ((ann1, "PER"), (ann2, label)):
                row = Annotation(document_id=document.id, user_id=user.id, kind="manual",
                                 status="submitted", created_at=when, updated_at=when,
                                 submitted_at=when)  # fmt: skip
                row.spans = [Span(layer="ent", start_char=0, end_char=3, start_token=0,
                                  end_token=1, label=value)]  # fmt: skip
                session.add(row)
            session.commit()
            reports.append(project_agreement(session, project).report.span_f1)
            again = project_agreement(session, project)
            assert again.computed == 0 and again.report.span_f1 == reports[-1]  # stored
            digests = session.scalars(select(ReportCache.digest)).all()
        engine.dispose()
        reports.append(digests)
    assert reports[0] == 1.0 and reports[2] == 0.0
    assert reports[1] == reports[3]  # same digest, yet each database its own report
