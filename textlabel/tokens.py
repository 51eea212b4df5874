"""Stored token offsets (``Document.tokens``) and the arithmetic every layer needs on them.

A document's tokens are stored flat, ``{"offsets": [s0, e0, s1, e1, ...], "sent_starts":
[...]}``, which is compact in JSON and cheap to bisect. Pure functions, no database.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any

from textlabel.records import TokenRecord


def stored_tokens(
    tokens: Sequence[TokenRecord], sent_starts: Sequence[int] | None
) -> dict[str, Any]:
    """The stored shape; ``last_ws`` keeps what the text cannot say: whether the source put
    a space after the final token (CoNLL-U's SpaceAfter on a document's last word)."""
    stored: dict[str, Any] = {
        "offsets": [offset for token in tokens for offset in (token.start, token.end)],
        "sent_starts": list(sent_starts) if sent_starts else [0],
    }
    if tokens and tokens[-1].ws:
        stored["last_ws"] = True
    return stored


def starts_ends(stored: dict[str, Any]) -> tuple[list[int], list[int]]:
    offsets = stored["offsets"]
    return offsets[0::2], offsets[1::2]


def token_records(stored: dict[str, Any], text: str) -> list[TokenRecord]:
    """TokenRecords from the stored shape: ``ws`` from the gap to the next token."""
    starts, ends = starts_ends(stored)
    last = len(starts) - 1
    last_ws = bool(stored.get("last_ws"))
    return [
        TokenRecord(start, end, starts[i + 1] > end if i < last else end < len(text) or last_ws)
        for i, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]


def token_range(
    starts: Sequence[int], ends: Sequence[int], start: int, end: int
) -> tuple[int, int] | None:
    """Token indices ``[first, last)`` of a character span on token boundaries, else None."""
    first = bisect_left(starts, start)
    last = bisect_left(ends, end)
    if first >= len(starts) or starts[first] != start or last >= len(ends) or ends[last] != end:
        return None
    if last < first:
        return None
    return first, last + 1


def split_at(
    starts: list[int], ends: list[int], cuts: Iterable[int]
) -> tuple[list[int], list[int]]:
    """Split tokens so that every offset in ``cuts`` falls on a token boundary.

    Annotations made on another tokenization (doccano, Label Studio) keep their exact
    character offsets; our tokenization yields to them, not the other way round.
    """
    inside = sorted(set(cuts))
    if not inside:
        return starts, ends
    new_starts: list[int] = []
    new_ends: list[int] = []
    position = 0
    for start, end in zip(starts, ends, strict=True):
        while position < len(inside) and inside[position] <= start:
            position += 1
        piece = start
        while position < len(inside) and inside[position] < end:
            new_starts.append(piece)
            new_ends.append(inside[position])
            piece = inside[position]
            position += 1
        new_starts.append(piece)
        new_ends.append(end)
    return new_starts, new_ends
