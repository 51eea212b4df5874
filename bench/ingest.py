"""Benchmark: importing a CSV of 60-120-word documents through the ingest service.

In one run, on the same texts:

- the floor: reading the CSV with the stdlib ``csv`` module and tokenizing every text with
  spaCy's tokenizer alone (``nlp.tokenizer.pipe`` of ``spacy.blank("en")``), CPU us per
  document, and the documents/s of that tokenizer alone (a fresh one) on the same texts,
  against which the import's documents/s is given as a ratio;
- ``import_file`` (pre-annotation off, dedupe on: the path an upload takes) into SQLite, and
  into PostgreSQL with ``--database URL`` (its schema is emptied first): documents/s on the
  wall clock, and CPU us per document of this process and its tokenizing workers (set
  ``TEXTLABEL_IMPORT_PROCESSES=N`` to use N; the database server's work on PostgreSQL is in
  its own processes, so it shows in docs/s only);
- peak memory (max RSS of a fresh process) importing a tenth of the rows and all of them,
  to show it does not grow with the file (``--child N`` alone: one such run, printing its
documents/s and CPU us per document too, for a large file without the in-process run);
- how long each of the import's writing transactions held SQLite's write lock (what a save
  may wait for; ``BENCH_BATCH=N`` sets the documents per batch), and how many of them and
  how long in all publishing the file took (``textlabel.ingest.staging``);
- ``--tokens``: the same rows as JSONL carrying their tokens (``{"text", "tokens": [{text,
  start, end, id, ws}]}``, the pre-tokenized path: nothing to tokenize, more to read and check);
- on PostgreSQL on this machine, the CPU its server processes for the bench database spent
  (``/proc``: every backend of that database but the one asking, so autovacuum is not in it), per
  document, and how much of that was publishing: the server's share of the two cores;
- ``--ceiling``: the storing side alone, what the import reaches when tokenizing is not the
  bound (enough cores for the workers): the CSV's tokens are made before the clock starts and
  handed to the storing process as a worker hands them (``tokenized_batches``' JSON per text),
  so the same ``import_file`` stores, stages and publishes them; prints its documents/s, the
  CPU a document of the importing process and of the database server, and the wall time of
  the serial part after the file is read (publishing: SQLite's one writer moving batches,
  PostgreSQL's UPDATEs) with the rate that part alone caps an import at. (``--tokens``
  is no ceiling: reading and checking the tokens of JSONL costs the storing process more
  than tokenizing costs a worker.)
- the import runs with what this process held before it frozen (``gc.freeze()``), as an
  import's child is forked from a frozen launcher in production: the collector's walks over
  spaCy, the texts and ``--ceiling``'s tokens were 4-17 us of the storing process's CPU a
  document that no real import pays (pgi21);
- ``--child-or-not ROWS...`` alone: files of ROWS rows imported in-process and in a child
  process (``textlabel.ingest.in_child``), wall time and this process's CPU.

Texts are sentences of the UD English treebanks in ``../shared/data/ud`` (or
``TEXTLABEL_SHARED_DATA``), strung together to 60-120 words and numbered so that none is a
duplicate; generated words when the treebanks are missing. Run:

    .venv/bin/python bench/ingest.py [--rows 20000] [--database postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA = Path(os.environ.get("TEXTLABEL_SHARED_DATA", Path(__file__).parents[2] / "shared/data"))
FILLER = ["the", "annotator", "met", "Ada", "in", "London", "on", "Monday", ",", "and", "left", "."]


def sentences() -> list[str]:
    found = [
        line[9:].strip()
        for path in sorted((DATA / "ud").glob("*.conllu"))
        for line in path.open(encoding="utf-8")
        if line.startswith("# text = ")
    ]
    if found:
        return found
    print(
        f"warning: no UD treebank in {DATA / 'ud'} (set TEXTLABEL_SHARED_DATA): the texts are"
        f" made of {len(FILLER)} filler words, which any tokenizer cache learns at once",
        file=sys.stderr,
    )
    return [" ".join(FILLER[k:] + FILLER[:k]) for k in range(len(FILLER))]


def write_csv(path: Path, rows: int) -> None:
    """``rows`` documents of 60-120 words (an id, the text, a category)."""
    pool, rng = sentences(), random.Random(0)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "category"])
        for n in range(rows):
            words: list[str] = []
            while len(words) < 60 + n % 61:
                words += pool[rng.randrange(len(pool))].split()
            writer.writerow([n, " ".join(words[: 60 + n % 61]) + f" (#{n})", f"c{n % 5}"])


def write_jsonl(csv_path: Path, path: Path) -> None:
    """The rows of ``csv_path`` as JSONL with their tokens, as ``tokenize_text`` cuts them."""
    from textlabel.nlp.pipeline import tokenize_text

    with csv_path.open(newline="", encoding="utf-8") as source, path.open("w") as out:
        for row in csv.DictReader(source):
            text, tokens = row["text"], tokenize_text(row["text"])
            pairs = zip(tokens.starts, tokens.ends, strict=True)
            listed = [
                {"text": text[s:e], "start": s, "end": e, "id": i, "ws": text[e : e + 1] == " "}
                for i, (s, e) in enumerate(pairs)
            ]
            out.write(json.dumps({"text": text, "tokens": listed}) + "\n")


def floor(path: Path) -> tuple[float, float]:
    """CPU us per document of csv reading plus spaCy's tokenizer alone, and documents/s of
    ``nlp.tokenizer.pipe`` alone over the same texts (wall clock, texts already read)."""
    import spacy

    nlp = spacy.blank("en")
    nlp.tokenizer("warm up")
    start = time.process_time()
    with path.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]  # the same texts as the import's
    count = sum(len(doc) > 0 for doc in nlp.tokenizer.pipe(texts))
    cpu_us = (time.process_time() - start) / count * 1e6
    fresh = spacy.blank("en")  # a cold cache, as the import's
    fresh.tokenizer("warm up")
    start = time.perf_counter()
    count = sum(len(doc) > 0 for doc in fresh.tokenizer.pipe(texts))
    return cpu_us, count / (time.perf_counter() - start)


def database_url(database: str | None, folder: Path) -> str:
    if not database:
        return f"sqlite:///{folder / 'bench.db'}"
    from sqlalchemy import create_engine, text

    engine = create_engine(database)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return database


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (tokenizing workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


class ServerCpu:
    """CPU seconds of the PostgreSQL backends serving ``url``'s database (a local server whose
    processes this user may read in ``/proc``), sampled through a connection of its own."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        self.engine = create_engine(url) if url.startswith("postgresql") else None
        self.tick = os.sysconf("SC_CLK_TCK")
        self.seen: dict[int, float] = {}  # pid -> CPU at the first sample that found it
        self.sampled = False  # a backend first found later started since: all its CPU counts

    def sample(self) -> float | None:
        """Seconds spent since the first sample by the backends alive now; None off PostgreSQL."""
        if self.engine is None:
            return None
        from sqlalchemy import text

        with self.engine.connect() as connection:
            pids = connection.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalars()
            spent = 0.0
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # another machine's, or gone
                    continue
                now = (int(fields[11]) + int(fields[12])) / self.tick
                spent += now - self.seen.setdefault(pid, now if not self.sampled else 0.0)
        self.sampled = True
        return spent


