"""Benchmark: the document list's ``agreement_below`` filter at a large document count.

A project of N short documents (default 200,000), a third of them consolidated: two
submitted manual annotations and a review item with a random score (seeded), as
``review.service.on_submitted`` leaves them. The list page (``list_documents``: 50 rows,
their status, the total) is timed with ``agreement_below`` at 0.1, 0.5 and 0.9, and with
``status=annotated`` (another filter by a per-document subquery) as the baseline in the same
process; the hits are checked against the review items. Run:

    .venv/bin/python bench/agreement_filter.py [--documents 200000] [--postgres-url URL]

SQLite runs in a temporary folder; PostgreSQL in the database at ``--postgres-url`` (its
tables are dropped first: use a database of its own). Setup is not timed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from server import empty_schema  # noqa: E402

from textlabel import migrate  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Annotation, Document, Project  # noqa: E402
from textlabel.models.review import ReviewItem  # noqa: E402
from textlabel.projects.documents import list_documents  # noqa: E402
from textlabel.projects.search import DocumentFilters  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project  # noqa: E402

BATCH = 10_000


def store(url: str, n: int, seed: int) -> tuple[Any, int]:
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        empty_schema(url)
    migrate.upgrade(engine)
    rng = random.Random(seed)
    with Session(engine, expire_on_commit=False) as session:
        owner = auth.create_user(session, "boss", "bench-password-1")
        ann1 = auth.create_user(session, "ann1", "bench-password-1")
        ann2 = auth.create_user(session, "ann2", "bench-password-1")
        project = create_project(session, name="agreement", created_by=owner,
                                 labels=[LabelSpec("PER")], overlap=2)  # fmt: skip
        pid, users = project.id, (ann1.id, ann2.id)
    with engine.begin() as connection:
        for start in range(0, n, BATCH):
            rows = [{"project_id": pid, "text": f"Document {i}.", "meta": {},
                     "tokens": {"offsets": []}, "content_hash": f"{i:064d}"}
                    for i in range(start, min(n, start + BATCH))]  # fmt: skip
            connection.execute(insert(Document), rows)
        ids = list(connection.execute(select(Document.id).where(Document.project_id == pid))
                   .scalars())  # fmt: skip
        scored = [d for d in ids if rng.random() < 1 / 3]
        for start in range(0, len(scored), BATCH):
            chunk = scored[start : start + BATCH]
            connection.execute(insert(Annotation), [
                {"document_id": d, "user_id": u, "kind": "manual", "status": "submitted"}
                for d in chunk for u in users])  # fmt: skip
            connection.execute(insert(ReviewItem), [
                {"document_id": d, "project_id": pid, "score": round(rng.random(), 3)}
                for d in chunk])  # fmt: skip
        connection.execute(text("ANALYZE"))
    return engine, pid


def timed(fn: Any, repeat: int) -> tuple[list[float], Any]:
    out, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        out.append(1000 * (time.perf_counter() - start))
    return out, result


def run(url: str, n: int, repeat: int) -> None:
    engine, pid = store(url, n, seed=15)
    with Session(engine) as session:
        project = session.get_one(Project, pid)

        def page(filters: DocumentFilters) -> Any:
            found = list_documents(session, project, filters=filters, per_page=50)
            return [item.id for item in found.items], found.total

        base, _ = timed(lambda: page(DocumentFilters(status="annotated")), repeat)
        base50 = statistics.median(base)
        print(f"{engine.dialect.name}, {n:,} documents: list page p50 / p95 in ms; "
              f"baseline status=annotated p50 {base50:.1f}")  # fmt: skip
        for threshold in (0.1, 0.5, 0.9):
            times, (ids, total) = timed(
                lambda t=threshold: page(DocumentFilters(agreement_below=t)), repeat
            )
            expected = session.scalar(select(func.count()).where(
                ReviewItem.project_id == pid, ReviewItem.score < threshold))  # fmt: skip
            assert total == expected, (total, expected)
            p50 = statistics.median(times)
            p95 = sorted(times)[int(0.95 * (repeat - 1))]
            print(
                f"  agreement_below={threshold}: {total:>7,} hits  p50 {p50:7.1f}  "
                f"p95 {p95:7.1f}  ratio to baseline {p50 / base50:5.2f}"
            )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/bench.db", args.documents, args.repeat)
    if args.postgres_url:
        run(args.postgres_url, args.documents, args.repeat)


if __name__ == "__main__":
    main()
