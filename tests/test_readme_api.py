"""README's table of API endpoints lists every route the API serves (it drifted before: the
table in DESIGN.md was the only one, and README had none)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from textlabel.web.api import OPERATIONS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_endpoint_is_in_the_readme_table(app: Flask) -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## API endpoints") :]
    table = table[: table.index("\n## ", 1)]
    rows = {line.split("|")[1].strip() for line in table.splitlines() if line.startswith("| ")}
    paths = {row.split(" ")[-1] for row in rows}
    missing = sorted(
        {op.rule.replace("<int:", "{").replace("<", "{").replace(">", "}") for op in OPERATIONS}
        - paths
    )
    assert missing == []
