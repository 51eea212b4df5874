"""Benchmark: the per-annotator statistics (``review.team.team_stats``: the Annotators page
and ``GET /api/v1/projects/{pid}/annotators``) at a large document count.

A project of N one-sentence documents (default 100,000); each document submitted by two of
three annotators (an entity each, the labels differing on a fifth of them), a tenth with
gold. Times the statistics cold (the first call computes every document's agreement),
warm pooled from the per-document rows (the stored reports deleted first: how it ran before
0023), warm from the stored reports, and right after a save; prints where the warm call's
time goes (cProfile, by cumulative time). Run:

    .venv/bin/python bench/team_stats.py [--documents 100000] [--database URL] [--repeat 3]

Without ``--database`` SQLite runs in a temporary folder; a PostgreSQL database's tables are
dropped first (use one of its own). Setup is not timed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, text, update
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from server import empty_schema  # noqa: E402

from textlabel import migrate  # noqa: E402
from textlabel.agreement.service import project_agreement  # noqa: E402
from textlabel.agreement.stored import inputs  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.ingest.tokenize import tokenize_text  # noqa: E402
from textlabel.models import Annotation, Document, Project, ReportCache, Span  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project  # noqa: E402
from textlabel.review.team import team_stats  # noqa: E402

BATCH = 10_000
TEXT = "Ada Lovelace met Charles Babbage in London."


def store(url: str, n: int, seed: int) -> tuple[Any, int]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        empty_schema(url)
    migrate.upgrade(engine)
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        owner = auth.create_user(session, "boss", "bench-password-1")
        users = [auth.create_user(session, f"ann{i}", "bench-password-1").id for i in (1, 2, 3)]
        labels = [LabelSpec("PER"), LabelSpec("ORG")]
        project = create_project(session, name="team", created_by=owner, labels=labels, overlap=2)
        pid = project.id
    tokens = tokenize_text(TEXT).to_stored()
    start_day = datetime(2026, 10, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for first in range(0, n, BATCH):
            rows = [{"project_id": pid, "text": TEXT, "meta": {}, "tokens": tokens,
                     "content_hash": f"{i:064d}"}
                    for i in range(first, min(n, first + BATCH))]  # fmt: skip
            connection.execute(insert(Document), rows)
        ids = list(connection.execute(select(Document.id).where(Document.project_id == pid))
                   .scalars())  # fmt: skip
        for first in range(0, len(ids), BATCH):
            annotations, labels = [], []
            for d in ids[first : first + BATCH]:
                pair = rng.sample(users, 2)
                for user in pair:
                    handed = start_day + timedelta(seconds=rng.randrange(60 * 86_400))
                    done = handed + timedelta(seconds=rng.randrange(30, 600))
                    annotations.append({"document_id": d, "user_id": user, "kind": "manual",
                                        "status": "submitted", "created_at": handed,
                                        "submitted_at": done})  # fmt: skip
                    labels.append("ORG" if rng.random() < 0.1 else "PER")
                if rng.random() < 0.1:
                    annotations.append({"document_id": d, "user_id": None, "kind": "gold",
                                        "status": "submitted", "created_at": start_day,
                                        "submitted_at": start_day})  # fmt: skip
                    labels.append("PER")
            got = connection.execute(insert(Annotation).returning(Annotation.id), annotations)
            connection.execute(insert(Span), [
                {"annotation_id": a, "layer": "ent", "start_char": 0, "end_char": 12,
                 "start_token": 0, "end_token": 2, "label": label, "source": "human"}
                for a, label in zip(got.scalars(), labels, strict=True)])  # fmt: skip
        connection.execute(text("ANALYZE"))
    return engine, pid


def _ms(call: Any) -> float:
    start = time.perf_counter()
    call()
    return 1000 * (time.perf_counter() - start)


def run(url: str, n: int, repeat: int) -> None:
    start = time.perf_counter()
    engine, pid = store(url, n, seed=15)
    print(f"{engine.dialect.name}, {n:,} documents stored in {time.perf_counter() - start:.0f} s"
          " (setup, not timed)")  # fmt: skip
    with Session(engine) as session:
        project = session.get_one(Project, pid)

        def forget() -> None:  # the stored reports gone: the per-document path (before 0023)
            session.execute(delete(ReportCache))
            session.commit()

        def pooled() -> None:
            forget()
            team_stats(session, project)

        cold = _ms(lambda: team_stats(session, project))
        print(f"  cold (agreement computed, cached and stored): {cold:,.0f} ms")
        before = [_ms(pooled) for _ in range(repeat)]
        after = [_ms(lambda: team_stats(session, project)) for _ in range(repeat)]
        page = [_ms(lambda: project_agreement(session, project)) for _ in range(repeat)]
        digest = [_ms(lambda: inputs(session, pid)) for _ in range(repeat)]
        print(f"  warm, pooled from per-document rows (before): p50 "
              f"{statistics.median(before):,.0f} ms over {repeat}")  # fmt: skip
        print(f"  warm, stored reports (after): p50 {statistics.median(after):,.0f} ms "
              f"({statistics.median(before) / statistics.median(after):.0f}x); agreement "
              f"report alone {statistics.median(page):,.0f} ms; input summary "
              f"{statistics.median(digest):,.0f} ms")  # fmt: skip
        changed = []
        for _ in range(repeat):  # one save (a version bump), then the page
            session.execute(update(Annotation).where(Annotation.id == select(
                func.min(Annotation.id)).scalar_subquery()).values(
                version=Annotation.version + 1, updated_at=datetime.now(UTC)))  # fmt: skip
            session.commit()
            changed.append(_ms(lambda: team_stats(session, project)))
        stats = team_stats(session, project)
        print(f"  after one save: p50 {statistics.median(changed):,.0f} ms; rows "
              + ", ".join(f"{a.annotator} done {a.done} agreement {a.agreement:.3f}"
                          for a in stats.annotators))  # fmt: skip
        profile = cProfile.Profile()
        profile.runcall(team_stats, session, project)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(12)
        print(out.getvalue())
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database")
    options = parser.parse_args()
    if options.database:
        run(options.database, options.documents, options.repeat)
        return
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/team.db", options.documents, options.repeat)


if __name__ == "__main__":
    main()
