"""Benchmark: CPU time per request inside the process (Flask test client, SQLite), this
checkout against another one in alternating rounds (issue 13).

Wall-clock times on the shared 2-core machine swing with its load; the CPU a request costs
the process is steadier, and at 20 clients CPU per save is what limits saves/s. Each side
runs in its own child process on its own checkout; printed: CPU ms per static file, fetch
and one-span save (median of the rounds) and this / baseline. ``--profile`` dumps a cProfile
of this checkout's saves to the given file instead (read it with ``python -m pstats``):

    .venv/bin/python bench/save_cpu.py [--baseline DIR] [--rounds 3] [--n 300]
                                       [--database URL --baseline-database URL2]

A PostgreSQL database given is emptied first; two sides need two databases.
    .venv/bin/python bench/save_cpu.py --profile /tmp/save.pstats
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench password 123"


def child(n: int, profile: str | None, database: str = "sqlite") -> dict[str, float]:
    """Runs in the checkout's own process: CPU ms per request of each kind (and, as
    ``KIND wall``, wall-clock ms: on PostgreSQL each statement's round trip is in it)."""
    from textlabel.app import create_app
    from textlabel.auth.service import create_user
    from textlabel.extensions import db
    from textlabel.migrate import upgrade

    tmp = tempfile.mkdtemp()
    url = f"sqlite:///{tmp}/b.db"
    if database != "sqlite":
        from server import empty_schema

        empty_schema(database)
        url = database
    app = create_app({"DATABASE_URL": url, "INSTANCE": tmp, "SECRET_KEY": "bench"})
    upgrade(app.extensions["textlabel.db"])
    with app.app_context():
        create_user(db.session, "admin", PASSWORD, is_admin=True)
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {token.json['token']}"}  # type: ignore[index]
    pid = client.post("/api/v1/projects", json={"name": "b", "labels": [{"name": "PER"}]},
                      headers=auth).json["id"]  # type: ignore[index]  # fmt: skip
    rows = "\n".join(f"Ada Lovelace met Charles Babbage in London on day {i}." for i in range(20))
    client.post(f"/api/v1/projects/{pid}/documents", headers=auth,
                data={"preannotate": "false", "file": (io.BytesIO(b"text\n" + rows.encode()),
                                                       "d.csv")})  # fmt: skip
    listed = client.get(f"/api/v1/projects/{pid}/documents?per_page=2", headers=auth)
    did, other = [row["id"] for row in listed.json["items"]]  # type: ignore[index]
    state = {"version": 0, "n": 0}

    def save() -> None:  # as bench/server.py's: end 3..7 snaps to a token, so some change nothing
        state["n"] += 1
        span = {"start": 0, "end": 3 + state["n"] % 5, "label": "PER"}
        answer = client.put(f"/api/v1/documents/{did}/annotations/me", headers=auth,
                            json={"version": state["version"], "spans": [span]})  # fmt: skip
        assert answer.status_code == 200, answer.json
        state["version"] = answer.json["version"]  # type: ignore[index]

    kinds: dict[str, Callable[[], Any]] = {
        "static": lambda: client.get("/static/app.css"),
        "fetch": lambda: client.get(f"/api/v1/documents/{other}", headers=auth),
        "save": save,
    }
    if profile:
        import cProfile

        for _ in range(20):
            save()
        # CPU time, not wall time: on the shared machine a wall-clock profile charges each
        # function with the time other processes ran.
        with cProfile.Profile(time.process_time) as prof:
            for _ in range(n):
                save()
        prof.dump_stats(profile)
        return {}
    out = {}
    for name, fn in kinds.items():
        for _ in range(20):
            fn()
        start, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            fn()
        out[name] = (time.process_time() - start) * 1000 / n
        out[f"{name} wall"] = (time.perf_counter() - wall) * 1000 / n
    return out


def run_side(source: Path, n: int, database: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(source)}
    env.pop("TEXTLABEL_DATABASE_URL", None)
    command = [sys.executable, __file__, "--child", "--n", str(n), "--database", database]
    done = subprocess.run(command, env=env, cwd=source, check=True, capture_output=True,
                          text=True)  # fmt: skip
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, help="another checkout (git archive of main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n", type=int, default=300, help="requests per kind and round")
    parser.add_argument("--profile", help="write a cProfile of this checkout's saves here")
    parser.add_argument("--database", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument("--baseline-database", default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child or args.profile:
        print(json.dumps(child(args.n, args.profile, args.database)))
        return
    sides = {"this": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    databases = {"this": args.database, "baseline": args.baseline_database}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in sides}
    for _ in range(args.rounds):
        for name, source in sides.items():
            runs[name].append(run_side(source, args.n, databases[name]))
    medians = {name: {kind: statistics.median(r[kind] for r in rs) for kind in rs[0]}
               for name, rs in runs.items()}  # fmt: skip
    print(f"CPU ms per request, median of {args.rounds} rounds of {args.n} "
          f"(load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    for kind in medians["this"]:
        line = f"  {kind:<11} this {medians['this'][kind]:6.2f}"
        if "baseline" in medians:
            base = medians["baseline"][kind]
            line += f"  baseline {base:6.2f}  ratio {medians['this'][kind] / base:5.2f}x"
        print(line)


if __name__ == "__main__":
    main()
