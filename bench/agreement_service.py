"""Benchmark: the agreement service on a real database, cold, warm and after a few saves.

The documents of ``bench/agreement.py`` (10,000 x 3 annotators x 200 tokens, realistic span
noise) are stored as rows: documents, submitted annotations and spans. Then it times the
project report with an empty cache (load every annotation, compute, store the statistics),
with a full cache (nothing recomputed), after 1% of the annotations were saved again (only
those documents recomputed), and the API's JSON for the warm report (schema dump). Run:

    .venv/bin/python bench/agreement_service.py [--documents N] [--database-url URL]

Without ``--database-url`` it uses a fresh SQLite file in a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent))

from agreement import ANNOTATORS, LABELS, make_documents  # noqa: E402

from textlabel import migrate  # noqa: E402
from textlabel.agreement.service import project_agreement  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Annotation, Document, Span  # noqa: E402
from textlabel.projects import service as projects  # noqa: E402
from textlabel.projects.service import LabelSpec  # noqa: E402
from textlabel.schemas.agreement import AgreementOut  # noqa: E402


def timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def store(session: Session, n_documents: int, seed: int) -> Any:
    """The benchmark corpus as database rows (bulk inserts, outside the timings)."""
    owner = auth.create_user(session, "owner", "bench-password-1", is_admin=True)
    users = {name: auth.create_user(session, name, "bench-password-1") for name in ANNOTATORS}
    project = projects.create_project(
        session, name="bench", created_by=owner, labels=[LabelSpec(x) for x in LABELS],
        layers=["entities"], overlap=len(ANNOTATORS),
    )  # fmt: skip
    for start in range(0, n_documents, 1000):
        documents = make_documents(min(1000, n_documents - start), seed + start)
        rows = []
        for doc in documents:
            text = " ".join("x" * (e - s) for s, e in doc.tokens)
            rows.append({
                "project_id": project.id, "text": text, "meta": {}, "content_hash":
                hashlib.sha256(f"{start}-{doc.doc_id}".encode()).hexdigest(),
                "tokens": {"offsets": [x for t in doc.tokens for x in t], "sent_starts": [0]},
            })  # fmt: skip
        ids = session.scalars(insert(Document).returning(Document.id), rows).all()
        annotations = [
            {"document_id": d, "user_id": users[name].id, "kind": "manual",
             "status": "submitted", "version": 1, "info": {}}
            for d in ids for name in ANNOTATORS
        ]  # fmt: skip
        annotation_ids = session.scalars(
            insert(Annotation).returning(Annotation.id), annotations
        ).all()
        spans = []
        for index, doc in enumerate(documents):
            for k, name in enumerate(ANNOTATORS):
                for first, last, label in doc.spans[name]:
                    spans.append({
                        "annotation_id": annotation_ids[index * len(ANNOTATORS) + k],
                        "layer": "ent", "start_char": first, "end_char": last,
                        "start_token": 0, "end_token": 1, "label": label, "source": "human",
                    })  # fmt: skip
        session.execute(insert(Span), spans)
        session.commit()
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{folder}/bench.db"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            project, load_wall, _ = timed(store, session, options.documents, options.seed)
            print(f"{options.documents:,} documents x {len(ANNOTATORS)} annotators stored in "
                  f"{load_wall:.1f} s ({engine.dialect.name})")  # fmt: skip
            cold, wall, cpu = timed(project_agreement, session, project, layer="entities")
            print(f"cold report (load, compute, cache {cold.computed:,}): "
                  f"{wall:7.3f} s wall {cpu:7.3f} s CPU")  # fmt: skip
            warm, wall, cpu = timed(project_agreement, session, project, layer="entities")
            print(f"warm report (reused {warm.reused:,}, computed {warm.computed}):     "
                  f"{wall:7.3f} s wall {cpu:7.3f} s CPU")  # fmt: skip
            changed = session.scalars(
                select(Annotation.id).order_by(Annotation.id).limit(options.documents // 100)
            ).all()
            session.execute(
                update(Annotation).where(Annotation.id.in_(changed))
                .values(version=Annotation.version + 1)
            )  # fmt: skip
            session.commit()
            after, wall, cpu = timed(project_agreement, session, project, layer="entities")
            print(f"after {len(changed)} saves (recomputed {after.computed}):          "
                  f"{wall:7.3f} s wall {cpu:7.3f} s CPU")  # fmt: skip
            _, wall, cpu = timed(AgreementOut().dump, warm.as_dict())
            print(
                f"API JSON of the report (schema dump):        {wall:7.3f} s wall {cpu:7.3f} s CPU"
            )
            assert warm.report.krippendorff_alpha == cold.report.krippendorff_alpha
        engine.dispose()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"(load average at the end: {load:.2f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
