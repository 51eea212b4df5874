"""Benchmark: the server process's CPU per save through waitress, this checkout against
another one in the same run (issue 13).

At 20 clients on SQLite a save holds the write gate from its first statement to its commit,
so the CPU the server spends per save bounds saves/s; on the shared 2-core machine that CPU
is steadier than latency. Both servers as in ``bench/server.py`` (``--docs`` documents, the
model loaded); per round and side: ``--n`` saves from one client, then ``--n`` from 20
clients; printed: server CPU ms per save (utime + stime of the server process) and the
measuring client's, per round, and this / baseline:

    .venv/bin/python bench/save_server_cpu.py --baseline DIR [--n 200] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import threading
import time
from pathlib import Path

from server import ROOT, Server, prepare, saver


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="the other checkout")
    parser.add_argument("--docs", type=int, default=100)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--n", type=int, default=200, help="saves per figure and round")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    args.server, args.database = "waitress", "sqlite"
    sides = {"this": ROOT, "baseline": args.baseline.resolve()}
    with tempfile.TemporaryDirectory() as tmp:
        servers: dict[str, Server] = {}
        try:
            for name, source in sides.items():
                servers[name] = Server("sqlite", "waitress", Path(tmp) / name, source)
            contexts = {name: prepare(server, args) for name, server in servers.items()}
            cpu: dict[tuple[str, str], list[tuple[float, float]]] = {}
            for _ in range(args.rounds):
                for name, (_admin, annotators, _pid, dids) in contexts.items():
                    pid = servers[name].process.pid
                    one = [saver(annotators[0], dids[0])]
                    many = [saver(annotators[i], dids[2 + i]) for i in range(args.clients)]
                    for kind, savers in (("1 client", one), (f"{args.clients} clients", many)):
                        each = args.n // len(savers)
                        threads = [
                            threading.Thread(target=lambda s=s, k=each: [s() for _ in range(k)])
                            for s in savers
                        ]
                        server0, client0 = cpu_s(pid), time.process_time()
                        for thread in threads:
                            thread.start()
                        for thread in threads:
                            thread.join()
                        done = each * len(savers)
                        cpu.setdefault((name, kind), []).append(
                            ((cpu_s(pid) - server0) * 1000 / done,
                             (time.process_time() - client0) * 1000 / done)
                        )  # fmt: skip
        finally:
            for server in servers.values():
                server.stop()
    print(f"CPU ms per save, {args.rounds} rounds (load average {os.getloadavg()[0]:.1f})")
    for kind in ("1 client", f"{args.clients} clients"):
        this, base = cpu[("this", kind)], cpu[("baseline", kind)]
        ratio = sum(s for s, _ in this) / sum(s for s, _ in base)
        print(f"  {kind:<11} server this {[round(s, 2) for s, _ in this]} baseline "
              f"{[round(s, 2) for s, _ in base]} ({ratio:.2f}x); client this "
              f"{[round(c, 2) for _, c in this]} baseline "
              f"{[round(c, 2) for _, c in base]}")  # fmt: skip


if __name__ == "__main__":
    main()
