"""A non-editable install serves the full UI: templates, static files and migrations are in
the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_ships_templates_static_and_migrations(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w",
         str(tmp_path), str(REPO)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    if done.returncode != 0 and "hatchling" in done.stderr:
        done = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path), str(REPO)],
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    [wheel] = tmp_path.glob("textlabel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in (
        "textlabel/templates/base.html",
        "textlabel/templates/projects/show.html",
        "textlabel/static/htmx.min.js",
        "textlabel/static/app.css",
        "textlabel/migrations/env.py",
        "textlabel/migrations/versions/0001_initial_schema.py",
        "textlabel/demo/pud_news.jsonl",
        "textlabel/demo/pud_news_gold.jsonl",
    ):
        assert expected in names, expected
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "textlabel_coref = textlabel.nlp.coref.component:make_coref" in text
