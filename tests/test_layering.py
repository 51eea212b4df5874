"""The shape of the code, checked: no import cycle between textlabel's packages, Flask only in
the web layer (and the app factory and CLI), and ``Span`` rows touched only by the store."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "textlabel"
FLASK_ALLOWED = {"web", "app", "cli", "extensions"}


def _unit(path: Path) -> str:
    """A top-level module or package of textlabel: ``annotate``, ``tokens``, ``web``..."""
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    """Top-level modules this file imports, by name (``textlabel.x...`` and ``flask``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            parts = node.module.split(".")
            if parts[0] == "textlabel" and len(parts) > 1:
                out.add(parts[1])
            elif node.module == "textlabel":
                out.update(alias.name for alias in node.names)
            elif parts[0] == "flask":
                out.add("flask")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "textlabel" and len(parts) > 1:
                    out.add(parts[1])
                elif parts[0] == "flask":
                    out.add("flask")
    return out


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        if unit == "__init__":
            continue
        graph.setdefault(unit, set()).update(_imports(path) - {unit})
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle between units, or None (depth-first search with a path stack)."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for nxt in sorted(graph.get(node, ())):
            found = visit(nxt, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_import_cycle_between_packages() -> None:
    graph = _graph()
    assert "annotate" in graph["review"] and "review" not in graph["annotate"]
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_flask_only_in_the_web_layer() -> None:
    users = {unit for unit, imports in _graph().items() if "flask" in imports}
    assert users <= FLASK_ALLOWED, sorted(users - FLASK_ALLOWED)


def _imports_span_model(path: Path) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and (node.module or "").startswith("textlabel.models")
        and any(alias.name == "Span" for alias in node.names)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
    )


def test_span_rows_are_touched_only_by_the_store() -> None:
    users = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if _unit(path) != "models" and _imports_span_model(path)
    )
    assert users == ["annotate/store.py"]
