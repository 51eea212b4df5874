"""A process that builds the app imports spaCy without its command line (``textlabel.spacy_cli``),
and every use of ``spacy.cli`` still finds the real one. In a fresh interpreter: this test
process may have imported spaCy before any app was built."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from textlabel import create_app

create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x"})
absent = ("weasel", "typer", "requests", "rich", "httpx")
assert not [m for m in absent if m in sys.modules], [m for m in absent if m in sys.modules]

import spacy
from textlabel.export.spacy_config import make_config

assert "[components.ner]" in make_config(layers=["entities"])  # spacy.cli.init_config
assert type(spacy.cli).__name__ == "_Deferred"
assert "pipelines" in spacy.info()  # the real spacy.cli.info, imported now
import spacy.cli

assert type(spacy.cli.app).__name__ == "Typer"  # the real package, imported on first use
assert type(spacy.cli).__name__ == "module" and sys.modules["spacy.cli"] is spacy.cli
assert spacy.cli.info.__module__ == "spacy.cli.info"
"""


def test_a_built_app_imports_spacy_without_its_command_line_until_asked(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
