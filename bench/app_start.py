"""CPU a fresh Python spends building the app (``create_app``), this checkout against another.

What every fresh process that builds the app pays: ``textlabel`` commands, ``textlabel serve``
and gunicorn's master before they serve, a replaced job process. The two checkouts run
interleaved, ``--repeat`` times each, with an in-memory SQLite database; it prints the median
user+system CPU of each, the modules each imported, the ratio and the load average:

    .venv/bin/python bench/app_start.py --baseline DIR [--repeat 5]

DIR is a ``git archive`` of another commit (``git archive main | tar -x -C DIR``).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = (
    "import sys\n"
    "from textlabel import create_app\n"
    "create_app({'DATABASE_URL': 'sqlite://', 'SECRET_KEY': 'bench'})\n"
    "print(len(sys.modules))\n"
)


def build(root: Path) -> tuple[float, int]:
    """CPU seconds of one fresh Python building the app from ``root``, and its modules."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", BUILD], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, int(done.stdout.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, type=Path, help="the other checkout")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sides = {"baseline": args.baseline.resolve(), "this checkout": ROOT}
    cpu: dict[str, list[float]] = {name: [] for name in sides}
    modules: dict[str, int] = {}
    print(f"load average {os.getloadavg()[0]:.1f}", flush=True)
    for _ in range(args.repeat):
        for name, root in sides.items():
            seconds, modules[name] = build(root)
            cpu[name].append(seconds)
    for name in sides:
        runs = ", ".join(f"{c:.2f}" for c in cpu[name])
        print(f"{name:<14} median CPU {statistics.median(cpu[name]):.2f} s ({runs}), "
              f"{modules[name]} modules")  # fmt: skip
    ratio = statistics.median(cpu["this checkout"]) / statistics.median(cpu["baseline"])
    print(f"this checkout / baseline: {ratio:.2f}x   (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
