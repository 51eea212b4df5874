"""Streaming readers: peak memory does not grow with the file (10k vs 100k rows).

This checks behaviour, not speed: a reader that loaded the whole file would need about ten
times more memory for ten times the rows; a streaming one needs about the same.
"""

from __future__ import annotations

import csv
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from textlabel.ingest import delimited, json_records
from textlabel.ingest.base import ReadOptions

CSV_ROWS = (10_000, 100_000)
# JSON readers allocate more per record, which tracemalloc makes slow: the same tenfold
# growth on fewer rows tests the same property in a third of the time.
JSON_ROWS = (5_000, 50_000)


def _row(n: int) -> dict:
    return {
        "id": n,
        "text": f'Document number {n} mentions Paris, Ada Lovelace and "quotes".',
        "x": n % 7,
    }


def _write_csv(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "x"])
        writer.writeheader()
        writer.writerows(_row(n) for n in range(rows))


def _write_jsonl(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(_row(n)) + "\n" for n in range(rows))


def _write_json(path: Path, rows: int) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[\n")
        handle.write(",\n".join(json.dumps(_row(n)) for n in range(rows)))
        handle.write("\n]\n")


def _peak(reader: Callable, path: Path) -> tuple[int, int]:
    """Peak traced bytes while reading ``path`` record by record, and the record count."""
    tracemalloc.start()
    try:
        count = 0
        with open(path, "rb") as handle:
            for _ in reader(handle, path.name, ReadOptions()):
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, count


@pytest.mark.parametrize(
    ("write", "reader", "sizes"),
    [
        (_write_csv, delimited.read, CSV_ROWS),
        (_write_jsonl, json_records.read_jsonl, JSON_ROWS),
        (_write_json, json_records.read_json, JSON_ROWS),
    ],
    ids=["csv", "jsonl", "json-array"],
)
def test_peak_memory_does_not_grow_with_rows(tmp_path, write, reader, sizes) -> None:
    small, large = tmp_path / "small", tmp_path / "large"
    write(small, sizes[0])
    write(large, sizes[1])
    small_peak, small_count = _peak(reader, small)
    large_peak, large_count = _peak(reader, large)
    assert (small_count, large_count) == sizes
    assert large.stat().st_size > 9 * small.stat().st_size
    assert large_peak < 3 * small_peak, (small_peak, large_peak)
    assert large_peak < large.stat().st_size / 4  # far below what loading the file would take
