"""UD 2.x / CorefUD ``Entity=`` bracket notation in the CoNLL-U MISC column.

``(`` opens a mention on its first word and ``ID)`` closes it on its last; ``(ID...)`` is a
one-word mention; brackets chain on a word for nesting, e.g. ``(4-object-new)6)``. The
text after ``(`` up to the first ``-`` is the entity (cluster) id, unique only within a
document, so every function here works on one document's words at a time. Positions are
word indices within that document; ``end`` is exclusive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_BRACKET = re.compile(r"\(([^()]+)(\))?|([^()]+)\)")


class EntityError(ValueError):
    """A malformed or unbalanced ``Entity=`` value; ``index`` is the word, when known."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.index = index


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention: words ``start:end`` of entity ``eid``; ``attrs`` is the opening bracket text."""

    eid: str
    start: int
    end: int
    attrs: str


@dataclass(frozen=True, slots=True)
class Bracket:
    """One bracket on a word: ``kind`` is "open", "close" or "single" (opens and closes)."""

    kind: str
    eid: str
    attrs: str


def entity_id(attrs: str) -> str:
    """The entity id of an opening bracket's text; a discontinuous part ``e1[1/2]`` is ``e1``."""
    return attrs.split("-", 1)[0].split("[", 1)[0]


def parse_brackets(value: str) -> list[Bracket]:
    """Split one word's ``Entity=`` value into its brackets, in order."""
    brackets: list[Bracket] = []
    position = 0
    for match in _BRACKET.finditer(value):
        if match.start() != position:
            break
        position = match.end()
        opened, closed_here, closer = match.groups()
        if opened is not None:
            kind = "single" if closed_here else "open"
            brackets.append(Bracket(kind, entity_id(opened), opened))
        else:
            brackets.append(Bracket("close", entity_id(closer), closer))
    if position != len(value) or not value:
        raise EntityError(f"Entity={value!r} is not bracket notation at character {position + 1}")
    return brackets


def mentions_from_values(values: Sequence[str | None]) -> list[Mention]:
    """Every mention of a document, from each word's ``Entity=`` value (None = no brackets).

    A closing bracket closes the most recent open mention of its id, so nested mentions of
    one entity pair up correctly. Mentions come back sorted by position.
    """
    open_mentions: dict[str, list[tuple[int, str]]] = {}
    mentions: list[Mention] = []
    for index, value in enumerate(values):
        if value is None:
            continue
        try:
            brackets = parse_brackets(value)
        except EntityError as error:
            raise EntityError(error.message, index=index) from error
        for bracket in brackets:
            if bracket.kind == "single":
                mentions.append(Mention(bracket.eid, index, index + 1, bracket.attrs))
            elif bracket.kind == "open":
                open_mentions.setdefault(bracket.eid, []).append((index, bracket.attrs))
            else:
                stack = open_mentions.get(bracket.eid)
                if not stack:
                    raise EntityError(f"{bracket.eid}) closes no open mention", index=index)
                start, attrs = stack.pop()
                mentions.append(Mention(bracket.eid, start, index + 1, attrs))
    for eid, stack in open_mentions.items():
        if stack:
            raise EntityError(f"mention ({eid} is never closed", index=stack[-1][0])
    mentions.sort(key=lambda mention: (mention.start, -mention.end))
    return mentions


def clusters_from_mentions(mentions: Iterable[Mention]) -> list[list[tuple[int, int]]]:
    """Group mentions by entity id: clusters in order of first mention, mentions in text order."""
    clusters: dict[str, list[tuple[int, int]]] = {}
    for mention in sorted(mentions, key=lambda mention: (mention.start, mention.end)):
        clusters.setdefault(mention.eid, []).append((mention.start, mention.end))
    return list(clusters.values())


def mentions_from_clusters(clusters: Iterable[Iterable[tuple[int, int]]]) -> list[Mention]:
    """Mentions with fresh ids ``e1``, ``e2``... in cluster order (no other attributes)."""
    return [
        Mention(f"e{number}", start, end, f"e{number}")
        for number, cluster in enumerate(clusters, start=1)
        for start, end in cluster
    ]


def format_values(mentions: Iterable[Mention], length: int) -> list[str | None]:
    """Each word's ``Entity=`` value for ``length`` words (None where no bracket falls).

    Per word: outer openings first, then one-word mentions, then closings from the inside
    out, which nests properly. A word where one mention closes and another multi-word
    mention opens (crossing mentions) puts the closings first, because ``(a`` followed by
    ``b)`` would read as the one-word mention ``(ab)``.
    """
    opening: list[list[Mention]] = [[] for _ in range(length)]
    single: list[list[Mention]] = [[] for _ in range(length)]
    closing: list[list[Mention]] = [[] for _ in range(length)]
    for mention in mentions:
        if not 0 <= mention.start < mention.end <= length:
            raise EntityError(f"mention {mention.start}:{mention.end} is outside 0:{length}")
        if mention.end - mention.start == 1:
            single[mention.start].append(mention)
        else:
            opening[mention.start].append(mention)
            closing[mention.end - 1].append(mention)
    values: list[str | None] = []
    for index in range(length):
        opens = "".join(f"({m.attrs}" for m in sorted(opening[index], key=lambda m: -m.end))
        singles = "".join(f"({m.attrs})" for m in single[index])
        closes = "".join(f"{m.eid})" for m in sorted(closing[index], key=lambda m: -m.start))
        crossing = opens and closes
        value = singles + closes + opens if crossing else opens + singles + closes
        values.append(value or None)
    return values
