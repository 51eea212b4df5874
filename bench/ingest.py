"""Benchmark: importing a generated CSV into SQLite through the ingest service.

In one run: docs/s of ``import_file`` (pre-annotation off, dedupe on: the real path an
upload takes) beside docs/s of merely parsing the same file with the stdlib ``csv``
module; then peak memory (max RSS of a fresh process) for imports of two sizes, to show
it does not grow with the file. Run:

    .venv/bin/python bench/ingest.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest_parse import write_csv  # noqa: E402


def parse_only(path: Path) -> float:
    start = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    return rows / (time.perf_counter() - start)


def import_once(path: Path, folder: Path) -> tuple[float, int, float]:
    """docs/s, documents stored, and this process's CPU microseconds per document."""
    from sqlalchemy.orm import Session

    from textlabel import migrate
    from textlabel.auth.service import create_user
    from textlabel.db import make_engine
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.projects.service import create_project

    engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session, "bench", "bench-password")
        project = create_project(session, name="bench", created_by=user)
        start, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as stream:
            result = import_file(
                session, project, stream, path.name, user=user, options=ImportOptions()
            )
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return result.imported / elapsed, result.imported, cpu / result.imported * 1e6


def child(rows: int) -> None:
    """Import ``rows`` rows in this fresh process and print its max RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, rows)
        import textlabel.ingest.service  # noqa: F401  (count imports' memory before the run)

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        _rate, imported, _cpu = import_once(path, folder)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps({"rows": imported, "rss_mb": after / 1024, "growth_mb": (after - before) / 1024})
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size / 1e6
        parse_rate = parse_only(path)
        import_rate, imported, cpu_us = import_once(path, folder)
    print(f"{args.rows:,} rows, {size:.1f} MB CSV")
    print(f"  csv module parse only : {parse_rate:12,.0f} docs/s")
    print(f"  textlabel import      : {import_rate:12,.0f} docs/s  ({imported:,} stored in SQLite)")
    print(f"  ratio import / parse  : {import_rate / parse_rate:12.2f}")
    print(f"  CPU per document      : {cpu_us:12,.0f} us (its ceiling: {1e6 / cpu_us:,.0f} docs/s)")
    print("peak memory of a fresh process importing (max RSS):")
    for rows in (args.rows // 10, args.rows):
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(rows)], capture_output=True, text=True,
            check=True,
        )  # fmt: skip
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {figures['rows']:>9,} rows: {figures['rss_mb']:7.1f} MB "
            f"(+{figures['growth_mb']:.1f} MB during the import)"
        )


if __name__ == "__main__":
    main()
