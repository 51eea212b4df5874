"""Benchmark: consolidation and the review queue on a real database.

The corpus of ``bench/agreement_service.py`` (documents x 3 annotators x 200 tokens, with
realistic span noise) is stored with every annotation submitted. Then it times: the pure
consolidation (``draft_document``) of every document as a baseline; consolidating them all
from the database (``catch_up``, i.e. what the submit hook costs per document); listing the
queue and its counts; handing out documents to a reviewer; and the adjudication view of one
document; and the adjudication page itself (Flask test client, no network) for a 21,600-token
document with three annotators: the full page and one window of rows as the htmx partial.
Run:

    .venv/bin/python bench/review.py [--documents N] [--renders N] [--database-url URL]

Without ``--database-url`` it uses a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement import ANNOTATORS, LABELS, make_documents  # noqa: E402
from agreement_service import store, timed  # noqa: E402

from textlabel import create_app, migrate  # noqa: E402
from textlabel.annotate import queue as annotate_queue  # noqa: E402
from textlabel.annotate.service import AnnotationInput, save_annotation  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.extensions import db  # noqa: E402
from textlabel.models import Document, User  # noqa: E402
from textlabel.nlp.pipeline import tokenize_text  # noqa: E402
from textlabel.projects import service as projects  # noqa: E402
from textlabel.projects.service import LabelSpec  # noqa: E402
from textlabel.review import queue  # noqa: E402
from textlabel.review.draft import draft_document  # noqa: E402
from textlabel.review.gold import review_out  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url")
    parser.add_argument("--renders", type=int, default=20)
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
        bench_page(url, options.renders, options.seed)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")


SENTENCE = "The committee met again in the old library on Tuesday morning ."


def bench_page(url: str, repeat: int, seed: int) -> None:
    """The adjudication page of a 21,600-token document that three annotators labelled (about
    one span in twelve tokens each, mostly agreeing), through the Flask test client."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "INSTANCE": tempfile.mkdtemp()})
    rng = random.Random(seed)
    with app.app_context():
        session = db.session
        owner = auth.create_user(session, "page-owner", "bench-password-1", is_admin=True)
        project = projects.create_project(
            session, name="page", created_by=owner, labels=[LabelSpec(x) for x in LABELS],
            layers=["entities"], overlap=len(ANNOTATORS),
        )  # fmt: skip
        users = []
        for name in ANNOTATORS:
            users.append(auth.create_user(session, f"page-{name}", "bench-password-1"))
            projects.set_member(session, project, f"page-{name}", "annotator", owner)
        reviewer = auth.create_user(session, "page-reviewer", "bench-password-1")
        projects.set_member(session, project, "page-reviewer", "reviewer", owner)
        text = " ".join([SENTENCE] * 1800)
        tokens = tokenize_text(text)
        session.add(Document(project_id=project.id, text=text, content_hash="page",
                             tokens=tokens.to_stored()))  # fmt: skip
        session.commit()
        common = [(i, rng.choice(LABELS)) for i in range(0, len(tokens) - 1, 12)]
        for user in users:
            annotation = annotate_queue.next_annotation(session, project, user)
            assert annotation is not None
            spans = [
                {"start": tokens.starts[i], "end": tokens.ends[i], "label": label}
                if rng.random() > 0.1
                else {"start": tokens.starts[i + 1], "end": tokens.ends[i + 1], "label": label}
                for i, label in common
            ]
            request = AnnotationInput.from_json(
                {"version": annotation.version, "status": "submitted", "spans": spans}
            )
            save_annotation(session, annotation, request, user=user)
            document_id = annotation.document_id
        # as the login page would (older commits checked "pw", newer ones "epoch")
        login = {"user_id": reviewer.id, "pw": reviewer.password_hash[-16:],
                 "epoch": getattr(reviewer, "session_epoch", None)}  # fmt: skip
    client = app.test_client()
    with client.session_transaction() as signed_in:
        signed_in.update(login)
    print(f"adjudication page, {len(tokens):,} tokens x {len(ANNOTATORS)} annotators "
          f"({len(common):,} spans each), Flask test client:")  # fmt: skip
    cases = [("full page (first window)", {}, f"/documents/{document_id}/review"),
             ("window partial (htmx)", {"HX-Request": "true"},
              f"/documents/{document_id}/review?w=5")]  # fmt: skip
    for name, headers, path in cases:
        samples = []
        cpu = time.process_time()
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            samples.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise SystemExit(f"render failed: {response.status_code}")
        cpu_ms = (time.process_time() - cpu) / repeat * 1000
        print(f"  render {name:28s} p50 {1000 * statistics.median(samples):7.2f} ms   "
              f"CPU {cpu_ms:6.1f} ms   {len(response.data) // 1024} KiB")  # fmt: skip


def project_owner(session: Session) -> User:
    return session.execute(select(User).where(User.username == "owner")).scalar_one()


if __name__ == "__main__":
    main()
