"""Benchmark: what `textlabel --help` costs beyond the libraries every command needs.

The CLI builds its choices and help from the registries at import, so a registry that pulled
in spaCy, numpy or the ORM would slow every command, `--help` included. Prints the best CPU
time (user + system, steadier than wall time on a shared machine) of a few `--help` calls
and, as the baseline in the same run, of a Python that imports only click, Flask and
SQLAlchemy's ORM, plus their ratio. Run:

    .venv/bin/python bench/cli_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys

BASELINE = ["-c", "import click, flask, sqlalchemy.orm"]
COMMANDS = [["--help"], ["import", "--help"], ["export", "--help"], ["agreement", "--help"]]


def cpu_seconds(argv: list[str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *argv], capture_output=True, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def best(argv: list[str], repeat: int) -> float:
    return min(cpu_seconds(argv) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    baseline = best(BASELINE, args.repeat)
    print(f"{'baseline (click, flask, sqlalchemy.orm)':42} {baseline:.3f} s CPU")
    for command in COMMANDS:
        seconds = best(["-m", "textlabel.cli", *command], args.repeat)
        name = "textlabel " + " ".join(command)
        print(f"{name:42} {seconds:.3f} s CPU  x{seconds / baseline:.2f} baseline")


if __name__ == "__main__":
    main()
