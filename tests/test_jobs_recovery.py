"""Jobs carry an owner and a heartbeat: recovery marks only jobs whose runner stopped
beating, whichever process runs them, and one job is taken by exactly one runner."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.factories import at_once, make_project, make_user
from textlabel import jobs
from textlabel.models import Job
from textlabel.models.base import utcnow


def _job(session, project, *, kind="preannotate", status="running", beat_ago=None, **extra) -> Job:
    job = Job(kind=kind, project_id=project.id, status=status, owner="elsewhere:1:1",
              heartbeat_at=None if beat_ago is None else utcnow() - beat_ago, **extra)  # fmt: skip
    session.add(job)
    session.commit()
    return job


def test_recovery_leaves_live_jobs_alone(app, session, tmp_path: Path) -> None:
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    live = _job(session, project, beat_ago=timedelta(seconds=2))
    dead = _job(session, project, beat_ago=timedelta(minutes=5))
    partial = tmp_path / "out.zip.part"
    partial.write_bytes(b"half")
    export = _job(session, project, kind="export", beat_ago=timedelta(minutes=5),
                  params={"path": str(tmp_path / "out.zip")})  # fmt: skip
    queued = _job(session, project, status="queued")
    recovered = jobs.recover_stale(app.extensions["textlabel.db"])
    assert sorted(j.id for j in recovered) == sorted([dead.id, export.id])
    rows = {j.id: j for j in session.scalars(select(Job).execution_options(populate_existing=True))}
    assert rows[live.id].status == "running" and rows[queued.id].status == "queued"
    assert rows[dead.id].status == "failed"
    assert "resume" in rows[dead.id].error
    assert "starts over" in rows[export.id].error and "resume" not in rows[export.id].error
    assert not partial.exists(), "an interrupted export's partial file is removed"


def test_a_queued_job_is_taken_by_exactly_one_runner(app, session) -> None:
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    job = _job(session, project, status="queued")
    engine = app.extensions["textlabel.db"]
    from sqlalchemy.orm import Session

    def take(i: int) -> bool:
        with Session(engine) as own:
            return jobs.take(own, job.id, f"runner-{i}") is not None

    assert sorted(at_once(4, take)) == [False, False, False, True]
    session.refresh(job)
    assert job.status == "running" and job.owner.startswith("runner-")
