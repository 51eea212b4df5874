"""Every setting is read in config.py: one place lists them, with their defaults and parsers."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from textlabel import config
from textlabel.export.parallel import processes_from_env as export_processes
from textlabel.ingest.in_child import child_bytes
from textlabel.ingest.parallel import processes_from_env as import_processes

PACKAGE = Path(config.__file__).resolve().parent


def _env_reads(tree: ast.AST) -> list[int]:
    """Lines that read one variable: ``os.environ.get``, ``os.getenv``, ``os.environ[...]``
    (copying the whole environment for a child process is not a setting read)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target = ast.unparse(node.func)
            if target in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
                lines.append(node.lineno)
        subscript = isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)
        if subscript and ast.unparse(node.value) in ("os.environ", "environ"):  # type: ignore[attr-defined]
            lines.append(node.lineno)
    return lines


def test_no_setting_is_read_from_the_environment_outside_config() -> None:
    found = {
        f"{path.relative_to(PACKAGE)}:{line}"
        for path in PACKAGE.rglob("*.py")
        if path.name != "config.py" or path.parent != PACKAGE
        for line in _env_reads(ast.parse(path.read_text()))
    }
    assert not found, f"read TEXTLABEL_* settings through textlabel.config: {sorted(found)}"


def test_work_settings_are_listed_with_the_others() -> None:
    names = config.setting_names()
    for name in ("IMPORT_PROCESSES", "IMPORT_CHILD_BYTES", "EXPORT_PROCESSES"):
        assert name in names  # so the job process gets them too (jobprocess.child_env)


@pytest.mark.parametrize(
    ("raw", "imports", "exports", "child"),
    [
        (None, 1, 1, 512 * 1024),
        ("3", 3, 3, 3),
        ("0", 1, 1, 0),
        ("off", 1, 1, None),
        ("many", 1, 1, 512 * 1024),  # unreadable: the default, not a failed import
    ],
)
def test_work_settings_are_read_where_the_work_runs(
    monkeypatch: pytest.MonkeyPatch, raw: str | None, imports: int, exports: int,
    child: int | None,
) -> None:  # fmt: skip
    for name in ("IMPORT_PROCESSES", "EXPORT_PROCESSES", "IMPORT_CHILD_BYTES"):
        if raw is None:
            monkeypatch.delenv(config.ENV_PREFIX + name, raising=False)
        else:
            monkeypatch.setenv(config.ENV_PREFIX + name, raw)
    assert import_processes() == imports
    assert export_processes() == exports
    assert child_bytes() == child
