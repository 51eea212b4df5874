"""Server memory per process and summed (RSS, PSS, USS) for the web set-ups README gives.

One after the other on this machine, each after bench/server.py's preparation (2,000 documents
imported, a pre-annotation run so the model is loaded) and its reads and saves from 20 clients:

- ``gunicorn -w 4`` without gunicorn.conf.py (each worker builds its own app and model: before);
- ``gunicorn -w 4`` with gunicorn.conf.py (app and model loaded in the master, shared);
- the same with ``--redis URL`` (README's production: the web processes never load the model)
  plus one ``textlabel worker``, which holds it;
- ``textlabel serve`` (waitress, one process).

Without Redis, ``textlabel serve`` and gunicorn.conf.py start a job process beside the web
processes (it holds the model); its memory is printed apart, then the sum. With
``--job-threads`` (``TEXTLABEL_JOB_PROCESS=0``) jobs run on threads of the web processes, as
before the job process.

PSS divides each shared page among the processes mapping it: the sum is what the machine
spends, and the figure the goal (<= 300 MiB) is read against. Summed RSS counts a page shared
by N processes N times; USS is what a process holds alone.

    .venv/bin/python bench/memory.py [--database sqlite|URL] [--redis scratch|URL]
                                     [--only gunicorn-conf] [--baseline DIR]
                                     [--workers 4] [--baseline-workers 4] (0: the conf's)
                                     [--by-mapping]

``--only`` runs one set-up (no-conf, gunicorn-conf, redis, serve); ``--baseline DIR`` (a
``git archive`` of another commit) measures the same set-ups from DIR first, in the same run;
``--by-mapping`` prints each process's PSS and private dirty memory by kind of mapping (heap,
anonymous, shared libraries: ``by_mapping``). bench/worker_pages.py says which objects a
worker's private pages hold.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import server as bench  # bench/server.py, next to this file


def rollup(pid: int) -> dict[str, float]:
    rows = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    kib = {k: int(v.split()[0]) for k, v in (row.split(":", 1) for row in rows)}
    uss = kib["Private_Clean"] + kib["Private_Dirty"]
    return {"rss": kib["Rss"] / 1024, "pss": kib["Pss"] / 1024, "uss": uss / 1024}


def kind_of(mapping: str) -> str:
    """A mapping's kind in /proc/PID/smaps: the brk heap, anonymous memory (pymalloc's arenas,
    glibc's other arenas, numpy's large arrays), a shared library, another file, or [stack]."""
    if not mapping:
        return "anon"
    if mapping == "[heap]":
        return "heap"
    if mapping.startswith("["):
        return mapping
    name = mapping.rsplit("/", 1)[-1]
    return ".so" if ".so" in name else "file"


def by_mapping(pid: int) -> dict[str, dict[str, float]]:
    """PSS and private dirty memory (MiB) of each kind of mapping (``kind_of``): a forked
    worker's private dirty anon/heap pages are the shared ones it wrote (refcounts, freed
    blocks it reused) plus what it allocated; a .so's are relocations."""
    out: dict[str, dict[str, float]] = {}
    kind = "anon"
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        fields = line.split(None, 5)
        if "-" in fields[0]:  # a mapping's header: address range, mode, offset, device, inode
            kind = kind_of(fields[5] if len(fields) > 5 else "")
            continue
        head, _, rest = line.partition(":")
        if head in ("Pss", "Private_Dirty"):
            row = out.setdefault(kind, {"Pss": 0.0, "Private_Dirty": 0.0})
            row[head] += int(rest.split()[0]) / 1024
    return out


def show_by_mapping(pids: list[int]) -> None:
    for pid in pids:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
        rows = sorted(by_mapping(pid).items(), key=lambda kv: -kv[1]["Pss"])
        cells = "  ".join(f"{k} {v['Pss']:.0f}/{v['Private_Dirty']:.0f}" for k, v in rows
                          if v["Pss"] >= 0.5)  # fmt: skip
        print(f"    {pid} {comm:<15} PSS/private dirty MiB: {cells}")


def show(title: str, pids: list[int]) -> dict[str, float]:
    rows = [rollup(pid) for pid in pids]
    cells = "  ".join(f"{r['rss']:.0f}/{r['pss']:.0f}/{r['uss']:.0f}" for r in rows)
    total = {k: sum(r[k] for r in rows) for k in ("rss", "pss", "uss")}
    print(f"  {title:<34} PSS {total['pss']:5.0f}  RSS summed {total['rss']:5.0f}  "
          f"USS {total['uss']:4.0f} MiB   per process RSS/PSS/USS: {cells}")  # fmt: skip
    return total


