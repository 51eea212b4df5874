"""Consolidating several annotators' work into one draft: what enough of them agree on.

Pure functions over plain tuples. A span is accepted when the share of annotators who made
exactly it (same start, end and label) reaches ``min_share``; with the default (majority)
that is more than half. Overlapping accepted spans cannot arise under a strict majority
(each annotator's own spans never overlap); under a lower share the better-supported span
wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

SpanKey = tuple[int, int, str]
MAJORITY = 0.5


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span some annotators made, with who voted for it."""

    start: int
    end: int
    label: str
    votes: int
    voters: tuple[str, ...]
    accepted: bool


_Item = TypeVar("_Item", bound=Hashable)


def reaches_share(votes: int, raters: int, min_share: float) -> bool:
    """Whether ``votes`` of ``raters`` is enough under ``min_share``."""
    # Majority (0.5) means strictly more than half; any other share is "at least".
    share = votes / raters
    return share > min_share if min_share == MAJORITY else share >= min_share


def span_candidates(
    annotations: Mapping[str, Sequence[SpanKey]], *, min_share: float = MAJORITY
) -> list[Candidate]:
    """Every distinct span with its votes, and whether it is accepted, in text order."""
    raters = len(annotations)
    voters: dict[SpanKey, list[str]] = {}
    for name in sorted(annotations):
        for key in set(annotations[name]):
            voters.setdefault(key, []).append(name)
    ranked = sorted(voters.items(), key=lambda item: (-len(item[1]), item[0]))
    taken: list[SpanKey] = []
    accepted: set[SpanKey] = set()
    for key, names in ranked:
        supported = raters and reaches_share(len(names), raters, min_share)
        if supported and all(key[1] <= other[0] or other[1] <= key[0] for other in taken):
            taken.append(key)
            accepted.add(key)
    return [
        Candidate(key[0], key[1], key[2], len(names), tuple(names), key in accepted)
        for key, names in sorted(voters.items())
    ]


def majority_spans(
    annotations: Mapping[str, Sequence[SpanKey]], *, min_share: float = MAJORITY
) -> list[SpanKey]:
    """The accepted spans only."""
    return [
        (c.start, c.end, c.label)
        for c in span_candidates(annotations, min_share=min_share)
        if c.accepted
    ]


def majority_items(
    chosen: Sequence[Collection[_Item]], *, min_share: float = MAJORITY
) -> list[_Item]:
    """What enough annotators chose (relations, document labels, span categories), in the
    order first seen: each annotator's collection is one vote per item."""
    counts = Counter(item for items in chosen for item in dict.fromkeys(items))
    return [item for item, n in counts.items() if reaches_share(n, len(chosen), min_share)]


def majority_tags(
    tags: Sequence[Sequence[str | None]], fallback: Sequence[str | None] | None = None,
    *, min_share: float = MAJORITY,
) -> list[str | None]:  # fmt: skip
    """Per token, the tag enough annotators chose, else the fallback (the prediction)."""
    length = max((len(t) for t in tags), default=len(fallback or []))
    out: list[str | None] = []
    for index in range(length):
        column = [t[index] for t in tags if index < len(t) and t[index] is not None]
        best = Counter(column).most_common(1)
        if best and reaches_share(best[0][1], len(tags), min_share):
            out.append(best[0][0])
        else:
            out.append(fallback[index] if fallback and index < len(fallback) else None)
    return out


@dataclass(frozen=True, slots=True)
class TagCandidate:
    """One token the annotators tagged differently: each tag with who chose it, and the
    tag the consolidation keeps (``None`` when no tag reached the share)."""

    index: int
    votes: dict[str, tuple[str, ...]]
    accepted: str | None


def tag_candidates(
    tags: Mapping[str, Sequence[str | None]], *, min_share: float = MAJORITY
) -> list[TagCandidate]:
    """The tokens where annotators' tags differ (``None`` = no tag), in token order."""
    raters = len(tags)
    names = sorted(tags)
    length = max((len(tags[name]) for name in names), default=0)
    out: list[TagCandidate] = []
    for index in range(length):
        chosen = {name: tags[name][index] if index < len(tags[name]) else None for name in names}
        if len(set(chosen.values())) <= 1:
            continue
        votes: dict[str, list[str]] = {}
        for name, tag in chosen.items():
            if tag is not None:
                votes.setdefault(tag, []).append(name)
        ranked = sorted(votes.items(), key=lambda item: (-len(item[1]), item[0]))
        best = ranked[0] if ranked else None
        accepted = best[0] if best and reaches_share(len(best[1]), raters, min_share) else None
        out.append(TagCandidate(index, {tag: tuple(v) for tag, v in ranked}, accepted))
    return out
