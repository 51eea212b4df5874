"""Benchmark: exporting a project from the database (the path ``textlabel export`` and the
API take), JSONL, spaCy DocBin, CoNLL-2003 and CoNLL-U, against reading the same rows with a
bare cursor and, with ``--baseline``, against another checkout's code on the same database.

Imports N documents of 60-120 words with 3 predicted entities each (a JSONL file through
``import_file``), then in one run:

- the floor: ``SELECT text, tokens`` (as text) of the project's documents and their
  annotations' span rows with the DBAPI cursor, no decoding: CPU us per document;
- ``export.service.stream_export`` for each format, every chunk consumed: documents/s and
  CPU us per document (with the CPU of worker processes, ``TEXTLABEL_EXPORT_PROCESSES``);
  the pseudo-format ``records`` reads the records and writes nothing;
- with ``--baseline DIR`` (a checkout, e.g. ``git archive COMMIT textlabel | tar -x -C DIR``),
  the same export run by that code and by ours, each in a fresh child process
  (``PYTHONPATH``), alternating: the speed-up, and whether both wrote the same bytes
  (spaCy: the same shard bytes; the zip's timestamps differ);
- with ``--cache`` (instead of ``--baseline``), for each format an export without the
  fragment cache (``TEXTLABEL_EXPORT_CACHE``), then a first export into an empty cache
  file and a repeat out of it, interleaved in one run: CPU per document and documents/s of
  each, their ratio to the export without the cache, and whether all wrote the same bytes;
- on PostgreSQL, the CPU the database server's backends for the bench database spent during
  each export, per document (``/proc``, sampled every 0.1 s by a child process while the
  export runs: a worker's backend lives only as long as the export): the third consumer of
  the two cores, not in the export's own CPU per document;
- with ``--memory`` (instead of the timings), the peak RSS of a fresh process exporting a
  tenth of the documents and all of them (or ``--sizes``), each database prepared once,
  and of the ``--baseline`` code on the same database.

    .venv/bin/python bench/export_db.py [--docs 20000] [--database postgresql+psycopg://...]
        [--formats jsonl spacy conll conllu] [--baseline DIR] [--memory [--sizes 5000 100000]]
        [--prepared URL]  (a database an earlier run prepared: no import this time)
        [--cache]  (the fragment cache: without it, a first export, a repeat)
        [--processes 2]  (one process against two, interleaved, per format; with
                          --baseline, that code in two processes too)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import database_url, sentences  # noqa: E402


def write_jsonl(path: Path, docs: int) -> None:
    """``docs`` lines of 60-120 words with three entities on whole words."""
    import random

    pool, rng = sentences(), random.Random(0)
    with path.open("w", encoding="utf-8") as handle:
        for n in range(docs):
            words: list[str] = []
            while len(words) < 60 + n % 61:
                words += pool[rng.randrange(len(pool))].split()
            words = [*words[: 60 + n % 61], f"(#{n})"]
            spans, offset = [], 0
            for k, word in enumerate(words):
                if k % 25 == 3 and word.isalpha():
                    spans.append({"start": offset, "end": offset + len(word), "label": "ORG"})
                offset += len(word) + 1
            handle.write(json.dumps({"text": " ".join(words), "spans": spans}) + "\n")


def prepare(url: str, docs: int, folder: Path) -> None:
    from sqlalchemy.orm import Session

    from textlabel import migrate
    from textlabel.auth.service import create_user
    from textlabel.db import make_engine
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.projects.service import LabelSpec, create_project

    path = folder / "data.jsonl"
    write_jsonl(path, docs)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        user = create_user(session, "bench", "bench-password")
        project = create_project(session, name="bench", created_by=user, labels=[LabelSpec("ORG")])
        with path.open("rb") as stream:
            import_file(session, project, stream, path.name, user=user, options=ImportOptions())
    engine.dispose()


def upgraded(url: str) -> None:
    """The database migrated to this checkout's head (a no-op when it is there)."""
    from textlabel import migrate
    from textlabel.db import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()