def pretokenized(path: Path) -> dict[str, str]:
    """Each text of the CSV at ``path`` with its tokens' JSON, as a worker makes them."""
    from textlabel.ingest.tokenize import chunk_tokenizer

    with path.open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle)]
    return dict(zip(texts, chunk_tokenizer().many_stored(texts), strict=True))


@contextmanager
def tokens_given(spelt: dict[str, str]) -> Iterator[None]:
    """``import_file`` with every batch's tokens already made (``--ceiling``): each batch comes
    with ``{text: tokens JSON}`` as ``parallel.tokenized_batches`` hands a worker's back."""
    from textlabel.ingest import service

    def given(batches: Iterable[list[Any]], texts_of: Any, processes: int) -> Iterator[Any]:
        for batch in batches:
            yield batch, {}, {text: spelt[text] for text in texts_of(batch)}

    real = service.tokenized_batches
    service.tokenized_batches = given  # type: ignore[assignment]
    try:
        yield
    finally:
        service.tokenized_batches = real


@dataclass
class Phases:
    """What ``import_once`` measured beyond docs/s (``--ceiling`` prints it)."""

    wall: float = 0.0  # the import, seconds
    publishing: float = 0.0  # from the mark to the end: nothing overlaps it
    server_us: float | None = None  # the database server's CPU a document (PostgreSQL)
    server_publishing_us: float | None = None  # of which publishing


