"""Benchmark: textlabel's CSV reader against the bare stdlib csv module on the same file.

Generates a CSV of N rows (default 100,000: an id, a sentence-length text with commas and
quotes, a category, a number; every 50th text spans two lines), then in the same run
times and traces:

- ``csv.DictReader`` over the file (the floor: parsing only),
- ``textlabel.ingest.delimited.read`` (sniffing, line-by-line decoding with row / line
  tracking, validation, DocumentRecord per row),

and prints docs/s for each, their ratio, and each one's peak traced memory (tracemalloc,
measured in a separate pass so it does not slow the timed pass). The same rows written as
JSONL are then read by ``json.loads`` per line and by ``json_records.read_jsonl``. Run:

    .venv/bin/python bench/ingest_parse.py [--rows N] [--repeat R]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textlabel.ingest import delimited, json_records
from textlabel.ingest.base import ReadOptions

WORDS = [
    "the",
    "annotator",
    "said",
    "Paris",
    "and",
    "Ada",
    "Lovelace",
    "met",
    "in",
    "London",
    "on",
    "Monday,",
    "briefly",
]


def write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "category", "score"])
        for n in range(rows):
            words = [WORDS[(n * 7 + k) % len(WORDS)] for k in range(12 + n % 9)]
            text = " ".join(words) + f' "{n}".'
            if n % 50 == 0:
                text += "\nSecond line, café."
            writer.writerow([n, text, f"c{n % 5}", n % 100 / 7])


def write_jsonl(csv_path: Path, path: Path) -> None:
    with open(csv_path, encoding="utf-8", newline="") as source, open(path, "w") as target:
        target.writelines(json.dumps(row) + "\n" for row in csv.DictReader(source))


def parse_json_lines(path: Path) -> int:
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if json.loads(line))


def parse_textlabel_jsonl(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in json_records.read_jsonl(handle, path.name, ReadOptions()))


def parse_stdlib(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))


def parse_textlabel(path: Path) -> int:
    with open(path, "rb") as handle:
        return sum(1 for _ in delimited.read(handle, path.name, ReadOptions()))


def timed(function: Callable[[Path], int], path: Path, repeat: int) -> tuple[float, int]:
    best = float("inf")
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = function(path)
        best = min(best, time.perf_counter() - start)
    return best, count


def peak_memory(function: Callable[[Path], int], path: Path) -> int:
    tracemalloc.start()
    try:
        function(path)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="timed passes; the best is kept")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.csv"
        write_csv(path, args.rows)
        jsonl = Path(folder) / "bench.jsonl"
        write_jsonl(path, jsonl)
        compare(path, [("stdlib csv", parse_stdlib), ("textlabel", parse_textlabel)], args)
        compare(
            jsonl, [("json.loads", parse_json_lines), ("textlabel", parse_textlabel_jsonl)], args
        )


def compare(path: Path, contenders: list[tuple[str, Callable[[Path], int]]], args: Any) -> None:
    size = path.stat().st_size
    print(f"{path.suffix[1:]} file: {args.rows:,} rows, {size / 1e6:.1f} MB")
    seconds_by_name = {}
    for name, function in contenders:
        seconds, count = timed(function, path, args.repeat)
        if count != args.rows:
            raise SystemExit(f"{name} read {count} rows, expected {args.rows}")
        peak = peak_memory(function, path)
        seconds_by_name[name] = seconds
        print(
            f"{name:>11}: {count / seconds:>10,.0f} docs/s  ({seconds:.2f} s)  "
            f"peak {peak / 1e6:.2f} MB ({peak / size:.1%} of the file)"
        )
    (base, _), (ours, _) = contenders
    ratio = seconds_by_name[ours] / seconds_by_name[base]
    print(f"{ours} / {base} time ratio: {ratio:.2f}x")


if __name__ == "__main__":
    main()
