"""Benchmark: textlabel as a user meets it, a real server on loopback (issue 13).

Starts ``textlabel serve`` (waitress, 8 threads) or ``gunicorn -w 4`` on SQLite or
PostgreSQL, imports 2,000 documents of 60-120 words through the API, loads the spaCy model
in the server (a small pre-annotation), then measures from HTTP clients:

- the floor: GET of a static file (HTTP + WSGI, no database), the baseline of every ratio;
- list (first page of 10), fetch one document, one-span save from 1 client (p50, p95);
- saves from 20 concurrent annotators (p50, p95, saves/s, errors, and the server's CPU per
  save summed over its processes: on 2 cores the bound of saves/s);
- export (JSONL of predictions, documents/s) and the server's memory (PSS, RSS and USS
  summed over its processes);
- with ``--under-load``: the same reads and saves again while a large import
  (``--load-rows``, default 200,000) and a pre-annotation run, as ratios to the idle figures.

Goals: save p50 <= 5 ms (SQLite) / 8 ms (PostgreSQL) from one client; >= 270 saves/s from 20
clients with 0 errors; memory <= 300 MiB with the model loaded; under load, read and save p95
within 3x idle and 0 errors. A PostgreSQL database given is emptied first. Run
(``pip install gunicorn`` for --server gunicorn):

    .venv/bin/python bench/server.py [--database sqlite|URL] [--server waitress|gunicorn]
                                     [--workers 4] (gunicorn's worker processes)
                                     [--under-load] [--load-rows 200000]
                                     [--setting PG_SYNCHRONOUS_COMMIT=off]
                                     [--client http.client|requests] [--threads 8]

The measured requests go through ``http.client`` keep-alive connections (``Light``): the
client shares the machine's cores with the server, and requests' own CPU per request (about
5x http.client's) was part of every figure; ``--client requests`` measures as before.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import http.client
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TEXTLABEL_SHARED_DATA", ROOT.parent / "shared" / "data"))
PASSWORD = "bench password 123"


def sentences() -> list[str]:
    """Real English sentences (UD treebanks' ``# text``), else a generated fallback."""
    found = []
    for path in sorted((SHARED / "ud").glob("*.conllu")) + sorted(
        (ROOT / "tests/data/ud").glob("*.conllu")
    ):
        with path.open(encoding="utf-8") as handle:
            found += [line[9:].strip() for line in handle if line.startswith("# text = ")]
        if len(found) > 3000:
            break
    return found or [
        f"Sentence {n} tells of Ada Lovelace and Charles Babbage in London." for n in range(500)
    ]


def texts(n: int, seed: int = 13) -> list[str]:
    rng, pool, out = random.Random(seed), sentences(), []
    for k in range(n):
        words, target, parts = 0, rng.randint(60, 120), []
        while words < target:
            sentence = rng.choice(pool)
            parts.append(sentence)
            words += len(sentence.split())
        out.append(" ".join(parts) + f" ({k})")
    return out


def csv_bytes(rows: list[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["text"])
    writer.writerows([r] for r in rows)
    return buffer.getvalue().encode()


def free_port() -> int:
    """A free loopback port: any, or the first free one from ``BENCH_PORTS`` ("6400-6499")
    on a shared machine where each user keeps to a range."""
    span = os.environ.get("BENCH_PORTS")
    candidates = [0] if not span else range(int(span.split("-")[0]), int(span.split("-")[1]) + 1)
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise RuntimeError(f"no free port in {span}")


def memory_mib(pid: int) -> dict[str, float]:
    """Summed RSS, PSS and USS (MiB) of a process and its children, from smaps_rollup.

    RSS counts a page shared by forked gunicorn workers once per process; PSS divides it
    among them (what the machine spends, the figure the goal is read against); USS is what
    the processes hold alone (freed if they exit)."""
    pids, total = [pid], {"rss": 0.0, "pss": 0.0, "uss": 0.0, "processes": 0.0}
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        pids += [int(p) for p in children.split()]
    except OSError:
        pass
    for p in pids:
        try:
            rows = Path(f"/proc/{p}/smaps_rollup").read_text().splitlines()[1:]
        except OSError:
            continue
        kib = {k: int(v.split()[0]) for k, v in (row.split(":", 1) for row in rows)}
        total["rss"] += kib["Rss"] / 1024
        total["pss"] += kib["Pss"] / 1024
        with contextlib.suppress(OSError):
            if Path(f"/proc/{p}/comm").read_text().strip() == "tl-import-fork":
                total["launcher_pss"] = kib["Pss"] / 1024  # the import launcher
        total["uss"] += (kib["Private_Clean"] + kib["Private_Dirty"]) / 1024
        total["processes"] += 1
    return total


def tree(pid: int) -> list[int]:
    """A process and its children (gunicorn's workers)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [pid, *(int(p) for p in children.split())]


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of a process and its children so far."""
    total = 0.0
    for p in tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def memory_line(pid: int) -> str:
    m = memory_mib(pid)
    return (
        f"  server memory        {m['pss']:8.0f} MiB PSS (RSS summed {m['rss']:.0f}, USS "
        f"{m['uss']:.0f}; {m['processes']:.0f} processes, model loaded; of it the import "
        f"launcher {m.get('launcher_pss', 0):.0f} MiB PSS)"
    )


ERRORS: dict[int, int] = {}


def timed(fn: Callable[[], Any], n: int) -> tuple[list[float], int]:
    times, errors = [], 0
    for _ in range(n):
        start = time.perf_counter()
        response = fn()
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            errors += 1
            ERRORS[response.status_code] = ERRORS.get(response.status_code, 0) + 1
    return times, errors


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 2 else max(values)


def empty_schema(url: str) -> None:
    """Start from an empty PostgreSQL database: a second run met the first one's rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


class Server:
    """``textlabel serve`` or gunicorn on a free loopback port; ``source``: the checkout it
    runs (another one for a same-run baseline, see bench/server_ab.py)."""

    def __init__(
        self,
        database: str,
        kind: str,
        folder: Path,
        source: Path = ROOT,
        settings: dict[str, str] | None = None,
        threads: int = 8,
        workers: int = 4,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        db_url = f"sqlite:///{folder / 'bench.db'}" if database == "sqlite" else database
        if database != "sqlite":
            empty_schema(db_url)
        self.env = {
            **os.environ,
            "TEXTLABEL_DATABASE_URL": db_url,
            "TEXTLABEL_INSTANCE": str(folder / "instance"),
            "TEXTLABEL_SECRET_KEY": "bench",
            "TEXTLABEL_MAX_UPLOAD_MB": "2000",
        }
        self.env.pop("TEXTLABEL_REDIS_URL", None)
        self.env.update({f"TEXTLABEL_{k}": v for k, v in (settings or {}).items()})
        if source != ROOT:
            self.env["PYTHONPATH"] = str(source)
        cli = [sys.executable, "-m", "textlabel.cli"]
        # cwd: ``python -m`` puts the working directory before PYTHONPATH; the checkout's own
        # code must set up its own database.
        subprocess.run([*cli, "init"], env=self.env, check=True, capture_output=True, cwd=source)
        subprocess.run(
            [*cli, "user", "create", "admin", "--password", PASSWORD, "--admin"],
            env=self.env,
            cwd=source,
            check=True,
            capture_output=True,
        )
        if kind == "gunicorn":
            command = [
                str(Path(sys.executable).parent / "gunicorn"),
                *(["-w", str(workers)] if workers else []),  # 0: gunicorn.conf.py's default
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "600",
                "wsgi:app",
            ]
        else:
            command = [*cli, "serve", "--port", str(self.port), "--threads", str(threads)]
        self.process = subprocess.Popen(
            command, env=self.env, cwd=source, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 300  # a loaded machine (niced) may take minutes
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + "/login", timeout=5)
                return
            except requests.RequestException:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Answer:
    """What ``timed`` and ``saver`` read of a response (requests' names)."""

    def __init__(self, status: int, content: bytes) -> None:
        self.status_code, self.content = status, content

    def json(self) -> Any:
        return json.loads(self.content)


class Light:
    """A keep-alive HTTP/1.1 connection per thread (``http.client``) for the measured
    requests: requests spends ~1.5 ms of CPU per request in the client (http.client 0.3 ms),
    and on a 2-core machine 20 client threads' CPU competes with the server's."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.prefix, self.headers, self.local = parts.path, headers, threading.local()

    def request(self, method: str, path: str, body: Any = None, *, again: bool = True) -> Answer:
        if getattr(self.local, "connection", None) is None:
            self.local.connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.local.connection.request(method, self.prefix + path, data, headers)
            response = self.local.connection.getresponse()
            return Answer(response.status, response.read())
        except (http.client.HTTPException, OSError):
            self.local.connection.close()  # the server closed it: once more on a new one
            self.local.connection = None
            if not again:
                raise
            return self.request(method, path, body, again=False)


class Client:
    """An API client: requests for setting up, ``Light`` (or requests with
    ``--client requests``) for what is measured."""

    def __init__(self, url: str, username: str) -> None:
        self.url, self.http = url + "/api/v1", requests.Session()
        # Once more on a new connection when the server closed a kept-alive one as the request
        # went out (gunicorn's keepalive timeout), as ``Light`` does: without it a saver's
        # set-up GET died in its thread and the round ran with fewer clients, unreported.
        self.http.mount("http://", HTTPAdapter(max_retries=Retry(total=1, allowed_methods=None)))
        token = self.http.post(
            self.url + "/auth/token", json={"username": username, "password": PASSWORD}
        ).json()["token"]
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.light = Light(url, {"Authorization": f"Bearer {token}"})

    def __getattr__(self, method: str) -> Any:
        return lambda path, **kw: getattr(self.http, method)(self.url + path, **kw)

    def timed_get(self, path: str) -> Any:
        """GET of a path under the site root (not /api/v1), by the measuring client."""
        if CLIENT["kind"] == "requests":
            return self.http.get(self.url.removesuffix("/api/v1") + path)
        return self.light.request("GET", path)

    def timed_put(self, path: str, body: Any) -> Any:
        if CLIENT["kind"] == "requests":
            return self.http.put(self.url.removesuffix("/api/v1") + path, json=body)
        return self.light.request("PUT", path, body)


CLIENT = {"kind": "http.client"}  # --client


def wait_job(admin: Client, jid: int) -> dict[str, Any]:
    while True:
        job = admin.get(f"/jobs/{jid}").json()
        if job["status"] not in ("queued", "running"):
            return dict(job)
        time.sleep(0.2)


def saver(client: Client, did: int) -> Callable[[], Any]:
    current = client.get(f"/documents/{did}/annotations/me").json()
    state = {"version": current.get("version") or 0, "n": 0}  # as the page opens it

    def save() -> Any:
        state["n"] += 1
        end = 3 + state["n"] % 5
        response = client.timed_put(
            f"/api/v1/documents/{did}/annotations/me",
            {"version": state["version"], "spans": [{"start": 0, "end": end, "label": "PER"}]},
        )
        if response.status_code == 200:
            state["version"] = response.json()["version"]
        elif response.status_code == 409:  # as the page does: take the stored version
            state["version"] = response.json()["error"]["details"]["version"]
        return response

    return save


def measure(
    admin: Client,
    annotators: list[Client],
    pid: int,
    dids: list[int],
    n: int,
    server_pid: int = 0,
) -> dict[str, Any]:
    """Reads, saves from one client, then from all ``annotators`` at once; given the
    server's ``server_pid``, also its CPU (all its processes) per save of the latter."""
    out: dict[str, Any] = {}
    reads = {
        "floor (static)": lambda: admin.timed_get("/static/app.css"),
        "list (10)": lambda: annotators[0].timed_get(
            f"/api/v1/projects/{pid}/documents?per_page=10"
        ),
        "fetch": lambda: annotators[0].timed_get(f"/api/v1/documents/{dids[1]}"),
    }
    for name, fn in reads.items():
        out[name] = timed(fn, n)
    out["save 1 client"] = timed(saver(annotators[0], dids[0]), n)
    results: list[tuple[list[float], int]] = [([], 0)] * len(annotators)

    def run(i: int) -> None:
        results[i] = timed(saver(annotators[i], dids[2 + i]), max(10, n // 4))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(annotators))]
    cpu = cpu_seconds(server_pid) if server_pid else 0.0
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    times = [t for r in results for t in r[0]]
    out[f"save {len(annotators)} clients"] = (times, sum(r[1] for r in results))
    out["saves/s"] = len(times) / elapsed
    if server_pid:
        out["server CPU ms/save"] = (cpu_seconds(server_pid) - cpu) * 1000 / len(times)
    return out


def report(title: str, figures: dict[str, Any], baseline: dict[str, Any] | None = None) -> None:
    floor = statistics.median(figures["floor (static)"][0])
    print(f"\n{title}   (load average {os.getloadavg()[0]:.1f})")
    for name, value in figures.items():
        if name == "saves/s":
            print(f"  {name:<20} {value:8.0f}")
            continue
        if name == "server CPU ms/save":
            print(f"  {name:<20} {value:8.2f}  (of the saves from all clients)")
            continue
        times, errors = value
        line = (
            f"  {name:<20} p50 {statistics.median(times):7.1f} ms  p95 {pct(times, 95):7.1f} ms"
            f"  ({statistics.median(times) / floor:4.1f}x floor)  errors {errors}"
        )
        if baseline and name in baseline:
            line += f"  p95 {pct(times, 95) / pct(baseline[name][0], 95):4.1f}x idle"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument("--server", default="waitress", choices=["waitress", "gunicorn"])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--n", type=int, default=200, help="requests per measured figure")
    add_client_option(parser)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn worker processes (0: the conf's default)"
    )
    parser.add_argument("--under-load", action="store_true")
    parser.add_argument("--load-rows", type=int, default=200_000)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a TEXTLABEL_ setting of the server, e.g. PG_SYNCHRONOUS_COMMIT=off",
    )
    args = parser.parse_args()
    CLIENT["kind"] = args.client
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(
            args.database,
            args.server,
            Path(tmp),
            settings=settings(args.setting),
            threads=args.threads,
            workers=args.workers,
        )
        try:
            run_bench(server, args)
        finally:
            server.stop()


def add_client_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--client",
        default="http.client",
        choices=["http.client", "requests"],
        help="the measuring client (requests: as before 2026-11-30, ~5x the client CPU)",
    )


def settings(pairs: list[str]) -> dict[str, str]:
    """``NAME=VALUE`` arguments as a dict (names without the TEXTLABEL_ prefix)."""
    return dict(pair.split("=", 1) for pair in pairs)


def run_bench(server: Server, args: argparse.Namespace) -> None:
    admin, annotators, pid, dids = prepare(server, args)
    idle = measure(admin, annotators, pid, dids, args.n, server.process.pid)
    report("idle", idle)
    if ERRORS:
        print(f"  errors by status     {ERRORS}")
    print(export_line(admin, args.docs))
    print(memory_line(server.process.pid))
    if not args.under_load:
        return
    load = admin.post("/projects", json={"name": "load", "labels": [{"name": "PER"}]}).json()["id"]
    job = admin.post(f"/projects/{pid}/preannotate").json()
    body = csv_bytes(texts(args.load_rows, seed=7))
    outcome: dict[str, Any] = {}

    def big_import() -> None:
        started = time.perf_counter()
        response = admin.post(
            f"/projects/{load}/documents",
            data={"preannotate": "false"},
            files={"file": ("big.csv", body)},
            timeout=3600,
        )
        outcome["seconds"], outcome["response"] = time.perf_counter() - started, response

    importer = threading.Thread(target=big_import)
    importer.start()
    time.sleep(2)
    loaded = measure(admin, annotators, pid, dids, args.n)
    report(f"while importing {args.load_rows:,} rows and pre-annotating", loaded, idle)
    print(f"  import still running at the end of the measurement: {importer.is_alive()}")
    if ERRORS:
        print(f"  errors by status, idle and loaded: {ERRORS}")
    importer.join()
    response, seconds = outcome["response"], outcome["seconds"]
    count = response.json().get("imported") or 0
    print(
        f"  the import: {response.status_code}, {count} documents in {seconds:.0f} s "
        f"({count / seconds:.0f}/s); pre-annotation: {wait_job(admin, job['id'])['status']}"
    )


def export_line(admin: Client, n: int) -> str:
    """Export of a project of ``n`` documents that each carry an imported entity (as a
    corpus's predictions): the drafts the saves above wrote are not exported by any source."""
    rows = []
    for text in texts(n):
        number = text.rsplit("(", 1)[1].rstrip(")")  # each text ends in " (k)": k is the entity
        end = len(text) - 1
        rows.append({"text": text, "spans": [{"start": end - len(number), "end": end,
                                              "label": "PER"}]})  # fmt: skip
    body = "".join(json.dumps(row) + "\n" for row in rows).encode()
    project = admin.post("/projects", json={"name": "export", "labels": [{"name": "PER"}]})
    eid = project.json()["id"]
    admin.post(f"/projects/{eid}/documents", data={"preannotate": "false"},
               files={"file": ("corpus.jsonl", body)})  # fmt: skip
    start = time.perf_counter()
    exported = admin.get(f"/projects/{eid}/export?format=jsonl&source=predictions")
    seconds = time.perf_counter() - start
    lines = exported.content.count(b"\n")
    return (
        f"  export (JSONL)       {lines / seconds:8.0f} documents/s ({lines} documents with "
        "their imported entities; bench/export_db.py measures export alone)"
    )


def prepare(
    server: Server, args: argparse.Namespace
) -> tuple[Client, list[Client], int, list[int]]:
    """Users, a project of ``args.docs`` documents, the model loaded: what measure() needs."""
    admin = Client(server.url, "admin")
    names = [f"ann{i}" for i in range(args.clients)]
    for name in names:
        admin.post("/users", json={"username": name, "password": PASSWORD})
    created = admin.post("/projects", json={"name": "bench", "labels": [{"name": "PER"}]})
    if created.status_code != 201:  # say what the server answered (a busy SQLite, a limit)
        raise RuntimeError(f"creating the project: {created.status_code} {created.text[:500]}")
    pid = created.json()["id"]
    for name in names:
        admin.post(f"/projects/{pid}/members", json={"username": name, "role": "annotator"})
    start = time.perf_counter()
    imported = admin.post(
        f"/projects/{pid}/documents",
        data={"preannotate": "false"},
        files={"file": ("docs.csv", csv_bytes(texts(args.docs)))},
    ).json()
    print(
        f"{args.server} on {args.database.split('://')[0]}: imported {imported['imported']} "
        f"documents in {time.perf_counter() - start:.1f} s"
    )
    annotators = [Client(server.url, name) for name in names]
    listed = admin.get(f"/projects/{pid}/documents?per_page={args.clients + 2}").json()["items"]
    dids = [row["id"] for row in listed]
    small = admin.post("/projects", json={"name": "warm", "labels": [{"name": "PER"}]}).json()["id"]
    warm = admin.post(
        f"/projects/{small}/documents",
        data={"preannotate": "true"},
        files={"file": ("w.csv", csv_bytes(texts(20, seed=1)))},
    ).json()
    if warm.get("job"):
        wait_job(admin, warm["job"])  # the spaCy model is now loaded in the server
    return admin, annotators, pid, dids


if __name__ == "__main__":
    main()
