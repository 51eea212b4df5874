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


def _job(session, project, *, kind="preannotate", status="running", beat_ago=None,
         owner="elsewhere:1:1", **extra) -> Job:  # fmt: skip
    job = Job(kind=kind, project_id=project.id, status=status, owner=owner,
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


def _dead_pid() -> int:
    """The pid of a process of this host that has ended (and was reaped)."""
    import subprocess

    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_jobs_of_a_gone_process_of_this_host_are_recovered_at_once(app, session) -> None:
    """A ``textlabel serve`` killed with -9 (its job process gone too) leaves jobs "running"
    with a fresh heartbeat: the restarted server or job process sees the owner is gone and
    recovers them without the minute's wait; a live process's jobs, and another host's, stay."""
    import os

    from textlabel.jobprocess import Poller

    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    host = jobs.this_host()
    gone = _job(session, project, beat_ago=timedelta(seconds=1), owner=f"{host}:{_dead_pid()}:7")
    chunk = _job(session, project, beat_ago=timedelta(seconds=1), owner=f"{host}:{_dead_pid()}:7")
    parent = _job(session, project, owner=jobs.FANNED_OUT, beat_ago=timedelta(seconds=1))
    chunk.parent_id = parent.id
    session.commit()
    live = _job(session, project, beat_ago=timedelta(seconds=1), owner=f"{host}:{os.getpid()}:7")
    other_host = _job(session, project, beat_ago=timedelta(seconds=1), owner="elsewhere:1:1")
    engine = app.extensions["textlabel.db"]
    sent: list[int] = []
    queue = type("Queue", (), {"submit": staticmethod(sent.append), "busy": lambda _self: False})()
    jobs.use_runner(queue)  # recovery hands a chunk back to the runner: this one only notes it
    poller = Poller(engine, queue, stale_after=60)
    poller.poll()  # the first pass of a (re)started job process
    rows = {j.id: j for j in session.scalars(select(Job).execution_options(populate_existing=True))}
    assert rows[gone.id].status == "failed" and "resume" in rows[gone.id].error
    assert rows[chunk.id].status == "queued" and chunk.id in sent  # a chunk goes back
    assert rows[live.id].status == "running", "a live process's job is never taken"
    assert rows[other_host.id].status == "running", "another host's job waits for its heartbeat"
    assert rows[parent.id].status == "running"


def test_another_machine_of_the_same_host_name_keeps_its_jobs(app, session, monkeypatch) -> None:
    """Two machines may share a host name (a cloned image) and a database: a pid that is dead
    here may be alive there, so only this machine's owners are judged by their pids."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    monkeypatch.setattr(jobs, "_machine_id", lambda: "bbbbbbbbbbbb", raising=False)
    there = jobs.this_host()
    monkeypatch.setattr(jobs, "_machine_id", lambda: "aaaaaaaaaaaa", raising=False)
    here = jobs.this_host()
    theirs = _job(session, project, beat_ago=timedelta(seconds=1), owner=f"{there}:{_dead_pid()}:7")
    ours = _job(session, project, beat_ago=timedelta(seconds=1), owner=f"{here}:{_dead_pid()}:7")
    recovered = {job.id for job in jobs.recover_dead_owners(app.extensions["textlabel.db"])}
    assert theirs.id not in recovered, "the other machine's job waits for its heartbeat"
    assert ours.id in recovered


def test_the_host_name_of_an_owner_tells_pid_namespaces_apart() -> None:
    """Two containers may share a host name (network_mode: host), never their pids."""
    import os

    host = jobs.this_host()
    assert ":" not in host
    if os.path.exists("/proc/self/ns/pid"):
        namespace = os.stat("/proc/self/ns/pid").st_ino
        assert host.endswith(f"~{namespace}") or namespace == 0xEFFFFFFC


def test_a_job_process_whose_server_was_killed_marks_its_jobs_before_it_exits(
    app, session, database_url, tmp_path: Path
) -> None:
    """``kill -9`` of the server: its job process notices its parent is gone, marks the jobs it
    held as interrupted (nobody else would until the heartbeat goes stale) and exits."""
    import os
    import signal
    import subprocess
    import sys
    import time

    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    env = {**os.environ, "TEXTLABEL_DATABASE_URL": database_url,
           "TEXTLABEL_INSTANCE": str(tmp_path / "instance")}  # fmt: skip
    shell = subprocess.Popen(  # the "server": a shell whose child is the job process
        ["sh", "-c", f"{sys.executable} -m textlabel.jobprocess --parent $$ --model none & wait"],
        env=env,
    )
    deadline = time.monotonic() + 120
    while not (children := _child_pids(shell.pid)):
        assert time.monotonic() < deadline, "the job process did not start"
        time.sleep(0.1)
    held = _job(session, project, beat_ago=timedelta(seconds=1),
                owner=f"{jobs.this_host()}:{children[0]}:1")  # fmt: skip
    os.kill(shell.pid, signal.SIGKILL)
    shell.wait()
    while Path(f"/proc/{children[0]}").exists():
        assert time.monotonic() < deadline, "the job process outlived its server"
        time.sleep(0.1)
    row = session.scalar(
        select(Job).where(Job.id == held.id).execution_options(populate_existing=True)
    )
    assert row is not None and row.status == "failed" and "resume" in (row.error or "")


def _child_pids(pid: int) -> list[int]:
    import subprocess

    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(child) for child in found.split()]


def test_the_stale_timeout_and_heartbeat_are_settings(app, session, monkeypatch) -> None:
    """``TEXTLABEL_JOB_STALE_S`` decides when another host's job counts as lost (read by the
    sweeper), never under three of ``TEXTLABEL_JOB_HEARTBEAT_S``; the default is 60 s."""
    admin = make_user(session, "admin", admin=True)
    project = make_project(session, admin)
    engine = app.extensions["textlabel.db"]
    old = _job(session, project, beat_ago=timedelta(seconds=20))
    assert jobs.recover_stale(engine) == [], "20 s without a beat: alive by the default"
    monkeypatch.setenv("TEXTLABEL_JOB_STALE_S", "15")
    fresh = _job(session, project, beat_ago=timedelta(seconds=5))
    assert [j.id for j in jobs.recover_stale(engine)] == [old.id]
    monkeypatch.setenv("TEXTLABEL_JOB_STALE_S", "1")
    monkeypatch.setenv("TEXTLABEL_JOB_HEARTBEAT_S", "2")
    assert jobs.heartbeat_s() == 2.0
    assert jobs.stale_timeout() == timedelta(seconds=6), "three beats at least"
    assert jobs.recover_stale(engine) == [], "5 s: within three beats of 2 s"
    assert session.scalar(select(Job.status).where(Job.id == fresh.id)) == "running"