def import_once(
    path: Path, url: str, phases: Phases | None = None
) -> tuple[float, int, float, float]:
    """docs/s, documents stored, and CPU microseconds per document (this process and its
    tokenizing workers: ``TEXTLABEL_IMPORT_PROCESSES``; then this process alone)."""
    from sqlalchemy.orm import Session

    from textlabel import migrate
    from textlabel.auth.service import create_user
    from textlabel.ingest.import_child import importing_engine
    from textlabel.ingest.parallel import timeline
    from textlabel.ingest.service import import_file
    from textlabel.projects.service import create_project

    engine = importing_engine(url)  # the import child's own engine, as an upload's
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session, "bench", "bench-password")
        project = create_project(session, name="bench", created_by=user)
        server = ServerCpu(url)
        transactions = _write_transactions(engine, session, server)
        # as in production, where the import launcher collects and freezes before it forks an
        # import's child (``heapholes.before_fork``): the collector then never walks what this
        # process held before the import (spaCy, the texts, ``--ceiling``'s tokens)
        gc.collect()
        gc.freeze()
        server.sample()
        began = time.monotonic()
        start, cpu, own = time.perf_counter(), _cpu(), time.process_time()
        with path.open("rb") as stream, timeline() as recorded:
            result = import_file(session, project, stream, path.name, user=user, options=_options())
        ended_cpu = time.process_time()
        gc.unfreeze()
        elapsed, cpu, own = time.perf_counter() - start, _cpu() - cpu, ended_cpu - own
        ended = time.monotonic()
    served = server.sample()
    if recorded.worker:
        print_timeline(recorded, began, transactions.marked_at, ended)
    engine.dispose()
    phases = phases if phases is not None else Phases()
    phases.wall = elapsed
    phases.publishing = ended - transactions.marked_at if transactions.marked_at else 0.0
    if served is not None:
        published = served - transactions.server_at_mark
        phases.server_us = served / result.imported * 1e6
        phases.server_publishing_us = published / result.imported * 1e6
        print(
            f"  database server: {served / result.imported * 1e6:,.0f} us CPU/doc, "
            f"publishing {published / result.imported * 1e6:,.0f} of it"
        )
    if transactions.marked_at:  # the serial phase after the file is read: nothing overlaps it
        wall, mine = ended - transactions.marked_at, ended_cpu - transactions.cpu_at_mark
        print(
            f"  publishing (from the mark): {wall:.2f} s wall ({wall / elapsed:.0%} of the "
            f"import), {mine / result.imported * 1e6:,.1f} us CPU/doc of the importing process"
        )
    if transactions:
        publishing = [ms for ms, published in transactions if published] or [0.0]
        held = sorted(ms for ms, _ in transactions)
        what = "write lock held" if url.startswith("sqlite") else "transactions"
        print(
            f"  {what}: {len(held)} times, p50 {held[len(held) // 2]:.1f} ms, "
            f"p95 {held[int(len(held) * 0.95)]:.1f} ms, max {held[-1]:.1f} ms; publishing "
            f"{len(publishing)} of them, {sum(publishing):.1f} ms in all, "
            f"the longest {max(publishing):.1f} ms"
        )
    own_us = own / result.imported * 1e6
    if cpu > own * 1.01:  # tokenizing workers: what the importing process itself spent
        print(f"  of which the importing process: {own_us:,.0f} us CPU/doc")
    return result.imported / elapsed, result.imported, cpu / result.imported * 1e6, own_us


def _options() -> Any:
    """The import's options; ``BENCH_BATCH`` overrides the batch size."""
    from textlabel.ingest.service import ImportOptions

    batch = os.environ.get("BENCH_BATCH")
    return ImportOptions(batch_size=int(batch)) if batch else ImportOptions()


class _Held(list[tuple[float, bool]]):
    server_at_mark = 0.0  # the server's CPU when the staging project was marked publishing
    marked_at = 0.0  # time.monotonic() then
    cpu_at_mark = 0.0  # and this process's CPU then


