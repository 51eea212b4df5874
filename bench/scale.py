"""Benchmark: does textlabel stay fast as a project grows (issue 13)?

For each size (default 2,000, 100,000 and 1,000,000 documents) on SQLite and, with
``--postgres URL``, PostgreSQL: bulk-load a project of pre-tokenized 60-120-word documents,
then time in-process requests (Flask test client, no network) of one annotator:

- ``/next`` (claims a new document each time: the annotator submits what they got); with
  ``--uncertainty``, every document also gets a stored model uncertainty (written in bulk as
  pre-annotation stores it, 1 in 10 left unscored; no spaCy run) and ``/next`` is timed a
  second time with the project's queue ordered by it (``loop_queue`` "uncertainty"),
- the submitting save (PUT annotations/me), fetching one document,
- the document list at a deep page by key (``?after=``) and by page number (``?page=``);
- document search (``?q=``, first page of 10): a rare word (the number that ends one text
  template of 500: in one document of 500) and a common one ("the", counted up to the cap);

and, on a separate project in the same database, an import of a generated CSV through
``import_file`` (tokenization included; and the same documents as pre-tokenized JSONL, which
skips spaCy's tokenizer) and an export of up to ``--export-max`` documents with peak memory.
Each figure is printed with its ratio to the smallest size in the same run (flat = ~1x), and
the requests also with this process's CPU ms per request (p50; on SQLite the whole request,
steady on a loaded machine; on PostgreSQL without the server's part).

Goals: /next, deep list, search and save p50 < 20 ms, flat from 2k to 1M; import >= 10,000
documents/s; export >= 20,000 documents/s, flat in memory. Run:

    .venv/bin/python bench/scale.py [--sizes 2000,100000,1000000] [--postgres URL]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server import empty_schema, texts  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from textlabel import create_app, migrate  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.extensions import db  # noqa: E402
from textlabel.models import Annotation, Document, Project  # noqa: E402
from textlabel.nlp.pipeline import tokenize_text  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project, set_member  # noqa: E402

PASSWORD = "bench password 123"
TEMPLATES = 500


CPU: dict[str, float] = {}  # figure name -> this process's CPU ms per call (p50)


def timed(fn: Callable[[], Any], wall: list[float], cpu: list[float]) -> None:
    """Call ``fn``, noting its wall-clock and this process's CPU time in ms. On SQLite the
    database works in this process, so CPU per request holds still on a loaded machine where
    the wall clock swings 2x; on PostgreSQL it leaves out the server's part."""
    start, start_cpu = time.perf_counter(), time.process_time()
    fn()
    wall.append((time.perf_counter() - start) * 1000)
    cpu.append((time.process_time() - start_cpu) * 1000)


def p50(fn: Callable[[], Any], n: int, name: str | None = None) -> float:
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(n):
        timed(fn, wall, cpu)
    if name:
        CPU[name] = statistics.median(cpu)
    return statistics.median(wall)


def uncertainty_of(k: int) -> float | None:
    """The ``k``-th loaded document's model uncertainty: spread over [0, 1) in no relation to
    its id (so the queue order is not import order), None (unscored) for 1 in 10."""
    return None if k % 10 == 9 else (k * 7919 % 100_003) / 100_003


def load_documents(engine: Any, project_id: int, n: int, *, scored: bool = False) -> None:
    """Insert ``n`` documents fast (templates tokenized once, rows in bulk); ``scored``: with
    an uncertainty each (``uncertainty_of``)."""
    pool = [(t, tokenize_text(t).to_stored()) for t in texts(TEMPLATES, seed=3)]
    batch = 20_000
    with engine.begin() as connection:
        for first in range(0, n, batch):
            rows = [
                {
                    "project_id": project_id,
                    "text": pool[k % TEMPLATES][0],
                    "meta": {},
                    "content_hash": hashlib.sha256(str(k).encode()).hexdigest(),
                    "tokens": pool[k % TEMPLATES][1],
                    "source_file": "bulk.csv",
                    "uncertainty": uncertainty_of(k) if scored else None,
                }
                for k in range(first, min(n, first + batch))
            ]
            ids = connection.execute(
                insert(Document).returning(Document.id, sort_by_parameter_order=True), rows
            ).scalars()
            # An (empty) prediction per document, so exporting predictions has every one.
            connection.execute(
                insert(Annotation),
                [{"document_id": i, "kind": "prediction", "status": "submitted"} for i in ids],
            )


