"""`textlabel --help`: choices and help come from the registries, `--version`, cheap imports."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import pytest
from click.testing import CliRunner

from textlabel import cli
from textlabel.agreement.registry import LAYERS as AGREEMENT_LAYERS
from textlabel.agreement.registry import MEASURES, headline
from textlabel.export.registry import FORMATS, SOURCES
from textlabel.ingest.base import SPLITS
from textlabel.ingest.registry import READERS
from textlabel.layers import LAYERS


def _help(*path: str) -> str:
    result = CliRunner().invoke(cli.main, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


def _choices(text: str, option: str) -> list[str]:
    """The [a|b|c] choices click prints after ``option``."""
    line = next(line for line in text.splitlines() if line.strip().startswith(option + " ["))
    return line.split("[", 1)[1].split("]", 1)[0].split("|")


def test_version() -> None:
    result = CliRunner().invoke(cli.main, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"textlabel, version {version('textlabel')}"


def test_import_offers_every_registered_reader() -> None:
    text = _help("import")
    assert _choices(text, "--format") == ["auto", *READERS]
    assert _choices(text, "--split") == list(SPLITS)


def test_import_format_names_are_checked_up_front(tmp_path) -> None:
    file = tmp_path / "a.txt"
    file.write_text("text", encoding="utf-8")
    result = CliRunner().invoke(cli.main, ["import", "1", str(file), "--format", "pptx"])
    assert result.exit_code == 2 and "'pptx' is not one of 'auto', 'csv'" in result.output


def test_export_offers_every_registered_format_and_source() -> None:
    text = _help("export")
    assert _choices(text, "--format") == list(FORMATS)
    assert _choices(text, "--source") == list(SOURCES)
    for entry in [*FORMATS.values(), *SOURCES.values()]:
        assert f"{entry.name}: {entry.description}" in " ".join(text.split())
    assert f"of: {', '.join(LAYERS)}" in text


def test_project_create_names_the_layers() -> None:
    assert f"of: {', '.join(LAYERS)}" in _help("project", "create")


def test_agreement_lists_layers_measures_and_readings() -> None:
    text = " ".join(_help("agreement").split())
    assert _choices(_help("agreement"), "--layer") == list(AGREEMENT_LAYERS)
    for layer in AGREEMENT_LAYERS:
        assert f"{layer}: {'; '.join(m.title for m in headline(layer))}" in text
    for scale in {m.scale for m in MEASURES.values()}:
        assert " ".join(f"{scale.name}: {scale.describe()}".split()) in text


@pytest.mark.parametrize("argv", [["--help"], ["export", "--help"], ["agreement", "--help"]])
def test_help_loads_neither_spacy_nor_numpy(argv: list[str]) -> None:
    code = (
        "import sys; from textlabel.cli import main\n"
        f"try: main({argv!r})\n"
        "except SystemExit: pass\n"
        "print(sorted(m for m in ('spacy', 'numpy', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
