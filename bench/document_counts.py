"""Benchmark: what migration 0026's document-count triggers cost writers on PostgreSQL.

In one run on one database, each figure with the triggers enabled and disabled (``ALTER
TABLE document DISABLE TRIGGER``), alternating, so the ratio compares like with like:

- ``--importers`` threads each writing its own file into its own staging project (as imports
  do), ``BATCH`` documents per transaction through the import's own writer (``COPY``):
  documents/s in all;
- the same threads writing into one shared project (no import does; the worst case: every
  batch transaction holds the one counter row until it commits);
- publishing a staged file (one ``UPDATE`` of ``project_id`` over ``--publish`` documents);
- one annotator's save (PUT annotations/me, through the app) while another connection holds
  the project's counter row locked, as an import batch into the project would: a save that
  touched the counter would wait for it (it holds it for ``HOLD`` seconds, so a wait shows).

    .venv/bin/python bench/document_counts.py --database postgresql+psycopg://.../DB
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import empty_schema, texts  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from textlabel import create_app, migrate  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.extensions import db  # noqa: E402
from textlabel.ingest.bulk import insert_documents  # noqa: E402
from textlabel.nlp.pipeline import tokenize_text  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project, set_member  # noqa: E402

BATCH = 100
HOLD = 2.0
PASSWORD = "bench password 123"
TRIGGERS = ("insert", "delete", "update")


def set_triggers(engine: Any, enabled: bool) -> None:
    verb = "ENABLE" if enabled else "DISABLE"
    with engine.begin() as connection:
        for event in TRIGGERS:
            connection.execute(
                text(f"ALTER TABLE document {verb} TRIGGER project_document_count_{event}")
            )


def rows_for(project_id: int, pool: list[tuple[str, str]], first: int, n: int) -> list[dict]:
    return [
        {
            "project_id": project_id, "text": pool[k % len(pool)][0], "meta": {},
            "source_file": "bench.csv", "source_unit": None, "source_number": None,
            "content_hash": hashlib.sha256(f"{first + k}".encode()).hexdigest(),
            "tokens": pool[k % len(pool)][1], "pages": None,
        }
        for k in range(first, first + n)
    ]  # fmt: skip


def write(engine: Any, project_ids: list[int], per_thread: int, pool: list[Any]) -> float:
    """Documents/s of one thread per project id, each ``per_thread`` documents in batches."""
    counter = iter(range(10**9))

    def run(project_id: int) -> None:
        with Session(engine) as session:
            for _ in range(per_thread // BATCH):
                insert_documents(session, rows_for(project_id, pool, next(counter) * BATCH, BATCH))
                session.commit()

    threads = [threading.Thread(target=run, args=(pid,)) for pid in project_ids]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(project_ids) * per_thread / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True, help="a PostgreSQL URL (emptied first)")
    parser.add_argument("--importers", type=int, default=4)
    parser.add_argument("--documents", type=int, default=5000, help="per importer and round")
    parser.add_argument("--publish", type=int, default=20000)
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    empty_schema(args.database)
    folder = tempfile.mkdtemp()
    app = create_app({"DATABASE_URL": args.database, "SECRET_KEY": "b", "INSTANCE": folder})
    engine = app.extensions["textlabel.db"]
    migrate.upgrade(engine)
    with app.app_context(), db.new_session() as session:
        admin = auth.create_user(session, "admin", PASSWORD, is_admin=True)
        auth.create_user(session, "ann", PASSWORD)
        target = create_project(session, name="target", created_by=admin, labels=[LabelSpec("PER")])
        set_member(session, target, "ann", "annotator", admin)
        own = [
            create_project(session, name=f"staged {n}", created_by=admin, labels=[]).id
            for n in range(args.importers)
        ]
        target_id = target.id
        published = create_project(session, name="published", created_by=admin, labels=[]).id
    pool = [(t, tokenize_text(t).to_stored_json()) for t in texts(200, seed=5)]
    with Session(engine) as session:
        insert_documents(session, rows_for(target_id, pool, 10**8, 2000))  # documents to save
        session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "ann", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json['token']}"}

    def save() -> float:
        got = client.get(f"/api/v1/projects/{target_id}/next", headers=headers).json
        body = {"version": got["annotation"]["version"], "status": "submitted",
                "spans": [{"start": 0, "end": 3, "label": "PER"}]}  # fmt: skip
        start = time.perf_counter()
        done = client.put(f"/api/v1/documents/{got['document']['id']}/annotations/me",
                          json=body, headers=headers)  # fmt: skip
        assert done.status_code == 200, done.json
        return (time.perf_counter() - start) * 1000

    figures: dict[str, dict[bool, list[float]]] = {}

    def note(name: str, enabled: bool, value: float) -> None:
        figures.setdefault(name, {True: [], False: []})[enabled].append(value)

    for enabled in (True, False, True, False):
        set_triggers(engine, enabled)
        note("own staging projects, docs/s", enabled,
             write(engine, own, args.documents, pool))  # fmt: skip
        note("one shared project, docs/s", enabled,
             write(engine, [target_id] * args.importers, args.documents, pool))  # fmt: skip
        staged = own[0]
        with engine.begin() as connection:  # a file of --publish documents, staged
            connection.execute(text("DELETE FROM document WHERE project_id = :p"), {"p": staged})
        with Session(engine) as session:
            for first in range(0, args.publish, 1000):
                insert_documents(session, rows_for(staged, pool, 10**7 + first, 1000))
            session.commit()
        start = time.perf_counter()
        with engine.begin() as connection:
            connection.execute(text("UPDATE document SET project_id = :t WHERE project_id = :s"),
                               {"t": published, "s": staged})  # fmt: skip
        note(f"publish {args.publish:,} documents, ms", enabled,
             (time.perf_counter() - start) * 1000)  # fmt: skip
        free = statistics.median(save() for _ in range(args.saves))
        held: list[float] = []
        with engine.connect() as holder:
            holder.execute(
                text("SELECT 1 FROM project_document_count WHERE project_id = :p FOR UPDATE"),
                {"p": target_id},
            )
            release = threading.Timer(HOLD, holder.rollback)
            release.start()
            held = [save() for _ in range(args.saves)]
            release.cancel()
        note("save p50, counter free, ms", enabled, free)
        note("save max, counter row held, ms", enabled, max(held))
    load = os.getloadavg()
    print(f"PostgreSQL, {args.importers} importers x {args.documents:,} documents, batches of "
          f"{BATCH}; load average {load[0]:.1f} {load[1]:.1f}")  # fmt: skip
    for name, by in figures.items():
        on, off = statistics.median(by[True]), statistics.median(by[False])
        print(f"  {name:<36} triggers {on:9.1f}   without {off:9.1f}   ratio {on / off:5.2f}")
    engine.dispose()


if __name__ == "__main__":
    main()
