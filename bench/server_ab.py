"""Benchmark: this checkout's server against another checkout's, in the same run (issue 13).

On a shared machine the load changes from minute to minute, so absolute figures of two runs
cannot be compared. This starts both servers (``bench/server.py``'s setup: 2,000 documents,
the model loaded), then measures them in alternating rounds, each side first in every other
round (static floor, list, fetch, one client's saves, 20 clients' saves) and prints each
one's figures and the ratio of this checkout's p50 to the baseline's, with the load average
and the server's CPU per save (all its processes) at 20 clients. Make the baseline checkout
with ``git worktree add ../baseline COMMIT`` (or ``git archive COMMIT | tar -x -C DIR``):

    .venv/bin/python bench/server_ab.py --baseline ../baseline [--database sqlite|URL]
                                        [--baseline-database URL] [--rounds 4]
                                        [--setting PG_SYNCHRONOUS_COMMIT=off]
                                        [--threads 8] [--baseline-threads 8]
                                        [--server gunicorn --workers 4]
                                        [--baseline-workers 4] (--workers 0: the conf's)

Two PostgreSQL servers need two databases: each URL is emptied first. ``--setting`` sets a
``TEXTLABEL_`` setting of this checkout's server only (the baseline may be this checkout).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path
from typing import Any

from server import CLIENT, ROOT, Server, add_client_option, measure, pct, prepare, report, settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="the other checkout")
    parser.add_argument("--database", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument("--baseline-database", default="sqlite")
    parser.add_argument("--server", default="waitress", choices=["waitress", "gunicorn"])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--n", type=int, default=50, help="requests per figure and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a TEXTLABEL_ setting of this checkout's server only",
    )
    add_client_option(parser)
    parser.add_argument("--threads", type=int, default=8, help="this side's waitress threads")
    parser.add_argument("--baseline-threads", type=int, default=8)
    parser.add_argument("--baseline-workers", type=int, help="the baseline's -w (else --workers)")
    args = parser.parse_args()
    CLIENT["kind"] = args.client
    sides = {"this": (ROOT, args.database), "baseline": (args.baseline.resolve(),
                                                         args.baseline_database)}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, Server] = {}
        try:
            for name, (source, database) in sides.items():  # one failing stops the other too
                own = settings(args.setting) if name == "this" else None
                threads = args.threads if name == "this" else args.baseline_threads
                workers = args.workers
                if name == "baseline" and args.baseline_workers is not None:
                    workers = args.baseline_workers
                servers[name] = Server(database, args.server, Path(tmp) / name, source, own,
                                       threads=threads, workers=workers)  # fmt: skip
            contexts = {name: prepare(server, args) for name, server in servers.items()}
            totals: dict[str, dict[str, Any]] = {name: {} for name in servers}
            for round_ in range(args.rounds):
                # each side first in every other round: on PostgreSQL the side always measured
                # first read 1.25x the other's one-client save p50 with the same code (A/A)
                order = list(contexts.items())
                for name, (admin, annotators, pid, dids) in order[:: -1 if round_ % 2 else 1]:
                    server_pid = servers[name].process.pid
                    figures = measure(admin, annotators, pid, dids, args.n, server_pid)
                    merge(totals[name], figures)
            for name in servers:
                for key in MEDIANS:
                    totals[name][key] = statistics.median(totals[name][key])
                report(f"{name} ({sides[name][0]})", totals[name])
            compare(totals["this"], totals["baseline"])
        finally:
            for server in servers.values():
                server.stop()


MEDIANS = ("saves/s", "server CPU ms/save")  # one figure per round: their median


def merge(into: dict[str, Any], figures: dict[str, Any]) -> None:
    for key, value in figures.items():
        if key in MEDIANS:
            into.setdefault(key, []).append(value)
        else:
            times, errors = into.get(key, ([], 0))
            into[key] = (times + value[0], errors + value[1])


def compare(this: dict[str, Any], baseline: dict[str, Any]) -> None:
    print(f"\nthis / baseline, same rounds (load average {os.getloadavg()[0]:.1f})")
    for key, value in this.items():
        if key in MEDIANS:
            print(f"  {key:<20} {value / baseline[key]:5.2f}x")
            continue
        p50 = statistics.median(value[0]) / statistics.median(baseline[key][0])
        p95 = pct(value[0], 95) / pct(baseline[key][0], 95)
        print(f"  {key:<20} p50 {p50:5.2f}x  p95 {p95:5.2f}x")


if __name__ == "__main__":
    main()