def floor(url: str) -> float:
    from sqlalchemy import text

    from textlabel.db import make_engine

    engine = make_engine(url)
    with engine.connect() as connection:
        start = time.process_time()
        # tokens as text, as the export reads them (PostgreSQL's driver would decode JSON)
        rows = connection.exec_driver_sql(
            "SELECT id, text, CAST(tokens AS TEXT) FROM document ORDER BY id"
        ).fetchall()
        connection.execute(
            text("SELECT a.document_id, s.start_char, s.end_char, s.label FROM span s "
                 "JOIN annotation a ON a.id = s.annotation_id")
        ).fetchall()  # fmt: skip
        cpu = time.process_time() - start
    engine.dispose()
    return cpu / len(rows) * 1e6


def export_once(url: str, fmt: str) -> tuple[float, float, int, str]:
    """docs/s, CPU us per document, bytes, and a digest of what was written."""
    rate, cpu_us, _, size, digest = export_split(url, fmt)
    return rate, cpu_us, size, digest


def export_split(url: str, fmt: str) -> tuple[float, float, float, int, str]:
    """``export_once`` with the CPU per document of this process alone (the rest is the
    worker processes')."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from textlabel.db import make_engine
    from textlabel.export.records import project_records
    from textlabel.export.request import ExportRequest
    from textlabel.export.service import count_documents, stream_export
    from textlabel.models import Project

    engine = make_engine(url)
    with Session(engine) as session:
        project = session.scalars(select(Project).where(Project.name == "bench")).one()
        docs = count_documents(session, project)
        request = ExportRequest(format="jsonl" if fmt == "records" else fmt, source="predictions")
        digest, size = 0, 0  # CRC-32: the same-output check, cheap beside the export
        keep = io.BytesIO() if fmt == "spacy" else None
        server = ServerSampler(url)
        start, own, children = time.perf_counter(), time.process_time(), _children_cpu()
        if fmt == "records":  # reading alone: one line of text per record
            chunks: Any = (f"{r.meta['id']} {len(r.tokens or ())}\n".encode() for r in
                           project_records(session, project, request))  # fmt: skip
        else:
            chunks = stream_export(session, project, request)
        for chunk in chunks:
            size += len(chunk)
            if keep is not None:
                keep.write(chunk)
            else:
                digest = zlib.crc32(chunk, digest)
        elapsed, own = time.perf_counter() - start, time.process_time() - own
        cpu = own + _children_cpu() - children
        served = server.stop()  # reaped after the export's CPU was read: not counted in it
    engine.dispose()
    SERVER_US[0] = None if served is None else served / docs * 1e6
    if keep is not None:  # the zip's member timestamps differ run to run, its members do not
        with zipfile.ZipFile(keep) as archive:
            for name in sorted(archive.namelist()):
                digest = zlib.crc32(name.encode() + archive.read(name), digest)
    return docs / elapsed, cpu / docs * 1e6, own / docs * 1e6, size, f"{digest:08x}"


SERVER_US: list[float | None] = [None]  # the last export's database server CPU per document


class ServerSampler:
    """CPU seconds of the PostgreSQL backends of ``url``'s database while an export runs,
    read from ``/proc`` by a child process (``--server-cpu``) every 0.1 s until ``stop``:
    backends there at the start count from then, later ones (a worker's) from their start.
    None off PostgreSQL."""

    def __init__(self, url: str) -> None:
        self.child: subprocess.Popen[str] | None = None
        if url.startswith("postgresql"):
            command = [sys.executable, __file__, "--server-cpu", url]
            self.child = subprocess.Popen(  # noqa: S603 - this script, its own arguments
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            )
            assert self.child.stdout is not None
            self.child.stdout.readline()  # "ready": the backends there now are sampled

    def stop(self) -> float | None:
        if self.child is None:
            return None
        out, _ = self.child.communicate("")
        return float(out.strip().splitlines()[-1])


def server_cpu(url: str) -> None:
    """``--server-cpu URL``: sample the backends until stdin closes; print their CPU seconds."""
    import select as waiting

    from sqlalchemy import create_engine, text

    tick = os.sysconf("SC_CLK_TCK")
    first: dict[int, float] = {}
    last: dict[int, float] = {}
    query = text(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
    )
    engine = create_engine(url)
    with engine.connect() as connection:

        def sample(at_start: bool) -> None:
            pids = connection.execute(query).scalars().all()
            connection.rollback()  # a fresh pg_stat_activity snapshot next time
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # gone meanwhile
                    continue
                now = (int(fields[11]) + int(fields[12])) / tick
                last[pid] = now
                first.setdefault(pid, now if at_start else 0.0)

        sample(True)
        print("ready", flush=True)
        while not waiting.select([sys.stdin], [], [], 0.1)[0]:
            sample(False)
        sample(False)
    print(sum(last[pid] - first[pid] for pid in last))


def in_processes(
    url: str, formats: list[str], processes: int, rounds: int, baseline: str | None = None
) -> None:
    """Per format, interleaved in one run: one process, then ``processes`` (the exporting
    process and ``processes - 1`` workers, ``TEXTLABEL_EXPORT_PROCESSES``), with the CPU of
    the exporting process apart: its share of the ranges plus handing the workers' bytes on;
    with ``baseline``, that checkout's code in ``processes`` processes too (a child)."""
    variable = "TEXTLABEL_EXPORT_PROCESSES"
    for fmt in formats:
        for _ in range(rounds):
            os.environ.pop(variable, None)
            alone = export_split(url, fmt)
            alone_server = SERVER_US[0]
            os.environ[variable] = str(processes)
            together = export_split(url, fmt)
            together_server = SERVER_US[0]
            base = child_run(url, fmt, baseline) if baseline else None
            base_server = SERVER_US[0]
            os.environ.pop(variable, None)
            same = "same output" if together[4] == alone[4] else "OUTPUT DIFFERS"
            print(
                f"  export {fmt:<6} 1 process  : {alone[1]:6,.0f} us CPU/doc  {alone[0]:8,.0f} "
                f"docs/s{_served(alone_server)}   load {os.getloadavg()[0]:.1f}"
            )
            print(
                f"  export {fmt:<6} {processes} processes: {together[1]:6,.0f} us CPU/doc "
                f"(exporting process {together[2]:,.0f}, workers {together[1] - together[2]:,.0f})"
                f"  {together[0]:8,.0f} docs/s  -> {together[0] / alone[0]:.2f}x the docs/s, "
                f"{together[1] / alone[1]:.2f}x the CPU, {same}{_served(together_server)}   "
                f"load {os.getloadavg()[0]:.1f}"
            )
            if base is not None:
                same = "same output" if base[3] == alone[4] else f"OUTPUT DIFFERS ({base[3]})"
                print(
                    f"    baseline {fmt:<6} {processes} processes: {base[1]:6,.0f} us CPU/doc "
                    f"{base[0]:8,.0f} docs/s  -> ours {base[1] / together[1]:.2f}x less CPU, "
                    f"{together[0] / base[0]:.2f}x the docs/s, {same}{_served(base_server)}   "
                    f"load {os.getloadavg()[0]:.1f}"
                )


def _served(server_us: float | None) -> str:
    return "" if server_us is None else f", database server {server_us:,.0f} us CPU/doc"


def _children_cpu() -> float:
    """CPU seconds of this process's finished children: the export's worker processes
    (``TEXTLABEL_EXPORT_PROCESSES``), so CPU per document counts every core's share."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


OURS = str(Path(__file__).resolve().parent.parent)  # this checkout


def cpu(figures: tuple[float, float, int, str]) -> float:
    return figures[1]


def child_run(url: str, fmt: str, checkout: str) -> tuple[float, float, int, str]:
    """``export_once`` run by the code in ``checkout`` (a fresh child process)."""
    env = {**os.environ, "PYTHONPATH": checkout}
    command = [sys.executable, __file__, "--run", url, fmt]
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    if not figures["module"].startswith(str(Path(checkout).resolve())):
        raise SystemExit(f"the baseline ran {figures['module']}, not {checkout}")
    SERVER_US[0] = figures.get("server_us")  # the child's export's database server CPU
    return figures["rate"], figures["cpu_us"], figures["size"], figures["digest"]


def child(url: str, fmt: str) -> None:
    """Export once from a prepared database; peak RSS before and after (this process)."""
    import textlabel.export.service
    from textlabel.export.registry import get_writer

    get_writer("jsonl" if fmt == "records" else fmt)  # import the writer (spaCy) first
    before = _peak_rss_mb()
    rate, cpu_us, _, digest = export_once(url, fmt)
    after = _peak_rss_mb()
    module = str(Path(textlabel.export.service.__file__).resolve())
    figures = {"before_mb": before, "rss_mb": after, "module": module}
    print(json.dumps(figures | {"rate": rate, "cpu_us": cpu_us, "digest": digest}))


def _peak_rss_mb() -> float:
    """This process image's peak RSS (VmHWM). Not ``ru_maxrss``: a child started by fork
    and exec reports at least its parent's RSS at the fork there (the parent that imported
    100k documents), which hid the export's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(args: argparse.Namespace) -> None:
    """Peak RSS of a fresh process exporting each size (each database prepared once)."""
    print("peak memory of a fresh process exporting (max RSS; before the export):")
    for docs in args.sizes or (args.docs // 10, args.docs):
        with tempfile.TemporaryDirectory() as tmp:
            url = database_url(args.database, Path(tmp))
            prepare(url, docs, Path(tmp))
            for fmt in args.formats:
                runs = [("", None)] + ([("baseline ", args.baseline)] if args.baseline else [])
                for label, checkout in runs:
                    env = {**os.environ, "PYTHONPATH": checkout} if checkout else None
                    command = [sys.executable, __file__, "--child", url, fmt]
                    out = subprocess.run(
                        command, capture_output=True, text=True, check=True, env=env
                    )
                    figures = json.loads(out.stdout.strip().splitlines()[-1])
                    if checkout and not figures["module"].startswith(str(Path(checkout).resolve())):
                        raise SystemExit(f"the baseline ran {figures['module']}")
                    print(
                        f"  {label}{fmt:<7} {docs:>9,} documents: {figures['rss_mb']:7.1f} MB "
                        f"({figures['before_mb']:.1f} MB before)  {figures['cpu_us']:6,.0f} us "
                        f"CPU/doc  {figures['rate']:7,.0f} docs/s  {figures['digest']}"
                    )


def cached(url: str, formats: list[str], rounds: int, floor_us: float, folder: Path) -> None:
    """Per format: no cache, a first export into an empty cache file, a repeat out of it."""
    variable = "TEXTLABEL_EXPORT_CACHE"
    for fmt in formats:
        for round_ in range(rounds):
            os.environ.pop(variable, None)
            plain = export_once(url, fmt)
            cache = folder / f"fragments-{fmt}-{round_}.sqlite"
            os.environ[variable] = str(cache)
            first, repeat = export_once(url, fmt), export_once(url, fmt)
            os.environ.pop(variable, None)
            size = sum(path.stat().st_size for path in folder.glob(cache.name + "*"))
            for label, (rate, cpu_us, _, digest) in (
                ("no cache", plain), ("first", first), ("repeat", repeat)
            ):  # fmt: skip
                same = "" if digest == plain[3] else f"  OUTPUT DIFFERS ({digest})"
                print(
                    f"  export {fmt:<6} {label:<9}: {cpu_us:8,.0f} us CPU/doc "
                    f"({cpu_us / floor_us:.1f}x floor, {plain[1] / cpu_us:.2f}x less CPU than "
                    f"no cache)  {rate:8,.0f} docs/s  {digest}{same}"
                )
            print(f"    cache file: {size / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--database", help="a PostgreSQL URL (emptied first); default SQLite")
    parser.add_argument("--formats", nargs="+", default=["jsonl", "spacy", "conll", "conllu"])
    parser.add_argument("--baseline", help="a checkout to compare with (its textlabel/)")
    parser.add_argument("--rounds", type=int, default=1, help="runs per format (best kept)")
    parser.add_argument("--memory", action="store_true", help="peak RSS at two sizes")
    parser.add_argument(
        "--sizes", nargs="+", type=int, help="--memory: these sizes (default: docs/10, docs)"
    )
    parser.add_argument(
        "--prepared", help="a database URL this script prepared before (with --docs): reuse it"
    )
    parser.add_argument(
        "--cache", action="store_true", help="without the fragment cache, first, repeat"
    )
    parser.add_argument(
        "--processes", type=int, help="one process against this many, interleaved, per format"
    )
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--run", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--server-cpu", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.server_cpu:
        server_cpu(args.server_cpu)
        return
    if args.child:
        child(args.child[0], args.child[1])
        return
    if args.memory:
        memory(args)
        return
    if args.run:
        import textlabel

        rate, cpu_us, size, digest = export_once(args.run[0], args.run[1])
        figures = {"rate": rate, "cpu_us": cpu_us, "size": size, "digest": digest,
                   "server_us": SERVER_US[0]}  # fmt: skip
        print(json.dumps(figures | {"module": str(Path(textlabel.__file__).resolve())}))
        return
    name = "PostgreSQL" if "postgresql" in (args.prepared or args.database or "") else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        url = args.prepared or database_url(args.database, Path(tmp))
        if not args.prepared:
            prepare(url, args.docs, Path(tmp))
        else:
            upgraded(url)  # prepared under an older head: the export reads today's schema
        floor_us = floor(url)
        print(f"{args.docs:,} documents of 60-120 words, 3 predicted entities each, {name}")
        print(f"  load average before: {os.getloadavg()[0]:.1f}")
        print(f"  floor: bare cursor, rows + spans : {floor_us:8,.0f} us CPU/doc")
        if args.processes:
            in_processes(url, args.formats, args.processes, args.rounds, args.baseline)
            print(f"  load average after: {os.getloadavg()[0]:.1f}")
            return
        if args.cache:
            cached(url, args.formats, args.rounds, floor_us, Path(tmp))
            print(f"  load average after: {os.getloadavg()[0]:.1f}")
            return
        for fmt in args.formats:
            if not args.baseline:
                ours = min((export_once(url, fmt) for _ in range(args.rounds)), key=cpu)
            else:  # both in fresh children, alternating: the same conditions for each
                pairs = [(child_run(url, fmt, OURS), child_run(url, fmt, args.baseline))
                         for _ in range(args.rounds)]  # fmt: skip
                ours, base = (
                    min((p[0] for p in pairs), key=cpu),
                    min((p[1] for p in pairs), key=cpu),
                )
            rate, cpu_us, size, digest = ours
            print(
                f"  export {fmt:<6}                    : {cpu_us:8,.0f} us CPU/doc "
                f"({cpu_us / floor_us:.1f}x)  {rate:8,.0f} docs/s  {size / 1e6:.1f} MB  {digest}"
            )
            if args.baseline:
                same = "same output" if base[3] == digest else f"OUTPUT DIFFERS ({base[3]})"
                print(
                    f"    baseline {fmt:<6}                : {base[1]:8,.0f} us CPU/doc "
                    f"({base[1] / floor_us:.1f}x)  {base[0]:8,.0f} docs/s  -> "
                    f"{base[1] / cpu_us:.2f}x less CPU, {same}   load {os.getloadavg()[0]:.1f}"
                )
        print(f"  load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