def tree(pid: int) -> tuple[list[int], list[int]]:
    """The web processes (``pid`` and its workers) and the job process(es) it started."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    web, jobs = [pid], []
    for child in map(int, children.split()):
        (jobs if nice(child) > nice(pid) else web).append(child)  # the job process is niced
    return web, jobs


def nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def run(title: str, kind: str, args: argparse.Namespace, **env: str) -> None:
    for source in [*([Path(args.baseline)] if args.baseline else []), bench.ROOT]:
        label = f"{title} [{'baseline' if source != bench.ROOT else 'this checkout'}]"
        run_from(source, label, kind, args, **env)


def run_from(source: Path, title: str, kind: str, args: argparse.Namespace, **env: str) -> None:
    redis = env.pop("REDIS_URL", "")
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = {"REDIS_URL": redis} if redis else {}
            server = bench.Server(
                args.database, kind, Path(tmp), source=source, settings=settings,
                workers=args.workers if source == bench.ROOT else args.baseline_workers,
            )  # fmt: skip
            worker = None
            if redis:
                from redis import Redis

                Redis.from_url(redis).flushdb()
                command = [sys.executable, "-m", "textlabel.cli", "worker"]
                quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
                worker = subprocess.Popen(command, env=server.env, cwd=source, **quiet)
            try:
                ns = argparse.Namespace(docs=2000, clients=20, server=kind, database=args.database)
                admin, annotators, pid, dids = bench.prepare(server, ns)
                bench.measure(admin, annotators, pid, dids, args.n)
                webs, job_processes = tree(server.process.pid)
                web = show(title, webs)
                if args.by_mapping:
                    show_by_mapping(webs + job_processes)
                if job_processes:
                    held = show("  + job process (model)", job_processes)
                    print(f"  {'  = web and job process':<34} PSS {web['pss'] + held['pss']:5.0f}")
                if worker is not None:
                    held = show("  + textlabel worker (model)", [worker.pid])
                    print(f"  {'  = web and worker':<34} PSS {web['pss'] + held['pss']:5.0f}")
            finally:
                server.stop()
                if worker is not None:
                    worker.terminate()
                    worker.wait(30)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument(
        "--redis",
        help="a Redis URL (its database is emptied) for the worker set-up, or 'scratch': "
        "a throwaway redis-server that saves nothing (bench/scratch_redis.py)",
    )
    parser.add_argument("--n", type=int, default=50, help="requests per measured figure")
    parser.add_argument(
        "--job-threads", action="store_true", help="jobs on web threads (TEXTLABEL_JOB_PROCESS=0)"
    )
    parser.add_argument(
        "--only", choices=["no-conf", "gunicorn-conf", "redis", "serve"], help="one set-up"
    )
    parser.add_argument("--baseline", help="a checkout measured first in the same run")
    parser.add_argument(
        "--workers", type=int, default=4, help="gunicorn's -w (0: gunicorn.conf.py's default)"
    )
    parser.add_argument("--baseline-workers", type=int, default=4, help="-w of the baseline")
    parser.add_argument(
        "--by-mapping", action="store_true", help="each process's PSS by kind of mapping"
    )
    args = parser.parse_args()
    if args.job_threads:
        os.environ["TEXTLABEL_JOB_PROCESS"] = "0"

    def wanted(name: str) -> bool:
        return args.only in (None, name)

    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    if wanted("no-conf"):
        with tempfile.NamedTemporaryFile("w", suffix=".py") as plain:  # an empty gunicorn config
            run(
                "gunicorn -w 4, no gunicorn.conf.py",
                "gunicorn",
                args,
                GUNICORN_CMD_ARGS=f"-c {plain.name}",
                TEXTLABEL_JOB_PROCESS="0",  # refused otherwise: jobs on the workers' threads
            )
    if wanted("gunicorn-conf"):
        shown = "conf's default" if args.workers == 0 else str(args.workers)
        run(f"gunicorn -w {shown}, gunicorn.conf.py", "gunicorn", args)
    if args.redis and wanted("redis"):
        if args.redis == "scratch":  # a throwaway redis-server that writes no dump
            from scratch_redis import scratch_redis

            with scratch_redis() as url:
                args.redis = url
                run("gunicorn.conf.py, Redis (web only)", "gunicorn", args, REDIS_URL=url)
        else:
            run("gunicorn.conf.py, Redis (web only)", "gunicorn", args, REDIS_URL=args.redis)
    if wanted("serve"):
        run("textlabel serve (waitress)", "waitress", args)
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()