def run_size(url: str, size: int, args: argparse.Namespace, folder: Path) -> dict[str, float]:
    if url.startswith("postgresql"):
        empty_schema(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "b", "INSTANCE": str(folder)})
    engine = app.extensions["textlabel.db"]
    migrate.upgrade(engine)
    with app.app_context(), db.new_session() as session:
        admin = auth.create_user(session, "admin", PASSWORD, is_admin=True)
        auth.create_user(session, "ann", PASSWORD)
        project = create_project(session, name="big", created_by=admin, labels=[LabelSpec("PER")])
        set_member(session, project, "ann", "annotator", admin)
        other = create_project(session, name="imports", created_by=admin, labels=[])
        pid, other_id = project.id, other.id
    start = time.perf_counter()
    load_documents(engine, pid, size, scored=args.uncertainty)
    if url.startswith("postgresql"):
        # Settled as autovacuum leaves a table (statistics, and the visibility map that lets
        # index-only scans skip the heap), rather than measured while autovacuum runs.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM (ANALYZE) document, annotation"))
    print(f"  loaded {size:,} documents in {time.perf_counter() - start:.0f} s", flush=True)
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "ann", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json['token']}"}
    api = "/api/v1"
    state: dict[str, Any] = {}
    figures: dict[str, float] = {}

    def next_document() -> None:
        got = client.get(f"{api}/projects/{pid}/next", headers=headers).json
        state["did"], state["version"] = got["document"]["id"], got["annotation"]["version"]

    def submit() -> None:
        body = {
            "version": state["version"],
            "status": "submitted",
            "spans": [{"start": 0, "end": 3, "label": "PER"}],
        }
        response = client.put(
            f"{api}/documents/{state['did']}/annotations/me", json=body, headers=headers
        )
        assert response.status_code == 200, response.json

    next_times: list[float] = []
    save_times: list[float] = []
    next_cpu: list[float] = []
    save_cpu: list[float] = []
    for _ in range(args.n):
        timed(next_document, next_times, next_cpu)
        timed(submit, save_times, save_cpu)
    figures["/next"] = statistics.median(next_times)
    figures["save"] = statistics.median(save_times)
    CPU["/next"], CPU["save"] = statistics.median(next_cpu), statistics.median(save_cpu)
    if args.uncertainty:
        with app.app_context(), db.new_session() as session:
            big = session.get_one(Project, pid)
            big.settings = {**big.settings, "loop_queue": "uncertainty"}
            session.commit()
        next_times, next_cpu, save_times, save_cpu = [], [], [], []
        for _ in range(args.n):
            timed(next_document, next_times, next_cpu)
            timed(submit, save_times, save_cpu)
        with engine.connect() as connection:  # the queue handed out the most uncertain first
            given = connection.execute(
                text("SELECT uncertainty FROM document WHERE id = :i"), {"i": state["did"]}
            ).scalar_one()
            higher = connection.execute(
                text(
                    "SELECT count(*) FROM document d WHERE project_id = :p AND uncertainty > :u"
                    " AND NOT EXISTS (SELECT 1 FROM annotation a WHERE a.document_id = d.id"
                    " AND a.kind = 'manual')"
                ),
                {"p": pid, "u": given},
            ).scalar_one()
            assert higher == 0, f"{higher} untouched documents more uncertain than the last given"
        figures["/next uncertainty"] = statistics.median(next_times)
        CPU["/next uncertainty"] = statistics.median(next_cpu)
    last = size - 100
    figures["fetch"] = p50(
        lambda: client.get(f"{api}/documents/{last}", headers=headers), args.n, "fetch"
    )
    figures["list ?after= deep"] = p50(
        lambda: client.get(
            f"{api}/projects/{pid}/documents?per_page=10&after={last}", headers=headers
        ),
        args.n,
        "list ?after= deep",
    )
    deep_page = max(1, (size - 100) // 10)
    figures["list ?page= deep"] = p50(
        lambda: client.get(
            f"{api}/projects/{pid}/documents?per_page=10&page={deep_page}", headers=headers
        ),
        max(5, args.n // 5),
        "list ?page= deep",
    )
    for name, word in (("search rare word", "137"), ("search common word", "the")):
        figures[name] = p50(
            lambda word=word: client.get(
                f"{api}/projects/{pid}/documents?per_page=10&q={word}", headers=headers
            ),
            max(5, args.n // 5),
            name,
        )
    figures.update(import_and_export(app, other_id, pid, size, args))
    app.extensions["textlabel.db"].dispose()
    return figures


def import_and_export(
    app: Any, other_id: int, pid: int, size: int, args: argparse.Namespace
) -> dict[str, float]:
    from textlabel.export.records import project_records
    from textlabel.export.registry import get_writer
    from textlabel.export.request import ExportRequest
    from textlabel.export.service import write_options
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.models import User

    rows = texts(args.import_rows, seed=size)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["text"], *([r] for r in rows)])
    raw = buffer.getvalue().encode()
    jsonl = "".join(
        json.dumps(
            {
                "text": r + " (t)",
                "tokens": [
                    {"text": (r + " (t)")[s:e], "start": s, "end": e, "id": i, "ws": True}
                    for i, (s, e) in enumerate(zip(tok.starts, tok.ends, strict=True))
                ],
            }
        )
        + "\n"
        for r in rows
        for tok in [tokenize_text(r + " (t)")]
    ).encode()
    out: dict[str, float] = {}
    with app.app_context(), db.new_session() as session:
        admin = session.query(User).filter_by(username="admin").one()
        other = session.get(Project, other_id)
        for name, data, filename in (
            ("import CSV", raw, "a.csv"),
            ("import JSONL+tokens", jsonl, "b.jsonl"),
        ):
            start = time.perf_counter()
            result = import_file(
                session,
                other,
                io.BytesIO(data),
                filename,
                user=admin,
                options=ImportOptions(dedupe=True),
            )
            out[f"{name} docs/s"] = result.imported / (time.perf_counter() - start)
        project = session.get(Project, pid)
        request = ExportRequest(format="jsonl", source="predictions")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start, seen = time.perf_counter(), 0
        records = project_records(session, project, request)
        for chunk in get_writer("jsonl")(records, write_options(project, request)):
            seen += chunk.count("\n")
            if seen >= args.export_max:
                break
        out["export docs/s"] = seen / (time.perf_counter() - start)
        out["export peak MiB growth"] = (
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - before
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,100000,1000000")
    parser.add_argument("--postgres", default=os.environ.get("TEXTLABEL_BENCH_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument(
        "--uncertainty", action="store_true", help="also time /next in the uncertainty order"
    )
    parser.add_argument("--import-rows", type=int, default=20_000)
    parser.add_argument("--export-max", type=int, default=50_000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = ([] if args.no_sqlite else ["sqlite"]) + ([args.postgres] if args.postgres else [])
    for backend in backends:
        print(f"\n== {backend.split('://')[0].split('+')[0]}", flush=True)
        results: dict[int, dict[str, float]] = {}
        cpus: dict[int, dict[str, float]] = {}
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                url = f"sqlite:///{tmp}/scale.db" if backend == "sqlite" else backend
                print(f"{size:,} documents (load average {os.getloadavg()[0]:.1f})", flush=True)
                CPU.clear()
                results[size] = run_size(url, size, args, Path(tmp))
                cpus[size] = dict(CPU)
            base = results[sizes[0]]
            for name, value in results[size].items():
                unit = "" if "/s" in name or "MiB" in name else " ms"
                ratio = value / base[name] if base[name] else float("nan")
                line = f"    {name:<24} {value:10.1f}{unit}   {ratio:5.2f}x the {sizes[0]:,} figure"
                if name in cpus[size]:
                    cpu, cpu_ratio = cpus[size][name], cpus[size][name] / cpus[sizes[0]][name]
                    line += f"   CPU {cpu:6.1f} ms {cpu_ratio:5.2f}x"
                print(line)


if __name__ == "__main__":
    main()