def print_timeline(recorded: Any, began: float, marked: float, ended: float) -> None:
    """What an import with a worker spent its wall time on (``parallel.Timeline``): the
    worker's start-up before its first batch came back, the staging phase (both processes
    at work, each waiting for the other some of the time) and the phases after the last
    batch, when the worker is idle."""
    worker, waits = recorded.worker, recorded.waits
    first_wait = waits[0][1] - waits[0][0]
    staging = recorded.ended - waits[0][1]
    busy = sum(end - ready for _, ready, end in worker[1:])  # a second worker loads spaCy too
    # workers in all: their batches interleave, so idle is their time in all less their work
    # (a second worker's own start-up counts as idle)
    workers = max(1, int(os.environ.get("TEXTLABEL_IMPORT_PROCESSES", "2")) - 1)
    span = max(end for _, _, end in worker) - worker[0][1]
    idle = workers * span - busy - (worker[0][2] - worker[0][1])
    waited = sum(end - start for start, end in waits[1:])
    wall = ended - began
    parts = [
        ("before the first batch is read (staging project, format)", recorded.began - began),
        ("reading the first two batches (no worker yet)", recorded.pool - recorded.began),
        ("spawning the worker (process, imports)", worker[0][0] - recorded.pool),
        ("the worker loading spaCy", worker[0][1] - worker[0][0]),
        ("the worker tokenizing the first batch", worker[0][2] - worker[0][1]),
        ("the first batch handed back (storing process waited from its start)",
         waits[0][1] - worker[0][2]),
        ("staging: batches 2.. stored while the next are tokenized", staging),
        ("after the last batch: pool shutdown, labels, audit, marking",
         marked - recorded.ended if marked else 0.0),
        ("publishing (the worker is gone)", ended - marked if marked else ended - recorded.ended),
    ]  # fmt: skip
    print(f"  timeline of {wall:.2f} s wall (load {os.getloadavg()[0]:.1f}):")
    for what, seconds in parts:
        print(f"    {seconds:7.2f} s {seconds / wall:6.1%}  {what}")
    print(
        f"    in staging: the storing process waited {waited:.2f} s for the worker "
        f"({len(waits) - 1} batches; {first_wait:.2f} s for the first); the worker "
        f"tokenized {busy:.2f} s and waited {idle:.2f} s for batches"
        + (f" ({workers} workers, in all)" if workers > 1 else "")
    )


