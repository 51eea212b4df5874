"""Extensions created unbound at import and bound to an app in ``create_app``."""

from __future__ import annotations

from textlabel.db import Database

db = Database()
