"""The faster affix searches (``textlabel.ingest.affix_search``) find exactly the matches of
spaCy's own (the same spans, or none) on every string spaCy may ask about in the
repository's texts, on made-up strings of the characters its rules turn on, and on
patterns built to trip them; patterns they cannot read keep the originals."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from textlabel.ingest.affix_search import (
    faster_infix_finditer,
    faster_prefix_search,
    faster_suffix_search,
    infix_search,
)
from textlabel.nlp.pipeline import blank_english

DATA = Path(__file__).parent / "data"
TEXT_FILES = ("*.conll", "*.conllu", "*.csv", "*.iob", "*.iob2", "*.json", "*.jsonl", "*.tsv",
              "*.txt", "*.ann", "*.md", "*.html", "*.xml", "*.annotated")  # fmt: skip
KINDS: dict[str, tuple[str, Any]] = {
    "suffix": ("suffix_search", faster_suffix_search),
    "prefix": ("prefix_search", faster_prefix_search),
    "infix": ("infix_finditer", faster_infix_finditer),
}


def _chunks() -> list[str]:
    """Every whitespace-delimited chunk of the repository's text files."""
    chunks: set[str] = set()
    for glob in TEXT_FILES:
        for path in DATA.rglob(glob):
            chunks.update(path.read_text(encoding="utf-8", errors="replace").split())
    return sorted(chunks)


def _spans(function: Callable[[str], Any], kind: str, strings: list[str]) -> list[Any]:
    if kind == "infix":
        return [[match.span() for match in function(string)] for string in strings]
    return [None if (match := function(string)) is None else match.span() for string in strings]


def _differ(original: Any, fast: Any, kind: str, strings: list[str]) -> list[str]:
    want, got = _spans(original, kind, strings), _spans(fast, kind, strings)
    return [s for s, w, g in zip(strings, want, got, strict=True) if w != g]


@pytest.fixture(scope="module")
def pieces() -> list[str]:
    """spaCy asks about a chunk less its prefixes and suffixes: every chunk, and every
    piece of a chunk of up to 16 characters (a newline after some, as in a joined Doc)."""
    chunks = _chunks()
    assert len(chunks) > 20_000
    found = set(chunks)
    for chunk in chunks:
        if len(chunk) <= 16:
            ends = range(1, len(chunk) + 1)
            found.update(chunk[i:j] for j in ends for i in range(j))
    return sorted(found) + [chunk + "\n" for chunk in chunks[:5000]]


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_piece_of_the_repositorys_texts(kind: str, pieces: list[str]) -> None:
    name, faster = KINDS[kind]
    original = getattr(blank_english().tokenizer, name)
    fast = faster(original)
    assert fast is not original  # English's rules are read: the faster search is used
    assert _differ(original, fast, kind, pieces) == []
    if kind == "infix":  # the first match or none, as the cache asks of a word of letters
        firsts = [spans[0] if spans else None for spans in _spans(original, kind, pieces)]
        first: Any = infix_search(fast)
        assert _spans(first, "first", pieces) == firsts


@pytest.mark.parametrize("kind", list(KINDS))
def test_made_up_strings_of_the_characters_the_rules_turn_on(kind: str) -> None:
    name, faster = KINDS[kind]
    original = getattr(blank_english().tokenizer, name)
    alphabet = list(".5aAsSkm²°C$U\n)—…+%’'\"x/h(#,-:") + ["US$", "km", "'s", "..", "\u3002"]
    rng = random.Random(13)
    sizes = [rng.randint(0, 9) for _ in range(30_000)]
    strings = ["".join(rng.choice(alphabet) for _ in range(size)) for size in sizes]
    assert _differ(original, faster(original), kind, strings) == []


TRIPS = [
    ("suffix", r"x+$|xy$|y$|\.\.+$|a\.$"),  # unbounded rules before bounded ones, same ends
    ("suffix", r"(?<=[0-9])(?:km|m|kg)$|m$|(?<=k)m$|\.+$"),  # lookbehinds, twins
    ("suffix", r"[a-c]{1,3}$|(?:ab|b)c?$|c$"),  # a rule whose last character may vary
    ("suffix", r"(?:a|bc)+$|b$"),
    ("prefix", r"^a|^(?:b|c)x?|^\.+"),
    ("prefix", r"^(?:a?b|c)"),
    ("infix", r"(?<=[a-z])\.(?=[A-Z])|x+|(?:ab)?c"),
]


@pytest.mark.parametrize(("kind", "pattern"), TRIPS)
def test_patterns_built_to_trip_them(kind: str, pattern: str) -> None:
    compiled = re.compile(pattern)
    original = compiled.finditer if kind == "infix" else compiled.search
    fast = KINDS[kind][1](original)
    assert fast is not original
    rng = random.Random(pattern)
    sizes = [rng.randint(0, 8) for _ in range(20_000)]
    strings = ["".join(rng.choice("abcxykmA.05\n") for _ in range(size)) for size in sizes]
    assert _differ(original, fast, kind, strings) == []


UNREADABLE = [
    ("suffix", r"\w$|\.$"), ("suffix", r"(?i)a$|b$"), ("suffix", r"a?$|b$"), ("suffix", r"a$|b"),
    ("suffix", r"(a)$|b$"), ("suffix", r"(?m)a$|b$"), ("suffix", r"[^a]$|b$"),
    ("prefix", r"^a|b"), ("prefix", r"^a?"), ("prefix", r"^\d"), ("infix", r"a|(?=b)"),
    ("infix", r"(?i)a"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "pattern"), UNREADABLE)
def test_what_they_cannot_read_keeps_the_original(kind: str, pattern: str) -> None:
    compiled = re.compile(pattern)
    original = compiled.finditer if kind == "infix" else compiled.search
    assert KINDS[kind][1](original) is original
