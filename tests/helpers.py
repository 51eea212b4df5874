"""Plain helpers and constants shared by tests (fixtures live in conftest.py)."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
"""External test files, trimmed and copied into the repository: see data/README.md."""
