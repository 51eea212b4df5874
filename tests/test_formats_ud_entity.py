"""UD 2.x Entity= brackets and the CoNLL-U MISC helpers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textlabel.formats.conllu_misc import (
    escape_spaces,
    gap_after,
    merge_misc,
    parse_misc,
    unescape_spaces,
)
from textlabel.formats.ud_entity import (
    EntityError,
    Mention,
    clusters_from_mentions,
    format_values,
    mentions_from_clusters,
    mentions_from_values,
    parse_brackets,
)


def independent_mentions(values: list[str | None]) -> set[tuple[str, int, int]]:
    """A second reading: openings and closings found by regex, paired per id innermost-first."""
    open_at: dict[str, list[int]] = {}
    found: set[tuple[str, int, int]] = set()
    for index, value in enumerate(values):
        for single, opening, closing in re.findall(
            r"\(([^-()]+)[^()]*\)|\(([^-()]+)[^()]*|([^()]+)\)", value or ""
        ):
            if single:
                found.add((single, index, index + 1))
            elif opening:
                open_at.setdefault(opening, []).append(index)
            else:
                found.add((closing, open_at[closing].pop(), index + 1))
    return found


def test_gum_style_chain_and_nesting() -> None:
    values = [
        "(1-organization-new-sssss-cf2-1-coref-NASA)",
        None,
        "(2-event-new-snsnn-cf3-2-coref",
        None,
        "(3-event-new",
        "(4-object-new)",
        "3)2)",
        "(175-time-giv:inact-nnnnn-cf5-1-coref)189)188)",
    ]
    values[5] = "(4-object-new-snsnn-cf1-1-coref)"
    values[1] = "(188-x(189-y"
    mentions = mentions_from_values(values)
    spans = {(m.eid, m.start, m.end) for m in mentions}
    assert spans == {
        ("1", 0, 1),
        ("188", 1, 8),
        ("189", 1, 8),
        ("2", 2, 7),
        ("3", 4, 7),
        ("4", 5, 6),
        ("175", 7, 8),
    }
    assert spans == independent_mentions(values)
    assert next(m for m in mentions if m.eid == "1").attrs.endswith("coref-NASA")


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        (["(1-x", None], "never closed"),
        (["1)"], "closes no open mention"),
        (["(1-x((2"], "not bracket notation"),
        ([""], "not bracket notation"),
    ],
)
def test_unbalanced_or_malformed_brackets(values, fragment) -> None:
    with pytest.raises(EntityError, match=re.escape(fragment)):
        mentions_from_values(values)


def test_parse_brackets_kinds() -> None:
    kinds = [(b.kind, b.eid) for b in parse_brackets("(4-object)6)(e7[1/2]-person")]
    assert kinds == [("single", "4"), ("close", "6"), ("open", "e7")]


def test_crossing_mentions_close_before_they_open() -> None:
    # (a)b) would read as one mention: a word where one closes and another opens.
    mentions = [Mention("e1", 0, 2, "e1"), Mention("e2", 1, 3, "e2")]
    values = format_values(mentions, 3)
    assert values[1] == "e1)(e2"
    assert {(m.eid, m.start, m.end) for m in mentions_from_values(values)} == {
        ("e1", 0, 2),
        ("e2", 1, 3),
    }


@st.composite
def clusters(draw: st.DrawFn) -> tuple[int, list[list[tuple[int, int]]]]:
    """Random clusters; one cluster's mentions never cross (the notation cannot say which
    of two crossing mentions of one entity a closing bracket ends)."""
    length = draw(st.integers(1, 20))
    ranges = st.tuples(st.integers(0, length - 1), st.integers(1, 4)).map(
        lambda pair: (pair[0], min(length, pair[0] + pair[1]))
    )
    out: list[list[tuple[int, int]]] = []
    for _ in range(draw(st.integers(0, 5))):
        cluster: list[tuple[int, int]] = []
        for start, end in draw(st.lists(ranges, min_size=1, max_size=4, unique=True)):
            crosses = any(s < start < e < end or start < s < end < e for s, e in cluster)
            if not crosses:
                cluster.append((start, end))
        out.append(sorted(cluster))
    return length, out


@settings(max_examples=100, deadline=None)
@given(clusters())
def test_clusters_round_trip_through_brackets(case) -> None:
    length, wanted = case
    values = format_values(mentions_from_clusters(wanted), length)
    read_back = clusters_from_mentions(mentions_from_values(values))
    assert {frozenset(c) for c in read_back} == {frozenset(c) for c in wanted}
    expected = {(f"e{n}", s, e) for n, c in enumerate(wanted, 1) for s, e in c}
    assert independent_mentions(values) == expected


@pytest.mark.parametrize(
    ("misc", "gap"),
    [
        ("_", " "),
        ("SpaceAfter=No", ""),
        ("A=1|SpaceAfter=No|Z=2", ""),
        ("SpacesAfter=\\s\\s", "  "),
        ("SpacesAfter=\\u00A0", "\u00a0"),
        ("SpacesAfter=\\n\\t\\p\\\\", "\n\t|\\"),
    ],
)
def test_spaces_after(misc: str, gap: str) -> None:
    assert gap_after(parse_misc(misc)) == gap
    if gap not in ("", " "):
        assert unescape_spaces(escape_spaces(gap)) == gap


@pytest.mark.parametrize(
    ("raw", "updates", "expected"),
    [
        (None, {"SpaceAfter": "No"}, "SpaceAfter=No"),
        ("_", {"SpaceAfter": None}, "_"),
        ("Tmp=Yes|SpaceAfter=No", {"SpaceAfter": "No"}, "Tmp=Yes|SpaceAfter=No"),
        (
            "Discourse=x|MSeg=a-b|XML=<p>",
            {"Entity": "(1)", "SpaceAfter": "No"},
            "Discourse=x|Entity=(1)|MSeg=a-b|SpaceAfter=No|XML=<p>",
        ),
        ("Entity=(1)|SpaceAfter=No", {"Entity": None, "SpaceAfter": None}, "_"),
        ("Flag|B=1", {"NE": "B-PER"}, "Flag|B=1|NE=B-PER"),
    ],
)
def test_merge_misc_keeps_order_and_verbatim_items(raw, updates, expected) -> None:
    assert merge_misc(raw, updates) == expected
