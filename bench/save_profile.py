"""Profile: where a real server spends its CPU while 20 clients save (issue 13).

Starts ``bench/server.py``'s server (2,000 documents, the model loaded), then lets every
client save without pause while ``py-spy record`` samples the server (all its processes),
and prints the functions with the largest share of the samples: inclusive (the function
and what it calls) and own. Only the thread holding the interpreter lock is sampled
(``--gil``): in one process that is where the CPU that bounds saves/s goes; threads waiting
in a socket or for the write gate are left out. ``pip install py-spy`` first:

    .venv/bin/python bench/save_profile.py [--database sqlite|URL] [--server gunicorn]
                                           [--seconds 15] [--top 40] [--out FILE]
"""

from __future__ import annotations

import argparse
import collections
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from server import Server, prepare, saver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default="sqlite", help="sqlite or a PostgreSQL URL")
    parser.add_argument("--server", default="waitress", choices=["waitress", "gunicorn"])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--out", help="keep py-spy's collapsed stacks here")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    server = Server(args.database, args.server, folder, workers=args.workers)
    try:
        _admin, annotators, _pid, dids = prepare(server, args)
        saves = [saver(annotators[i], dids[2 + i]) for i in range(args.clients)]
        stop = threading.Event()
        counts = [0] * len(saves)

        def run(i: int) -> None:
            while not stop.is_set():
                saves[i]()
                counts[i] += 1

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
        for t in threads:
            t.start()
        time.sleep(1)  # every client under way
        out = args.out or str(folder / "stacks.txt")
        before = sum(counts)
        spy = [str(Path(sys.executable).parent / "py-spy"), "record",
               "--pid", str(server.process.pid), "--duration", str(args.seconds),
               "--rate", "200", "--format", "raw", "--nonblocking", "--gil",
               "--output", out]  # fmt: skip
        if args.server == "gunicorn":
            spy.append("--subprocesses")
        try:
            subprocess.run(spy, check=True, capture_output=True)
        finally:
            saved = sum(counts) - before
            stop.set()
            for t in threads:
                t.join()
    finally:
        server.stop()
    print(f"{args.server} on {args.database.split('://')[0]}: {saved} saves in about "
          f"{args.seconds} s of sampling")  # fmt: skip
    summarize(Path(out), args.top)


def summarize(path: Path, top: int) -> None:
    """Inclusive and own shares of the samples per function (``name (file)``)."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = [_short(f) for f in stack.split(";") if f]
        if not frames or "idle" in frames[-1]:
            continue
        total += n
        for name in set(frames):
            inclusive[name] += n
        own[frames[-1]] += n
    print(f"{total} samples of the thread holding the interpreter lock")
    for title, counter in (("inclusive", inclusive), ("own", own)):
        print(f"\n{title}:")
        for name, n in counter.most_common(top):
            print(f"  {100 * n / total:5.1f} %  {name}")


def _short(frame: str) -> str:
    """``fn (path/to/site-packages/pkg/mod.py:12)`` -> ``fn (pkg/mod.py)``."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "/textlabel/", "/lib/python3"):
        if marker in where:
            where = where.split(marker, 1)[1]
            if marker == "/textlabel/":
                where = "textlabel/" + where
            break
    return f"{name} ({where})"


if __name__ == "__main__":
    main()
