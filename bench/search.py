"""Benchmark: document search (``?q=``) at a large document count, on SQLite and PostgreSQL.

Documents are 1-3 sentences drawn at random (seeded) from the UD English test sets in
/work/shared/data/ud (EWT, GUM, PUD: real text, so word frequencies are real), plus a made-up
word in one document of 10,000 (the "needle" searches). The project's document list page
(``list_documents``: 50 rows, their status, and the total count of hits) is timed for words
of each document frequency, and for two-word searches; the p50 and p95 of each are printed.
Listings without a search are timed with the total counted up to ``COUNT_CAP`` and exactly;
common words also with their hits counted up to the cap (PostgreSQL skips that count when
the planner expects far more hits than the cap: ``documents.ESTIMATE_FACTOR``).
The baseline is the same page with ``lower(text) LIKE '%word%'`` (a scan; and it matches
inside words too) for one needle word, in the same process. Run:

    .venv/bin/python bench/search.py [--documents 1000000] [--postgres-url URL] [--sqlite-only]

``--small N`` adds a second project of N documents (stored after the big one) and times only
a common and a rare word's first page (with its count) in it and in the big project;
``--baseline DIR`` (a ``git archive`` of older code) times the same on the same database
with DIR's code, in a subprocess, in the same run.

SQLite runs in a temporary folder (or ``--sqlite-path``, kept); PostgreSQL in the database
at ``--postgres-url`` (its tables are dropped first: use a database of its own). A database
that already holds the benchmark's project with as many documents is reused. Setup (storing
the documents) is not timed; on PostgreSQL the GIN index is built after the load, as a bulk
import would want.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
# --code DIR: import textlabel from DIR (a baseline's tree) instead of this one.
CODE = sys.argv[sys.argv.index("--code") + 1] if "--code" in sys.argv else str(ROOT)
sys.path.insert(0, CODE)

from textlabel import migrate  # noqa: E402
from textlabel.auth import service as auth  # noqa: E402
from textlabel.db import make_engine  # noqa: E402
from textlabel.models import Document, Project, User  # noqa: E402
from textlabel.models.document import SEARCH_COLUMN, SEARCH_INDEX  # noqa: E402
from textlabel.projects import documents  # noqa: E402
from textlabel.projects.documents import list_documents  # noqa: E402
from textlabel.projects.search import DocumentFilters  # noqa: E402
from textlabel.projects.service import LabelSpec, create_project  # noqa: E402

UD = Path("/work/shared/data/ud")
_BATCH = 20_000
NEEDLES = ["zorblax", "quindle", "frumptious"]


def sentences() -> list[str]:
    found: list[str] = []
    for path in sorted(UD.glob("*.conllu")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("# text = "):
                found.append(line.removeprefix("# text = "))
    return found


def make_texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    pool = sentences()
    texts = []
    for i in range(n):
        words = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 3)))
        if i % 10_000 == 5_000:
            words += f" {NEEDLES[(i // 10_000) % len(NEEDLES)]}."
        texts.append(words)
    return texts


def store(engine: Engine, texts: list[str]) -> int:
    """A project holding ``texts``; its id."""
    with Session(engine, expire_on_commit=False) as session:
        owner = auth.create_user(session, "bench", "bench-password-1")
        project = create_project(session, name="search", created_by=owner,
                                 labels=[LabelSpec("PER")])  # fmt: skip
        project_id = project.id
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as connection:
        if postgres:
            connection.execute(text(f"DROP INDEX {SEARCH_INDEX}"))
        for start in range(0, len(texts), _BATCH):
            rows = [
                {"project_id": project_id, "text": t, "meta": {}, "tokens": {"offsets": []},
                 "content_hash": hashlib.sha256(t.encode()).hexdigest()}
                for t in texts[start : start + _BATCH]
            ]  # fmt: skip
            connection.execute(insert(Document), rows)
        if postgres:
            connection.execute(text(
                f"CREATE INDEX {SEARCH_INDEX} ON document USING gin ({SEARCH_COLUMN})"
            ))  # fmt: skip
            connection.execute(text("ANALYZE document"))
    return project_id


def word_classes(texts: list[str], seed: int) -> dict[str, list[str]]:
    """Words by the share of documents holding them (document frequency)."""
    df: Counter[str] = Counter()
    sample = texts[:: max(1, len(texts) // 50_000)]
    for t in sample:
        df.update({w.lower() for w in re.findall(r"[^\W_]+", t)})
    share = {w: c / len(sample) for w, c in df.items()}
    rng = random.Random(seed)
    bands = {"rare (<0.1%)": (0.0002, 0.001), "medium (0.5-5%)": (0.005, 0.05),
             "common (>20%)": (0.2, 1.0)}  # fmt: skip
    classes = {"needle (0.01%)": NEEDLES}
    for name, (low, high) in bands.items():
        words = sorted(w for w, s in share.items() if low <= s < high and w.isalpha())
        classes[name] = rng.sample(words, min(12, len(words)))
    medium = classes["medium (0.5-5%)"]
    classes["two medium words"] = [
        f"{a} {b}" for a, b in zip(medium, reversed(medium), strict=True)
    ]
    return classes


def timings(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append(1000 * (time.perf_counter() - start))
    return out


def like_page(session: Session, project: Project, words: str) -> Any:
    """The baseline: the same first page and total with LIKE scans instead of the index."""
    where = [Document.project_id == project.id] + [
        func.lower(Document.text).like(f"%{w}%") for w in words.split()
    ]
    ids = session.scalars(select(Document.id).where(*where).order_by(Document.id).limit(50)).all()
    return ids, session.scalar(select(func.count(Document.id)).where(*where))


def prepared(engine: Engine, n: int) -> int | None:
    """The project a previous run stored with ``n`` documents, to reuse (setup is slow)."""
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.name == "search"))
        if project is None:
            return None
        count = session.scalar(select(func.count(Document.id)).where(
            Document.project_id == project.id))  # fmt: skip
        return project.id if count == n else None


def listing_counts(session: Session, project: Project, repeat: int) -> None:
    """Listings without a search, the total counted up to ``COUNT_CAP`` against an exact
    count of every document (the cap raised past them), in the same process."""
    cases = {"no search (page 1)": DocumentFilters(),
             "status=new (page 1)": DocumentFilters(status="new")}  # fmt: skip
    for name, filters in cases.items():
        ms = {}
        for label, cap in (("capped", documents.COUNT_CAP), ("exact", 10**12)):
            documents.COUNT_CAP, kept = cap, documents.COUNT_CAP
            try:
                page = lambda f=filters: list_documents(session, project, filters=f)  # noqa: E731
                ms[label] = statistics.median(timings(page, repeat))
            finally:
                documents.COUNT_CAP = kept
        print(f"  {name:<22} p50 {ms['capped']:8.1f} ms (total counted up to "
              f"{documents.COUNT_CAP:,}); exact count {ms['exact']:8.1f} ms "
              f"({ms['exact'] / ms['capped']:.1f}x)")  # fmt: skip


def run(url: str, texts: list[str], classes: dict[str, list[str]], repeat: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    project_id = prepared(engine, len(texts))
    if project_id is None:
        if engine.dialect.name == "postgresql":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        else:
            engine.dispose()
            Path(url.removeprefix("sqlite:///")).unlink()
            engine = make_engine(url)
        migrate.upgrade(engine)
        start = time.perf_counter()
        project_id = store(engine, texts)
        print(f"\n{engine.dialect.name}: {len(texts):,} documents stored in "
              f"{time.perf_counter() - start:.0f} s (setup, not timed below)")  # fmt: skip
    else:
        print(f"\n{engine.dialect.name}: {len(texts):,} documents (stored by an earlier run)")
    with Session(engine) as session:
        project = session.get_one(Project, project_id)
        listing_counts(session, project, repeat)
        for name, words in classes.items():
            ms: list[float] = []
            hits: list[int] = []
            for q in words:
                filters = DocumentFilters(q=q)
                hits.append(list_documents(session, project, filters=filters).total)
                ms += timings(lambda f=filters: list_documents(session, project, filters=f), repeat)
            p50 = statistics.median(ms)
            print(f"  {name:<22} p50 {p50:8.1f} ms  p95 {statistics.quantiles(ms, n=20)[-1]:8.1f}"
                  f" ms  hits {min(hits):,}-{max(hits):,}")  # fmt: skip
        # The common words again, counted up to the cap as before the planner's estimate
        # was asked (ESTIMATE_FACTOR out of reach), in the same process.
        common = next(words for name, words in classes.items() if name.startswith("common"))
        factor, documents.ESTIMATE_FACTOR = documents.ESTIMATE_FACTOR, 10**12
        try:
            ms = []
            for q in common:
                filters = DocumentFilters(q=q)
                ms += timings(lambda f=filters: list_documents(session, project, filters=f), repeat)
        finally:
            documents.ESTIMATE_FACTOR = factor
        print(f"  {'common, counted':<22} p50 {statistics.median(ms):8.1f} ms  p95 "
              f"{statistics.quantiles(ms, n=20)[-1]:8.1f} ms  (each search counted up to "
              f"{documents.COUNT_CAP + 1:,} hits, the estimate not asked)")  # fmt: skip
        # The baseline scans every text: one needle search is enough to see the ratio.
        needle = DocumentFilters(q=NEEDLES[0])
        indexed = statistics.median(
            timings(lambda: list_documents(session, project, filters=needle), repeat)
        )
        scan = timings(lambda: like_page(session, project, NEEDLES[0]), 1)[0]
        print(f"  baseline: LIKE '%{NEEDLES[0]}%' page + total {scan:8.1f} ms, "
              f"{scan / indexed:.0f}x the indexed search ({indexed:.1f} ms)")  # fmt: skip
    engine.dispose()


def small_project(engine: Engine, n: int, seed: int) -> int:
    """A second project of ``n`` documents beside the big one (reused when present)."""
    with Session(engine, expire_on_commit=False) as session:
        found = session.scalar(select(Project.id).where(Project.name == "search-small"))
        if found is not None:
            return found
        owner = session.scalar(select(User).where(User.username == "bench"))
        assert owner is not None
        project = create_project(session, name="search-small", created_by=owner,
                                 labels=[LabelSpec("PER")])  # fmt: skip
        project_id = project.id
    texts = make_texts(n, seed + 1)
    with engine.begin() as connection:
        connection.execute(insert(Document), [
            {"project_id": project_id, "text": t, "meta": {}, "tokens": {"offsets": []},
             "content_hash": hashlib.sha256(t.encode()).hexdigest()} for t in texts
        ])  # fmt: skip
    return project_id


def small_beside_big(url: str, classes: dict[str, list[str]], n_small: int, seed: int,
                     repeat: int, label: str) -> None:  # fmt: skip
    """A common and a rare word's first page (with its total) in the small project and in
    the big one: p50 wall ms and CPU ms a search."""
    engine = make_engine(url)
    small_id = small_project(engine, n_small, seed)
    words = {"common": classes["common (>20%)"][:4], "rare": classes["rare (<0.1%)"][:4]}
    with Session(engine) as session:
        for name in ("search-small", "search"):
            project = session.scalar(select(Project).where(Project.name == name))
            assert project is not None
            if name == "search-small":
                assert project.id == small_id
            for kind, qs in words.items():
                wall: list[float] = []
                cpu: list[float] = []
                hits = []
                for q in qs:
                    f = DocumentFilters(q=q)
                    hits.append(list_documents(session, project, filters=f).total)
                    for _ in range(repeat):
                        c0, w0 = time.process_time(), time.perf_counter()
                        list_documents(session, project, filters=f)
                        cpu.append(1000 * (time.process_time() - c0))
                        wall.append(1000 * (time.perf_counter() - w0))
                print(f"  {label:<9} {name:<13} {kind:<7} p50 {statistics.median(wall):8.2f} ms"
                      f"  cpu p50 {statistics.median(cpu):8.2f} ms  hits {hits}")  # fmt: skip
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--small", type=int, help="time a small project of this many "
                        "documents beside the big one (SQLite; see the docstring)")  # fmt: skip
    parser.add_argument("--baseline", help="with --small: also time DIR's code")
    parser.add_argument("--code", help="import textlabel from DIR (used by --baseline)")
    parser.add_argument("--sqlite-path", help="keep the SQLite database here (reused by the "
                        "next run with the same --documents)")  # fmt: skip
    options = parser.parse_args()
    texts = make_texts(options.documents, options.seed)
    classes = word_classes(texts, options.seed)
    if options.small:
        small_runs(options, texts, classes)
        return
    if options.postgres_only:
        pass
    elif options.sqlite_path:
        run(f"sqlite:///{options.sqlite_path}", texts, classes, options.repeat)
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(f"sqlite:///{folder}/search.db", texts, classes, options.repeat)
    if options.postgres_url and not options.sqlite_only:
        run(options.postgres_url, texts, classes, options.repeat)


def small_runs(options: argparse.Namespace, texts: list[str],
               classes: dict[str, list[str]]) -> None:  # fmt: skip
    """--small: store (or reuse) both projects, then time this code and the baseline's,
    alternating, on the same database file."""
    if not options.sqlite_path:
        raise SystemExit("--small needs --sqlite-path (the baseline reads the same file)")
    url = f"sqlite:///{options.sqlite_path}"
    if options.code:  # the baseline's turn, in a subprocess
        small_beside_big(url, classes, options.small, options.seed, options.repeat, "baseline")
        return
    engine = make_engine(url)
    migrate.upgrade(engine)
    if prepared(engine, len(texts)) is None:
        engine.dispose()
        Path(options.sqlite_path).unlink(missing_ok=True)
        engine = make_engine(url)
        migrate.upgrade(engine)
        store(engine, texts)
    small_project(engine, options.small, options.seed)
    engine.dispose()
    print(f"sqlite: {options.small:,} documents beside {len(texts):,} "
          f"(load {Path('/proc/loadavg').read_text().split()[0]})")  # fmt: skip
    for _ in range(2):
        small_beside_big(url, classes, options.small, options.seed, options.repeat, "this")
        if options.baseline:
            import subprocess

            subprocess.run([sys.executable, __file__, "--code", options.baseline, *sys.argv[1:]],
                           check=True)  # fmt: skip


if __name__ == "__main__":
    main()
