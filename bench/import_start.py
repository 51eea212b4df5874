"""What starting an import child costs: the same CSV files imported in-process, in a fresh
child (``python -m textlabel.ingest.import_child``) and in a child forked by the import
launcher (``textlabel.ingest.forked_imports``), one after the other in one run.

For each it prints the wall time, the CPU of this (the web) process's importing thread and
the CPU of the processes under it (the child, or the launcher's waiter and child; sampled
from /proc every 20 ms, so a child's last few ms may be missed), the median of ``--repeat``
runs, the ratios against in-process, the launcher's memory (RSS, PSS, USS) and the load:

    .venv/bin/python bench/import_start.py [--database URL] [--repeat 3] [ROWS ...]

The launcher is forked from this process after ``create_app`` (as a server forks it), so
its PSS shares the app's pages with this process as it would with a server's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import database_url, write_csv  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _stat(pid: int) -> tuple[int, float] | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK


class Descendants:
    """The CPU seconds of every process that was under this one while it ran (sampled)."""

    def __init__(self, skip: set[int]) -> None:
        self.seen: dict[int, float] = {}
        self.skip = skip
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Descendants:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self.stop.wait(0.02):
            parents: dict[int, int] = {}
            cpu: dict[int, float] = {}
            for entry in os.listdir("/proc"):
                if entry.isdigit() and (found := _stat(int(entry))) is not None:
                    parents[int(entry)], cpu[int(entry)] = found
            for pid in cpu:
                ancestor, hops = parents.get(pid), 0
                while ancestor not in (None, 0, 1, me) and hops < 5:
                    ancestor, hops = parents.get(ancestor), hops + 1
                if ancestor == me and pid not in self.skip:
                    self.seen[pid] = max(self.seen.get(pid, 0.0), cpu[pid])

    @property
    def cpu(self) -> float:
        return sum(self.seen.values())


def memory(pid: int) -> str:
    rows = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    kib = {k: int(v.split()[0]) for k, v in (row.split(":", 1) for row in rows)}
    uss = kib["Private_Clean"] + kib["Private_Dirty"]
    rss, pss = kib["Rss"] / 1024, kib["Pss"] / 1024
    return f"RSS {rss:.0f} MiB, PSS {pss:.0f} MiB, USS {uss / 1024:.0f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--database", help="a PostgreSQL URL; default SQLite in a temp dir")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from sqlalchemy.orm import Session

    from textlabel import create_app, migrate
    from textlabel.auth.service import create_user
    from textlabel.db import make_engine
    from textlabel.ingest import forked_imports
    from textlabel.ingest.in_child import import_in_child
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.projects.service import create_project

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = database_url(args.database, folder)
        create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "JOB_PROCESS": False})
        engine = make_engine(url)
        migrate.upgrade(engine)
        load_before = load()
        launcher = forked_imports.start(engine)  # before any thread, as a server does
        assert launcher is not None
        time.sleep(3)  # let it load what an import needs before the first is timed
        modes = {
            "in-process": (None, import_file),
            "fresh child": (None, import_in_child),
            "forked child": (launcher, import_in_child),
        }
        print(f"database {url.split(':')[0]}, median of {args.repeat}, load {load_before}")
        try:
            with Session(engine, expire_on_commit=False) as session:
                user = create_user(session, "bench", "bench-password")
                for rows in args.rows:
                    path = folder / f"{rows}.csv"
                    write_csv(path, rows)
                    figures: dict[str, tuple[float, float, float]] = {}
                    runs: dict[str, list[tuple[float, float, float]]] = {m: [] for m in modes}
                    for n in range(args.repeat):
                        for how, (use, run) in modes.items():  # interleaved: same load
                            forked_imports.use(use)
                            project = create_project(
                                session, name=f"{how} {rows} {n}", created_by=user
                            )
                            skip = {launcher.pid}
                            with Descendants(skip) as under, path.open("rb") as stream:
                                start, cpu = time.perf_counter(), time.thread_time()
                                run(
                                    session, project, stream, path.name, user=user,
                                    options=ImportOptions(),
                                )  # fmt: skip
                                wall, cpu = time.perf_counter() - start, time.thread_time() - cpu
                            runs[how].append((wall, cpu, under.cpu))
                    print(
                        f"  {rows:>6,} rows ({path.stat().st_size / 1e3:,.0f} kB), load {load()}:"
                    )
                    for how, measured in runs.items():
                        figures[how] = tuple(  # type: ignore[assignment]
                            statistics.median(m[i] for m in measured) for i in range(3)
                        )
                        wall, here, under_cpu = figures[how]
                        base = figures["in-process"][0]
                        print(
                            f"    {how:<13} {wall:6.2f} s wall ({wall / base:4.2f}x in-process), "
                            f"CPU {here:5.2f} s here + {under_cpu:5.2f} s in the child"
                        )
            print(f"launcher (idle, after the imports): {memory(launcher.pid)}; load {load()}")
        finally:
            launcher.stop()
            os.waitpid(launcher.pid, 0)
            engine.dispose()


if __name__ == "__main__":
    main()
