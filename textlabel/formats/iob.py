"""IOB1 / IOB2 / BILUO (and BIOES) tag sequences to and from token spans.

Spans here are ``(start, end, label)`` over token indices with ``end`` exclusive. Decoding
IOB1 and IOB2 is the same lenient rule (``B-`` always begins an entity, ``I-`` continues an
entity of the same label or else begins one), so only BILUO needs telling apart; ``iob2``
asks for the strict reading, which refuses an ``I-`` that does not continue an entity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal

Scheme = Literal["auto", "iob1", "iob2", "biluo"]
Span = tuple[int, int, str]

_PREFIXES = frozenset("BILUES")
_BILUO_ONLY = frozenset("LUES")
# BIOES spells BILUO's L and U as E and S.
_NORMALIZED = {"E": "L", "S": "U"}


class TagError(ValueError):
    """A tag or tag sequence that cannot be decoded; ``index`` is the token, when known."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index

    def __str__(self) -> str:
        return self.message if self.index is None else f"token {self.index + 1}: {self.message}"


def parse_tag(tag: str) -> tuple[str, str | None]:
    """Split ``"B-PER"`` into ``("B", "PER")`` and ``"O"`` into ``("O", None)``.

    E / S (BIOES) come back as L / U. Comma-joined crowd labels such as
    ``B-corporation,B-group`` are refused: a token carries one entity tag.
    """
    if tag == "O":
        return "O", None
    parts = tag.split(",")
    if len(parts) > 1:
        raise TagError(
            f"tag {tag!r} holds {len(parts)} labels; one entity tag per token is supported"
        )
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in _PREFIXES or not label or label.strip() != label:
        raise TagError(
            f"{tag!r} is not an entity tag (expected O, or B-, I-, L-, U-, E- or S- and a label)"
        )
    return _NORMALIZED.get(prefix, prefix), label


def detect_scheme(tags: Iterable[str]) -> Literal["iob1", "biluo"]:
    """BILUO when any tag uses L- / U- / E- / S-, else IOB (IOB1 and IOB2 decode alike)."""
    for tag in tags:
        if tag[:1] in _BILUO_ONLY and tag[1:2] == "-":
            return "biluo"
    return "iob1"


def tags_to_spans(tags: Sequence[str], *, scheme: Scheme = "auto") -> list[Span]:
    """Decode one tag sequence (a sentence or a whole document) into token spans."""
    parsed: list[tuple[str, str | None]] = []
    for index, tag in enumerate(tags):
        try:
            parsed.append(parse_tag(tag))
        except TagError as error:
            raise TagError(error.message, index=index) from error
    if scheme == "auto":
        scheme = detect_scheme(tags)
    if scheme == "biluo":
        return _decode_biluo(parsed)
    return _decode_iob(parsed, strict=scheme == "iob2")


def _decode_iob(parsed: list[tuple[str, str | None]], *, strict: bool) -> list[Span]:
    spans: list[Span] = []
    start: int | None = None
    current: str | None = None
    for index, (prefix, label) in enumerate(parsed):
        if prefix in ("L", "U"):
            raise TagError(f"{prefix}-{label} is a BILUO tag in an IOB sequence", index=index)
        continues = prefix == "I" and current == label
        if start is not None and current is not None and not continues:
            spans.append((start, index, current))
            start, current = None, None
        if prefix == "O" or continues:
            continue
        if prefix == "I" and strict:
            message = f"I-{label} does not continue an entity; IOB2 entities begin with B-"
            raise TagError(message, index=index)
        start, current = index, label
    if start is not None and current is not None:
        spans.append((start, len(parsed), current))
    return spans


def _decode_biluo(parsed: list[tuple[str, str | None]]) -> list[Span]:
    spans: list[Span] = []
    start: int | None = None
    current: str | None = None
    for index, (prefix, label) in enumerate(parsed):
        inside = start is not None
        if prefix in ("B", "U", "O") and inside:
            raise TagError(f"entity {current} begun before it was closed with L-", index=index)
        if prefix in ("I", "L") and (not inside or current != label):
            raise TagError(f"{prefix}-{label} does not continue a {label} entity", index=index)
        if prefix == "B":
            start, current = index, label
        elif prefix == "U" and label is not None:
            spans.append((index, index + 1, label))
        elif prefix == "L" and start is not None and label is not None:
            spans.append((start, index + 1, label))
            start, current = None, None
    if start is not None:
        raise TagError(f"entity {current} is not closed with L- at the end", index=len(parsed) - 1)
    return spans


def spans_to_tags(
    spans: Iterable[Span], length: int, *, scheme: Literal["iob1", "iob2", "biluo"] = "iob2"
) -> list[str]:
    """Encode non-overlapping token spans as ``length`` tags."""
    tags = ["O"] * length
    previous_end = 0
    previous_label: str | None = None
    for start, end, label in sorted(spans):
        if not 0 <= start < end <= length:
            raise TagError(f"span {start}:{end} {label} is outside 0:{length}", index=start)
        if start < previous_end:
            raise TagError(f"span {start}:{end} {label} overlaps the span before it", index=start)
        if scheme == "biluo":
            if end - start == 1:
                tags[start] = f"U-{label}"
            else:
                tags[start : end - 1] = [f"I-{label}"] * (end - start - 1)
                tags[start] = f"B-{label}"
                tags[end - 1] = f"L-{label}"
        else:
            tags[start:end] = [f"I-{label}"] * (end - start)
            adjacent_same = start == previous_end and previous_label == label and start > 0
            if scheme == "iob2" or adjacent_same:
                tags[start] = f"B-{label}"
        previous_end, previous_label = end, label
    return tags
