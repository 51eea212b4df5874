"""spaCy's affix searches, exact and faster: the same matches for every string.

Learning a chunk such as ``(#12345)`` (each bench text's one-off) took some 40 us, a third
of it in spaCy's suffix search: one alternation of every suffix rule, each ending in ``$``
(English: 82 alternatives), which ``search`` tries at every position of the string, each
try some 0.8 us (one alternative's large character class, the lookbehinds). Yet every
match of such a rule ends at the end of the string and so with its last character: only
the rules whose matches may end with that character can match at all, and a string
ending with a character none may end with has no suffix. So the suffix search looks at
the last character, and runs the alternation of just the rules that may end with it (in
their order: the same leftmost match), from as far before the end as the widest of them
reaches. A string ending in a newline (``$`` also matches before it) gets the original.

The same reading gives the characters a match may begin with: a prefix rule (anchored
with ``^``) matches only if the string begins with one, and an infix rule only if the
string holds one (none of English's infixes begins with a letter: words of letters, most
new chunks of real text, need no infix search at all).

Whatever a pattern holds that this cannot read (a case-blind flag, a class such as
``\\w``, a rule that may match nothing, groups), the original is kept, and each faster
search is checked against the original on a few strings at start-up. It reads patterns
with ``re``'s own parser (``re._parser``, internal: a Python it does not fit keeps the
originals). ``tests/test_affix_search.py`` compares them on the repository's texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

Search = Callable[[str], "re.Match[str] | None"]
Finditer = Callable[[str], Iterator["re.Match[str]"]]
F = TypeVar("F", Search, Finditer, Search | None, Finditer | None)

_PROBES = (
    "", "\n", "a", ".", "..", "...", "a..", "a...\n", "(#12345)", "#12345)", "12345", "word,",
    "end.", "it's", "IT'S", "it’s", "5km", "10km²", "10$", "US$", "5US$", "5°C.", "U.S.",
    "Inc.", "x\n", "x's\n", "a..\n", "—", "--", "“quoted”", "(a)", "[1]", "5+", "p.m.",
    "a-b", "a/b", "1-2", "e.g.", "a,b", "Hello", "$5", "(\"a", "«a»", "a...b", "'a", "x:y",
)  # fmt: skip
"""Strings each faster search and its original answer at start-up: any difference keeps
the original."""


def faster_suffix_search(search: Search | None) -> Search | None:
    """An exact and faster equivalent of ``search`` (a compiled pattern's ``search`` of
    rules that each end in ``$``: spaCy's ``suffix_search``), or ``search`` itself."""
    pattern = _pattern_of(search, "search")
    return _checked(search, _suffixes, pattern, _spans_of_search)


def faster_prefix_search(search: Search | None) -> Search | None:
    """``search`` (of rules anchored with ``^``: spaCy's ``prefix_search``) asked only of
    strings that begin with a character a match may begin with, or ``search`` itself."""
    pattern = _pattern_of(search, "search")
    return _checked(search, _prefixes, pattern, _spans_of_search)


def faster_infix_finditer(finditer: Finditer | None) -> Finditer | None:
    """``finditer`` (spaCy's ``infix_finditer``) asked only of strings that hold a character
    a match may begin with, or ``finditer`` itself; the original is its ``__wrapped__``."""
    pattern = _pattern_of(finditer, "finditer")
    return _checked(finditer, _infixes, pattern, _spans_of_finditer)


def infix_search(finditer: Finditer | None) -> Search | None:
    """The first match of ``finditer`` (or of the original it wraps) or None, by the
    pattern's own ``search`` (no iterator a string) and the same filter."""
    finditer = getattr(finditer, "__wrapped__", finditer)
    pattern = _pattern_of(finditer, "finditer")
    if pattern is None:
        if finditer is None:
            return None
        return lambda text: next(iter(finditer(text)), None)
    begins = _begins(pattern, anchored=False)
    search = pattern.search
    if begins is None:
        return search
    return lambda text: None if begins.isdisjoint(text) else search(text)


def _pattern_of(function: Any, name: str) -> re.Pattern[str] | None:
    pattern = getattr(function, "__self__", None)
    if isinstance(pattern, re.Pattern) and function == getattr(pattern, name):
        return pattern
    return None


def _spans_of_search(search: Any, text: str) -> Any:
    match = search(text)
    return None if match is None else match.span()


def _spans_of_finditer(finditer: Any, text: str) -> Any:
    return [match.span() for match in finditer(text)]


def _checked(original: F, build: Any, pattern: re.Pattern[str] | None, spans: Any) -> F:
    if pattern is None:
        return original
    try:
        fast = build(pattern)
    except Exception:  # re's parser is internal: a Python it does not fit keeps the original
        return original
    if fast is None:
        return original
    if any(spans(original, probe) != spans(fast, probe) for probe in _PROBES):
        return original
    fast.__wrapped__ = original
    return fast  # type: ignore[no-any-return]


def _readable(pattern: re.Pattern[str]) -> bool:
    return not pattern.flags & (re.IGNORECASE | re.MULTILINE) and not pattern.groups


def _begins(pattern: re.Pattern[str], *, anchored: bool) -> frozenset[str] | None:
    """The characters a match of ``pattern`` may begin with (for ``anchored``, only if
    every match begins at the string's start), or None if this cannot tell."""
    from re import _constants, _parser  # type: ignore[attr-defined]

    c: Any = _constants

    if not _readable(pattern):
        return None
    data = list(_parser.parse(pattern.pattern, pattern.flags).data)
    if anchored:
        if data[:1] == [(c.AT, c.AT_BEGINNING)]:
            data = data[1:]
        elif len(data) == 1 and data[0][0] is c.BRANCH:
            if any(branch.data[:1] != [(c.AT, c.AT_BEGINNING)] for branch in data[0][1][1]):
                return None
        else:
            return None
    chars, empty = _edge(data, c, last=False)
    return None if chars is None or empty else frozenset(chars)


def _prefixes(pattern: re.Pattern[str]) -> Search | None:
    begins = _begins(pattern, anchored=True)
    if begins is None:
        return None
    search = pattern.search
    return lambda text: search(text) if text and text[0] in begins else None


def _infixes(pattern: re.Pattern[str]) -> Finditer | None:
    begins = _begins(pattern, anchored=False)
    if begins is None:
        return None
    finditer = pattern.finditer
    return lambda text: iter(()) if begins.isdisjoint(text) else finditer(text)


def _suffixes(pattern: re.Pattern[str]) -> Search | None:
    from re import _compiler, _constants, _parser  # type: ignore[attr-defined]

    c: Any = _constants

    if not _readable(pattern):
        return None
    tree = _parser.parse(pattern.pattern, pattern.flags)
    if len(tree.data) == 1 and tree.data[0][0] is c.BRANCH:
        alternatives = list(tree.data[0][1][1])
    else:
        alternatives = [tree]
    ends: list[frozenset[str]] = []  # per alternative: the characters its matches may end with
    for alternative in alternatives:
        if not alternative.data or alternative.data[-1] != (c.AT, c.AT_END):
            return None  # it might end before the end
        chars, empty = _edge(alternative.data, c, last=True)
        if chars is None or empty:
            return None
        ends.append(frozenset(chars))
    every_end = frozenset().union(*ends)
    by_last: dict[str, Any] = {}
    full = pattern.search

    def searcher(last: str) -> Any:
        """The search of the alternatives whose matches may end with ``last``, in order."""
        items = [a for a, chars in zip(alternatives, ends, strict=True) if last in chars]
        data = [(c.BRANCH, (None, items))] if len(items) > 1 else list(items[0].data)
        search = _compiler.compile(_parser.SubPattern(tree.state, data), pattern.flags).search
        widest = max(item.getwidth()[1] for item in items)
        if widest < c.MAXREPEAT:  # no match starts further than ``widest`` from the end
            whole = search

            def search(text: str) -> Any:
                return whole(text, max(0, len(text) - widest))

        by_last[last] = search
        return search

    def suffix_search(text: str) -> Any:
        if not text or text[-1] == "\n":  # $ may match before that newline: the full search
            return full(text)
        last = text[-1]
        if last not in every_end:
            return None
        return (by_last.get(last) or searcher(last))(text)

    return suffix_search


def _edge(items: Any, c: Any, *, last: bool) -> tuple[set[str] | None, bool]:
    """The characters a match of the sequence ``items`` (re's parsed form) may begin with
    (``last``: end with), and whether it may match nothing; None where this cannot tell."""
    found: set[str] = set()
    for op, value in reversed(items) if last else items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.AT):
            continue  # consumes nothing
        if op is c.LITERAL:
            found.add(chr(value))
            return found, False
        if op is c.IN:
            chars = _class(value, c)
            if chars is None:
                return None, False
            return found | chars, False
        if op is c.SUBPATTERN:
            _, add_flags, _, inner = value
            if add_flags & re.IGNORECASE:
                return None, False
            more, empty = _edge(inner.data, c, last=last)
        elif op is c.ATOMIC_GROUP:
            more, empty = _edge(value.data, c, last=last)
        elif op is c.BRANCH:
            more, empty = set(), False
            for branch in value[1]:
                chars, branch_empty = _edge(branch.data, c, last=last)
                if chars is None:
                    return None, False
                more |= chars
                empty = empty or branch_empty
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _, inner = value
            more, empty = _edge(inner.data, c, last=last)
            empty = empty or low == 0
        else:
            return None, False
        if more is None:
            return None, False
        found |= more
        if not empty:
            return found, False
    return found, True


_MOST = 200_000
"""Characters a class may name before it is left alone (English's largest: a few thousand)."""


def _class(items: Any, c: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, value in items:
        if op is c.LITERAL:
            chars.add(chr(value))
        elif op is c.RANGE and value[1] - value[0] < _MOST:
            chars.update(map(chr, range(value[0], value[1] + 1)))
        else:  # NEGATE, CATEGORY (\w, \d...), anything else: not read
            return None
        if len(chars) > _MOST:
            return None
    return chars
