"""How late a running job's heartbeat gets: the margin that the stale timeout
(``TEXTLABEL_JOB_STALE_S``) must keep over it, since a job whose beat is older than that is
taken for lost by any sweeper (another host's runner waits for exactly this).

Starts the real job process (``python -m textlabel.jobprocess``, niced as in production), has
it pre-annotate a project (chunk jobs of ``--chunk-docs``), polls every running job's
``heartbeat_at`` every 0.1 s, and prints the gaps between the beats it saw (the heartbeat
thread every ``TEXTLABEL_JOB_HEARTBEAT_S``, plus each progress report), with the load. A
parent that fanned out into chunks is left out: it has no heartbeat (its time moves with its
chunks' progress) and no sweep takes it.

    .venv/bin/python bench/heartbeat.py [--database sqlite|URL] [--docs 4000] [--burn 0]

``--burn N`` runs N busy loops beside it (a loaded machine on purpose); ``--import-rows N``
imports a CSV of N rows again and again while the job runs, each in an import child as a
large upload is (``textlabel.ingest.in_child``, niced); ``--seconds S`` stops watching after
S seconds (the job still running: the gaps seen so far are printed). A PostgreSQL URL's
database is emptied first.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from preannotate import document_rows, load_texts  # noqa: E402

from textlabel import jobs, migrate  # noqa: E402
from textlabel.auth.service import create_user  # noqa: E402
from textlabel.db import make_engine, reading  # noqa: E402
from textlabel.models import Document, Job  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project  # noqa: E402


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


IMPORTS = [0]


def _import_again(
    engine: Engine, project_id: int, user_id: int, rows: int, done: threading.Event
) -> None:
    """Import a CSV of ``rows`` rows in an import child, again and again until ``done``."""
    from textlabel.ingest.in_child import import_in_child
    from textlabel.ingest.service import ImportOptions
    from textlabel.models import Project, User

    while not done.is_set():
        n = IMPORTS[0]
        csv = "id,text\n" + "".join(
            f"{i},Import {n} row {i} is a short sentence.\n" for i in range(rows)
        )
        with Session(engine, expire_on_commit=False) as session:
            project, user = session.get(Project, project_id), session.get(User, user_id)
            session.commit()
            import_in_child(
                session, project, io.BytesIO(csv.encode()), f"import{n}.csv",
                user=user, options=ImportOptions(),
            )  # fmt: skip
        IMPORTS[0] += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--docs", type=int, default=4000)
    parser.add_argument("--chunk-docs", type=int, default=1000)
    parser.add_argument("--burn", type=int, default=0, help="busy loops beside it")
    parser.add_argument("--import-rows", type=int, default=0, help="imports beside it")
    parser.add_argument("--seconds", type=float, default=0, help="stop watching after this")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database if args.database != "sqlite" else f"sqlite:///{tmp}/beat.db"
        engine = make_engine(url)
        if not url.startswith("sqlite"):  # tables, functions, triggers: all of it
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = create_user(session, "bench", "bench-password")
            project = create_project(
                session, name="bench", created_by=user, layers=["entities"],
                labels=[LabelSpec(n) for n in ("PER", "ORG", "LOC", "MISC")],
            )  # fmt: skip
            session.execute(insert(Document), document_rows(project.id, load_texts(args.docs)))
            session.commit()
        env = {**os.environ, "TEXTLABEL_DATABASE_URL": url,
               "TEXTLABEL_PREANNOTATE_CHUNK_DOCS": str(args.chunk_docs)}  # fmt: skip
        burners = [
            subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(args.burn)
        ]
        done = threading.Event()
        importer = threading.Thread(
            target=_import_again, args=(engine, project.id, user.id, args.import_rows, done)
        )
        if args.import_rows:
            importer.start()
        child = subprocess.Popen([sys.executable, "-m", "textlabel.jobprocess"], env=env)
        os.setpriority(os.PRIO_PROCESS, child.pid, 10)  # as JobProcess starts it
        loads = [load()]
        beats: dict[int, list] = {}  # type: ignore[type-arg]
        try:
            with Session(engine) as session:
                job_id = jobs.create(session, "preannotate", project_id=project.id, user=user).id
                # (a plain id: an expired row read outside reading() held SQLite's write lock)
                start = time.monotonic()
                while True:
                    with reading():  # never SQLite's write lock: the job process writes
                        rows = session.execute(
                            select(Job.id, Job.status, Job.heartbeat_at, Job.owner).where(
                                (Job.id == job_id) | (Job.parent_id == job_id)
                            )
                        ).all()
                        session.rollback()
                    for row_id, status, beat, owner in rows:
                        if owner == jobs.FANNED_OUT:  # no heartbeat: its chunks' progress
                            continue  # moves its time, and no sweep ever takes it
                        seen = beats.setdefault(row_id, [])
                        if status == "running" and beat is not None and beat not in seen:
                            seen.append(beat)
                    parent = next(r for r in rows if r[0] == job_id)
                    if parent[1] not in ("queued", "running"):
                        break
                    if args.seconds and time.monotonic() - start > args.seconds:
                        break  # the gaps so far are the figure; the job is left running
                    time.sleep(0.1)
                elapsed = time.monotonic() - start
        finally:
            done.set()
            if importer.is_alive():
                importer.join()
            child.terminate()
            child.wait(timeout=30)
            for burner in burners:
                burner.kill()
                burner.wait()
        loads.append(load())
        imported = IMPORTS[0]
        gaps = sorted(
            (later - earlier).total_seconds()
            for seen in beats.values()
            for earlier, later in zip(seen, seen[1:], strict=False)
        )
        print(f"database {url.split(':')[0]}, {args.docs} documents in chunks of "
              f"{args.chunk_docs}, job {parent[1]} in {elapsed:.1f} s, load {loads[0]} -> "
              f"{loads[-1]}, {args.burn} busy loops beside it, {imported} imports of "
              f"{args.import_rows} rows")  # fmt: skip
        with reading(), Session(engine) as session:
            for status, error, count in session.execute(
                select(Job.status, Job.error, func.count()).group_by(Job.status, Job.error)
            ):
                print(f"  jobs {status}: {count}" + (f" ({error})" if error else ""))
        if gaps:
            print(f"heartbeat gaps: {len(gaps)}, median {statistics.median(gaps):.2f} s, "
                  f"p95 {gaps[int(len(gaps) * 0.95)]:.2f} s, max {gaps[-1]:.2f} s "
                  f"(heartbeat every {jobs.heartbeat_s():g} s, stale after "
                  f"{jobs.stale_timeout().total_seconds():g} s)")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
