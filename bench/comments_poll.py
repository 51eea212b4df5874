"""Benchmark: what the Comments card's polling costs, on SQLite and PostgreSQL.

A project holds ``--documents`` documents with ``--threads`` threads each of ``--replies``
replies (authors alternate between an annotator and a reviewer); the annotator has read
half of the threads. Timed through the app (Flask's test client, a Bearer token, no
network), in the same process: the document's threads in full (``GET
/api/v1/documents/{did}/comments``, 200, the baseline) against the same request with the
``If-None-Match`` of the last answer (304, no body: what the card sends every 20 seconds
while nothing changed), and the project page's counts (``reading.counts``: open, flags,
unread and waiting threads over the whole project). Prints the p50 of each in
milliseconds and the ratio 304 / 200. Run:

    .venv/bin/python bench/comments_poll.py [--documents 500] [--threads 20] [--replies 4]
        [--repeat 200] [--postgres-url URL]

SQLite runs in a temporary folder; PostgreSQL in the database at ``--postgres-url`` (its
schema is dropped first: use a database of its own).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from server import empty_schema  # noqa: E402

from textlabel import create_app  # noqa: E402
from textlabel.auth.service import create_user, issue_token  # noqa: E402
from textlabel.comments.reading import counts  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Comment, CommentRead, Document, Project, User  # noqa: E402
from textlabel.nlp.pipeline import tokenize_text  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project, set_member  # noqa: E402

TEXT = "Ada Lovelace met Charles Babbage in London in 1833 and wrote about his engine."


def populate(session: Session, *, documents: int, threads: int, replies: int) -> tuple[int, str]:
    """The project and its threads; returns a document id and the annotator's token."""
    ann = create_user(session, "ann", "bench-password")
    rev = create_user(session, "rev", "bench-password")
    project = create_project(session, name="Poll", created_by=rev, labels=[LabelSpec("PER")],
                             blind=False)  # fmt: skip
    set_member(session, project, "ann", "annotator", rev)
    tokens = tokenize_text(TEXT).to_stored()
    session.execute(insert(Document), [
        {"project_id": project.id, "text": TEXT, "meta": {}, "content_hash": f"h{i}",
         "tokens": tokens} for i in range(documents)])  # fmt: skip
    ids = session.scalars(select(Document.id).where(Document.project_id == project.id)).all()
    now = datetime.now(UTC)
    roots = [{"project_id": project.id, "document_id": did, "author_id": (ann, rev)[t % 2].id,
              "body": f"Question {t}", "kind": "comment", "created_at": now}
             for did in ids for t in range(threads)]  # fmt: skip
    session.execute(insert(Comment), roots)
    root_ids = session.scalars(select(Comment.id).order_by(Comment.id)).all()
    answers = [
        {"project_id": project.id, "document_id": ids[i // threads], "parent_id": root,
         "author_id": (rev, ann)[r % 2].id, "body": f"Answer {r}", "kind": "comment",
         "created_at": now}
        for i, root in enumerate(root_ids) for r in range(replies)
    ]  # fmt: skip
    session.execute(insert(Comment), answers)
    # Each root keeps its thread's latest comment, as comments.service does when posting.
    session.execute(text(
        "UPDATE comment SET last_at = created_at, last_id = (SELECT MAX(c.id) FROM comment c"
        " WHERE c.id = comment.id OR c.parent_id = comment.id) WHERE parent_id IS NULL"
    ))  # fmt: skip
    session.execute(insert(CommentRead), [
        {"user_id": ann.id, "thread_id": root, "last_read_id": root, "read_at": now}
        for root in root_ids[::2]])  # fmt: skip
    session.commit()
    return ids[len(ids) // 2], issue_token(session, ann)


def p50_ms(call: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def run(url: str, label: str, args: argparse.Namespace, folder: Path) -> None:
    engine = make_engine(url)
    from textlabel import migrate

    migrate.upgrade(engine)
    with Session(engine) as session:
        did, token = populate(session, documents=args.documents, threads=args.threads,
                              replies=args.replies)  # fmt: skip
    engine.dispose()
    app = create_app({"DATABASE_URL": url, "INSTANCE": str(folder / "instance"),
                      "SECRET_KEY": "bench"})  # fmt: skip
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    path = f"/api/v1/documents/{did}/comments"
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.get_data(as_text=True)
    etag = first.headers["ETag"]
    conditional = {**headers, "If-None-Match": etag}
    assert client.get(path, headers=conditional).status_code == 304
    full = p50_ms(lambda: client.get(path, headers=headers), args.repeat)
    cheap = p50_ms(lambda: client.get(path, headers=conditional), args.repeat)
    from textlabel.extensions import db

    with app.app_context():
        session = db.session
        project = session.scalars(select(Project)).one()
        user = session.scalars(select(User).where(User.username == "ann")).one()
        found = counts(session, project, user)
        page = p50_ms(lambda: counts(session, project, user), args.repeat // 4 or 1)
    total = args.documents * args.threads * (1 + args.replies)
    print(f"{label}: {args.documents} documents, {total:,} comments; the document's "
          f"{args.threads} threads x {args.replies} replies: 200 p50 {full:.2f} ms, 304 p50 "
          f"{cheap:.2f} ms, ratio {cheap / full:.2f}; project counts (unread "
          f"{found['unread']}, waiting {found['waiting']}) p50 {page:.2f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=500)
    parser.add_argument("--threads", type=int, default=20)
    parser.add_argument("--replies", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--postgres-url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/poll.db", "SQLite", args, Path(folder))
        if args.postgres_url:
            empty_schema(args.postgres_url)
            run(args.postgres_url, "PostgreSQL", args, Path(folder))


if __name__ == "__main__":
    main()
