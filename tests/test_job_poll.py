"""The job process's poll: a database never migrated is said once, with what to run (not a
warning every 0.25 s), and the poll for queued jobs reads an index, not the job table."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from textlabel import jobs, migrate
from textlabel.db import make_engine
from textlabel.jobprocess import Poller


def test_an_unmigrated_database_is_said_once_with_what_to_do(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")
    runner = jobs.JobRunner(engine)
    poller = Poller(engine, runner, stale_after=60)
    with caplog.at_level(logging.DEBUG, logger="textlabel.jobprocess"):
        for _ in range(8):  # two seconds of the job process's polls
            poller.poll()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "textlabel init" in warnings[0].getMessage()
    assert "never migrated" in warnings[0].getMessage()
    caplog.clear()
    migrate.upgrade(engine)
    with caplog.at_level(logging.WARNING, logger="textlabel.jobprocess"):
        poller.poll()
        poller.poll()
    assert [r.getMessage() for r in caplog.records] == [
        "the job process reaches the database again; jobs run"
    ]
    engine.dispose()


def test_the_poll_for_queued_jobs_reads_the_status_index(app) -> None:
    engine = app.extensions["textlabel.db"]
    assert "ix_job_status" in {ix["name"] for ix in inspect(engine).get_indexes("job")}
    if engine.dialect.name != "sqlite":
        return  # PostgreSQL's planner scans a table this small anyway (bench/job_poll.py)
    with engine.connect() as connection:
        plan = connection.execute(
            text("EXPLAIN QUERY PLAN SELECT id FROM job WHERE status = 'queued' ORDER BY id")
        ).all()
    shown = " ".join(str(row[-1]) for row in plan)
    assert "ix_job_status" in shown and "SCAN job" not in shown, shown