def _write_transactions(engine: Any, session: Any, server: ServerCpu) -> _Held:
    """Milliseconds from each writing transaction's BEGIN (IMMEDIATE, on SQLite: the write
    lock taken) to the end of its COMMIT: what a save may wait for; and whether it published
    the file (a transaction after the one that marks the staging project publishing)."""
    from sqlalchemy import event

    held = _Held()
    began: dict[str, float] = {}
    phase = {"now": "import"}

    def begin(connection: Any) -> None:
        if engine.dialect.name != "sqlite" or "textlabel_gate" in connection.info:
            began["at"] = time.perf_counter()

    def mark(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("UPDATE") and "staged_publishing" in statement:
            phase["now"] = "marking"

    def end(_session: Any) -> None:
        if "at" in began:
            ms = (time.perf_counter() - began.pop("at")) * 1e3
            held.append((ms, phase["now"] == "publishing"))
        if phase["now"] == "marking":  # the import's last batch commits with the mark
            phase["now"] = "publishing"
            held.marked_at, held.cpu_at_mark = time.monotonic(), time.process_time()
            held.server_at_mark = server.sample() or 0.0

    event.listen(engine, "begin", begin)  # after make_engine's own: the lock is taken
    event.listen(engine, "before_cursor_execute", mark)
    event.listen(session, "after_commit", end)
    event.listen(session, "after_rollback", end)
    return held


def child_or_not(database: str | None, sizes: list[int]) -> None:
    """Small files in-process or in a child (``textlabel.ingest.in_child``): the wall time
    of each, and the CPU this (the web) process spends; a child's start is the difference."""
    from sqlalchemy.orm import Session

    from textlabel import migrate
    from textlabel.auth.service import create_user
    from textlabel.db import make_engine
    from textlabel.ingest.in_child import import_in_child
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.projects.service import create_project

    print(f"in-process against in a child, {'PostgreSQL' if database else 'SQLite'}:")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(database_url(database, folder))
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = create_user(session, "bench", "bench-password")
            for rows in sizes:
                path = folder / f"{rows}.csv"
                write_csv(path, rows)
                line = f"  {rows:>6,} rows ({path.stat().st_size / 1e3:7,.0f} kB):"
                for how, run in (("in-process", import_file), ("child", import_in_child)):
                    project = create_project(session, name=f"{how} {rows}", created_by=user)
                    start, cpu = time.perf_counter(), time.process_time()
                    with path.open("rb") as stream:
                        run(session, project, stream, path.name, user=user, options=ImportOptions())
                    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
                    line += f"  {how} {wall:6.2f} s wall, {cpu:5.2f} s CPU here;"
                print(line.rstrip(";"))
        engine.dispose()


def child(rows: int, database: str | None) -> None:
    """Import ``rows`` rows in this fresh process and print its max RSS."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, rows)
        import textlabel.ingest.service  # noqa: F401  (count imports' memory before the run)

        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        rate, imported, cpu, _ = import_once(path, database_url(database, folder))
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    figures = {"rows": imported, "rss_mb": after / 1024, "growth_mb": (after - before) / 1024}
    print(json.dumps(figures | {"docs_s": round(rate), "cpu_us": round(cpu)}))


def ceiling(rows: int, database: str | None) -> None:
    """The storing side alone (``--ceiling``): the import's rate when tokenizing is free."""
    name = "PostgreSQL" if database else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, rows)
        spelt = pretokenized(path)
        phases = Phases()
        with tokens_given(spelt):
            rate, imported, _, own_us = import_once(path, database_url(database, folder), phases)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    staging = phases.wall - phases.publishing
    print(f"ceiling: {rows:,} CSV rows into {name}, tokens given (load {load})")
    print(f"  the storing side alone         : {rate:8,.0f} docs/s  ({imported:,} stored)")
    print(f"  the importing process          : {own_us:8,.0f} us CPU/doc")
    if phases.server_us is not None:
        print(
            f"  the database server            : {phases.server_us:8,.0f} us CPU/doc "
            f"(publishing {phases.server_publishing_us:,.0f})"
        )
    print(
        f"  reading and staging            : {staging:8.2f} s wall  "
        f"({imported / staging:,.0f} docs/s: one storing process"
        + (", one SQLite writer)" if database is None else " and its backend)")
    )
    if phases.publishing:
        cap = imported / phases.publishing
        what = "SQLite's one writer" if database is None else "PostgreSQL's UPDATEs"
        print(
            f"  publishing (serial)            : {phases.publishing:8.2f} s wall  "
            f"({phases.publishing / phases.wall:.0%}; {what}: alone it caps an import "
            f"at {cap:,.0f} docs/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first); default SQLite")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--tokens", action="store_true", help="import pre-tokenized JSONL")
    parser.add_argument(
        "--ceiling", action="store_true",
        help="only the storing side, tokens made before the clock starts (see the docstring)",
    )  # fmt: skip
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-or-not", type=int, nargs="+", metavar="ROWS",
        help="only time files of ROWS rows in-process and in a child process",
    )  # fmt: skip
    args = parser.parse_args()
    if args.child_or_not:
        child_or_not(args.database, args.child_or_not)
        return
    if args.child:
        child(args.child, args.database)
        return
    if args.ceiling:
        ceiling(args.rows, args.database)
        return
    name = "PostgreSQL" if args.database else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "data.csv"
        write_csv(path, args.rows)
        size = path.stat().st_size / 1e6
        floor_us, raw_rate = floor(path)
        what = "CSV"
        if args.tokens:
            path, what = folder / "data.jsonl", "JSONL with tokens"
            write_jsonl(folder / "data.csv", path)
            size = path.stat().st_size / 1e6
        rate, imported, cpu_us, own_us = import_once(path, database_url(args.database, folder))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.rows:,} rows of 60-120 words, {size:.1f} MB {what}, into {name} (load {load})")
    print(f"  floor: csv + nlp.tokenizer.pipe : {floor_us:8,.0f} us CPU/doc")
    ratio = cpu_us / floor_us
    print(f"  textlabel import               : {cpu_us:8,.0f} us CPU/doc  ({ratio:.2f}x)")
    if cpu_us > own_us * 1.01:  # with workers the storing process is the one to watch
        print(
            f"  the storing process alone      : {own_us:8,.0f} us CPU/doc  "
            f"({own_us / floor_us:.2f}x; a ceiling of {1e6 / own_us:,.0f} docs/s on one core)"
        )
        print(f"  the tokenizing workers         : {cpu_us - own_us:8,.0f} us CPU/doc")
    print(f"  nlp.tokenizer.pipe alone       : {raw_rate:8,.0f} docs/s")
    print(
        f"  textlabel import               : {rate:8,.0f} docs/s  ({imported:,} stored; "
        f"{rate / raw_rate:.2f}x the tokenizer alone)"
    )
    if args.no_memory:
        return
    print("peak memory of a fresh process importing (max RSS):")
    for rows in (args.rows // 10, args.rows):
        command = [sys.executable, __file__, "--child", str(rows)]
        if args.database:
            command += ["--database", args.database]
        out = subprocess.run(command, capture_output=True, text=True, check=True)
        figures = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {figures['rows']:>9,} rows: {figures['rss_mb']:7.1f} MB "
            f"(+{figures['growth_mb']:.1f} MB during the import)"
        )


if __name__ == "__main__":
    main()
