"""Where a document stands, in one word: plain Python, so an export's worker process reads
it without the database layer."""

from __future__ import annotations

STATUSES = ("new", "in progress", "annotated", "reviewed")


def document_status(*, submitted: int, drafts: int, has_gold: bool, overlap: int) -> str:
    """One word for where a document stands (the project page and export filters)."""
    if has_gold:
        return "reviewed"
    if submitted >= overlap:
        return "annotated"
    if submitted or drafts:
        return "in progress"
    return "new"
