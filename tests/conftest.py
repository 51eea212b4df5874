"""Fixtures shared by every test: the external data folder, the app, the database."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the checkout (CI lays a copy there), or TEXTLABEL_SHARED_DATA."""
    path = Path(os.environ.get("TEXTLABEL_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not path.is_dir():
        pytest.fail(f"external test data not found at {path}")
    return path
