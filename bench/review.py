"""Benchmark: consolidation and the review queue on a real database.

The corpus of ``bench/agreement_service.py`` (documents x 3 annotators x 200 tokens, with
realistic span noise) is stored with every annotation submitted. Then it times: the pure
consolidation (``draft_document``) of every document as a baseline; consolidating them all
from the database (``catch_up``, i.e. what the submit hook costs per document); listing the
queue and its counts; handing out documents to a reviewer; and the adjudication view of one
document. Run:

    .venv/bin/python bench/review.py [--documents N] [--database-url URL]

Without ``--database-url`` it uses a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement import make_documents  # noqa: E402
from agreement_service import store, timed  # noqa: E402

from textlabel import migrate  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Document, User  # noqa: E402
from textlabel.projects import service as projects  # noqa: E402
from textlabel.review import queue  # noqa: E402
from textlabel.review.draft import draft_document  # noqa: E402
from textlabel.review.gold import review_out  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    n = options.documents
    documents = make_documents(n, options.seed)
    _, wall, cpu = timed(lambda: [draft_document(d, layers=["entities"]) for d in documents])
    print(f"pure draft_document x {n:,}:        {wall:7.3f} s wall {cpu:7.3f} s CPU "
          f"({1000 * cpu / n:.2f} ms a document)")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/bench.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            project = store(session, n, options.seed)
            projects.update_project(session, project, project_owner(session),
                                    settings={"review_auto_accept": "off"})  # fmt: skip
            done, wall, cpu = timed(queue.catch_up, session, project)
            per = 1000 * wall / max(done, 1)
            print(f"consolidate {done:,} from the DB: {wall:7.3f} s wall {cpu:7.3f} s CPU "
                  f"({per:.2f} ms a document, the submit hook's cost)")  # fmt: skip
            entries, wall, cpu = timed(queue.queue_entries, session, project)
            print(f"queue of {len(entries):,} (lowest first):  {wall:7.3f} s wall {cpu:7.3f} s CPU")
            counts, wall, cpu = timed(queue.queue_counts, session, project)
            print(f"queue counts:                    {wall:7.3f} s wall {cpu:7.3f} s CPU {counts}")
            reviewer = auth.create_user(session, "reviewer", "bench-password-1")
            projects.set_member(session, project, "reviewer", "reviewer", project_owner(session))

            def hand_out(times: int) -> list[int | None]:
                taken = []
                for _ in range(times):
                    document_id = queue.next_review(session, project, reviewer)
                    taken.append(document_id)
                    if document_id is not None:
                        queue.release(session, document_id, reviewer)
                return taken

            _, wall, cpu = timed(hand_out, 20)
            print(f"next_review + release x 20:      {wall:7.3f} s wall {cpu:7.3f} s CPU")
            first = session.scalar(select(Document).order_by(Document.id).limit(1))
            _, wall, cpu = timed(review_out, session, first, project)
            print(f"adjudication view of 1 document: {wall:7.3f} s wall {cpu:7.3f} s CPU")
        engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")


def project_owner(session: Session) -> User:
    return session.execute(select(User).where(User.username == "owner")).scalar_one()


if __name__ == "__main__":
    main()
