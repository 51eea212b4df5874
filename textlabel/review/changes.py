"""A document's history as people read it: per save, the words and labels that came and went,
who and when; a run of autosaves by one person on one annotation reads as one change.

The audit trail (``review.history``) keeps every event with offsets; this turns it into
"+ 'Ada Lovelace' PER, − 'London' LOC" against the document's own text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from textlabel.models import Document
from textlabel.review.history import HistoryEntry, document_history
from textlabel.tokens import Tokens

# Autosaves by one person on one annotation less than this apart read as one change.
MERGE_WITHIN = timedelta(minutes=30)
_ACTIONS = {
    "annotation.save": "saved",
    "review.decide": "adjudicated",
    "review.auto_accept": "accepted as gold automatically",
}


@dataclass(frozen=True, slots=True)
class Line:
    """One line of a diff: ``sign`` is "+" (added), "-" (removed) or "~" (changed)."""

    sign: str
    layer: str  # entity | mention | tag | decision
    words: str
    detail: str


@dataclass(slots=True)
class Change:
    """One change (or a run of merged autosaves) to a document."""

    first_event: int
    since: datetime
    at: datetime
    user: str | None
    action: str
    subject: str | None
    summary: str
    saves: int = 1
    lines: list[Line] = field(default_factory=list)
    hidden: int = 0  # lines the ``match`` filter left out


def words_at(text: str, start: int, end: int, *, limit: int = 60) -> str:
    words = " ".join(text[max(0, start) : max(0, end)].split())
    return words if len(words) <= limit else words[: limit - 1] + "…"


def _span_key(span: dict[str, Any]) -> tuple[str, int, int, str]:
    return (str(span.get("layer")), int(span["start"]), int(span["end"]),
            str(span.get("label", span.get("chain"))))  # fmt: skip


def _save_lines(text: str, tokens: Tokens, saves: list[HistoryEntry]) -> list[Line]:
    """The net change of consecutive saves: a span added then removed again is no change."""
    net: Counter[tuple[str, int, int, str]] = Counter()
    tags: dict[str, list[Any]] = {}
    for entry in saves:
        before, after = entry.before or {}, entry.after or {}
        for span in before.get("spans") or ():
            net[_span_key(span)] -= 1
        for span in after.get("spans") or ():
            net[_span_key(span)] += 1
        for index, old in (before.get("pos") or {}).items():
            tags.setdefault(index, [old, None])
        for index, new in (after.get("pos") or {}).items():
            tags.setdefault(index, [None, None])[1] = new
    lines = []
    for (layer, start, end, last), n in sorted(net.items(), key=lambda kv: kv[0][1:3]):
        if n:
            kind = "entity" if layer == "ent" else "mention"
            detail = last if layer == "ent" else f"chain {last}"
            lines.append(Line("+" if n > 0 else "-", kind, words_at(text, start, end), detail))
    for index, (old, new) in sorted(tags.items(), key=lambda kv: int(kv[0])):
        if old != new and int(index) < len(tokens):
            i = int(index)
            word = words_at(text, tokens.starts[i], tokens.ends[i])
            lines.append(Line("~", "tag", word, f"{old or 'model'} → {new or 'model'}"))
    return lines


def _status(saves: list[HistoryEntry]) -> str:
    first, last = saves[0].before or {}, saves[-1].after or {}
    versions = f"v{first.get('version')} → v{last.get('version')}"
    status = first.get("status"), last.get("status")
    moved = status[1] if status[0] == status[1] else f"{status[0]} → {status[1]}"
    return f"{moved}, {versions}"


def _merges(group: list[HistoryEntry], entry: HistoryEntry) -> bool:
    last = group[-1]
    return (
        entry.action == last.action == "annotation.save"
        and entry.user == last.user
        and entry.subject == last.subject
        and entry.at - last.at <= MERGE_WITHIN
        and (last.after or {}).get("status") != "submitted"
    )


def _groups(entries: Iterable[HistoryEntry]) -> list[list[HistoryEntry]]:
    groups: list[list[HistoryEntry]] = []
    for entry in entries:
        if groups and _merges(groups[-1], entry):
            groups[-1].append(entry)
        else:
            groups.append([entry])
    return groups


def _other_lines(entry: HistoryEntry) -> list[Line]:
    if entry.action == "review.decide":
        decisions = (entry.after or {}).get("decisions") or {}
        return [Line("~", "decision", str(key), str(value.get("decision", value)
                                                    if isinstance(value, dict) else value))
                for key, value in decisions.items()]  # fmt: skip
    return []


def matching(changes: Iterable[Change], words: str) -> list[Change]:
    """The changes with a line naming ``words`` (whole words, any case) as its words or its
    label or tag ("london", "PER", "NOUN"), with only those lines (the rest counted in
    ``hidden``); blank ``words`` keeps everything."""
    words = " ".join(words.split())
    if not words:
        return list(changes)
    pattern = re.compile(rf"(?<!\w){re.escape(words)}(?!\w)", re.IGNORECASE)
    kept = []
    for change in changes:
        lines = [x for x in change.lines if pattern.search(f"{x.words} {x.detail}")]
        if lines:
            hidden = len(change.lines) - len(lines)
            kept.append(replace(change, lines=lines, hidden=hidden))
    return kept


def readable_history(
    session: Session, document: Document, *, user: str | None = None, match: str = ""
) -> list[Change]:
    """The document's changes, oldest first; ``user`` keeps one person's changes only,
    ``match`` the lines naming those words or that label (``matching``)."""
    tokens = Tokens.from_stored(document.tokens, text_length=len(document.text))
    entries = [e for e in document_history(session, document) if user is None or e.user == user]
    changes = []
    for group in _groups(entries):
        first = group[0]
        saving = first.action == "annotation.save"
        changes.append(
            Change(
                first_event=first.id,
                since=first.at,
                at=group[-1].at,
                user=first.user,
                action=_ACTIONS.get(first.action, first.action.replace(".", " ")),
                subject=first.subject,
                summary=_status(group) if saving else "",
                saves=len(group),
                lines=_save_lines(document.text, tokens, group) if saving else _other_lines(first),
            )
        )
    return matching(changes, match)


def people_in(session: Session, document: Document) -> list[str]:
    """Who changed the document, for the history filter."""
    return sorted({e.user for e in document_history(session, document) if e.user})
