"""Consolidation (pure): spans, POS tags and coreference links under a share of votes,
checked on hand-made cases and against brute-force and scipy reference implementations."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from textlabel.agreement.stats import DocumentAnnotations
from textlabel.review.consolidation import (
    majority_spans,
    majority_tags,
    span_candidates,
    tag_candidates,
)
from textlabel.review.draft import draft_document
from textlabel.review.links import chain_links, chains_from_links, link_candidates, majority_chains

A = (0, 5, "PER")
B = (10, 15, "ORG")
C = (10, 15, "LOC")


@pytest.mark.parametrize(
    ("annotations", "min_share", "accepted"),
    [
        ({"x": [A], "y": [A], "z": []}, 0.5, [A]),  # 2 of 3: a majority
        ({"x": [A], "y": [], "z": []}, 0.5, []),  # 1 of 3
        ({"x": [A], "y": []}, 0.5, []),  # 1 of 2 is not more than half
        ({"x": [A], "y": [A], "z": []}, 1.0, []),  # unanimity
        ({"x": [A], "y": [A], "z": [A]}, 1.0, [A]),
        ({"x": [B], "y": [C], "z": [B]}, 0.5, [B]),  # same offsets, label decided by votes
        ({"x": [B], "y": [C]}, 0.5, []),  # a tie accepts neither
        ({"x": [B], "y": [C], "z": [C]}, 1 / 3, [C]),  # low share: overlap -> better supported
        ({}, 0.5, []),
    ],
)
def test_span_acceptance(annotations, min_share, accepted) -> None:
    assert majority_spans(annotations, min_share=min_share) == accepted


def _reaches(votes: int, raters: int, share: float) -> bool:
    # Reference rule in exact arithmetic: majority is strictly more than half.
    exact = Fraction(votes, raters)
    return exact > Fraction(1, 2) if share == 0.5 else exact >= Fraction(share).limit_denominator()


spans_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(1, 3), st.sampled_from(["PER", "ORG"])), max_size=4
).map(lambda xs: [(s, s + n, label) for s, n, label in xs])


def _non_overlapping(spans: list) -> list:
    kept: list = []
    for span in sorted(set(spans)):
        if all(span[1] <= k[0] or k[1] <= span[0] for k in kept):
            kept.append(span)
    return kept


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcde"), spans_strategy.map(_non_overlapping), max_size=5),
    st.sampled_from([0.5, 1.0]),
)
def test_span_votes_match_brute_force(annotations, min_share) -> None:
    candidates = span_candidates(annotations, min_share=min_share)
    counted = Counter(key for spans in annotations.values() for key in set(spans))
    assert {(c.start, c.end, c.label): c.votes for c in candidates} == dict(counted)
    for c in candidates:
        assert set(c.voters) == {
            n for n, s in annotations.items() if (c.start, c.end, c.label) in s
        }
        # Under a strict majority or unanimity no two supported spans overlap, so the share
        # alone decides.
        assert c.accepted == _reaches(c.votes, len(annotations), min_share)


@pytest.mark.parametrize(
    ("tags", "min_share", "disputed", "consolidated"),
    [
        ({"x": ["NOUN", "VERB"], "y": ["NOUN", "VERB"]}, 0.5, {}, ["NOUN", "VERB"]),
        ({"x": ["NOUN", "VERB"], "y": ["NOUN", "NOUN"], "z": ["NOUN", "NOUN"]}, 0.5,
         {1: "NOUN"}, ["NOUN", "NOUN"]),
        ({"x": ["NOUN", "VERB"], "y": ["NOUN", "NOUN"], "z": ["NOUN", "NOUN"]}, 1.0,
         {1: None}, ["NOUN", "AUX"]),  # no unanimity: the prediction stands
        ({"x": ["ADJ"], "y": ["NOUN"]}, 0.5, {0: None}, ["AUX"]),
    ],
)  # fmt: skip
def test_tags(tags, min_share, disputed, consolidated) -> None:
    candidates = tag_candidates(tags, min_share=min_share)
    assert {t.index: t.accepted for t in candidates} == disputed
    fallback = ["AUX"] * len(next(iter(tags.values())))
    assert majority_tags(list(tags.values()), fallback, min_share=min_share) == consolidated


def test_tag_candidate_votes_name_the_annotators() -> None:
    (only,) = tag_candidates({"x": ["NOUN"], "y": ["VERB"], "z": ["NOUN"]})
    assert only.votes == {"NOUN": ("x", "z"), "VERB": ("y",)} and only.accepted == "NOUN"


def test_links_ignore_chain_order_and_rebuild_chains() -> None:
    m1, m2, m3, m4 = (0, 3), (10, 12), (20, 23), (30, 33)
    chains = {
        "x": [[m3, m1, m2]],  # one entity, listed in any order
        "y": [[m1, m2, m3]],
        "z": [[m1, m2], [m3, m4]],
    }
    votes = {(c.a, c.b): c.votes for c in link_candidates(chains)}
    assert votes == {(m1, m2): 3, (m1, m3): 2, (m2, m3): 2, (m3, m4): 1}
    assert majority_chains(chains) == [[m1, m2, m3]]
    assert majority_chains(chains, min_share=1.0) == [[m1, m2]]


chain_strategy = st.lists(
    st.lists(st.integers(0, 12), min_size=1, max_size=4, unique=True), max_size=4
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.integers(0, 12)), max_size=15))
def test_chains_from_links_are_scipy_components(pairs) -> None:
    links = [((a, a + 1), (b, b + 1)) for a, b in pairs if a != b]
    ours = chains_from_links(links)
    nodes = sorted({m for link in links for m in link})
    index = {m: i for i, m in enumerate(nodes)}
    rows = [index[a] for a, _ in links]
    cols = [index[b] for _, b in links]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(nodes), len(nodes)))
    _, labels = connected_components(graph, directed=False)
    expected = sorted(
        (sorted(m for m in nodes if labels[index[m]] == k) for k in set(labels.tolist())),
        key=lambda g: g[0],
    )
    assert ours == expected


def test_chain_links_are_all_pairs() -> None:
    assert chain_links([[(5, 6), (0, 1), (2, 3)]]) == {
        ((0, 1), (2, 3)), ((0, 1), (5, 6)), ((2, 3), (5, 6))
    }  # fmt: skip


TOKENS = [(0, 4), (5, 9), (10, 14), (15, 19)]


def _doc(spans=None, pos=None, coref=None) -> DocumentAnnotations:
    return DocumentAnnotations(
        doc_id=1, tokens=TOKENS, spans=spans or {}, pos=pos or {}, coref=coref or {}
    )


def test_draft_of_complete_agreement_is_unanimous_with_score_one() -> None:
    same = [(0, 9, "PER")]
    draft = draft_document(_doc(spans={"x": same, "y": same, "z": same}), layers=["entities"])
    assert draft.unanimous and draft.score == 1.0 and draft.disputed == 0
    assert draft.gold_payload().to_json(scores=False)["spans"] == [
        {"start": 0, "end": 9, "label": "PER"}
    ]


def test_draft_of_nothing_marked_is_unanimous() -> None:
    draft = draft_document(_doc(spans={"x": [], "y": []}), layers=["entities"])
    assert draft.unanimous and draft.score == 1.0


def test_draft_score_is_lowest_layer_and_disputes_are_counted() -> None:
    spans = {"x": [(0, 4, "PER")], "y": [(0, 4, "PER")], "z": [(10, 14, "ORG")]}
    pos = {"x": ["NOUN"] * 4, "y": ["NOUN"] * 4, "z": ["NOUN"] * 4}
    draft = draft_document(_doc(spans=spans, pos=pos), layers=["entities", "pos"])
    assert not draft.unanimous
    # Span F1 pooled over the three pairs: 1 match of (1+1)... recomputed by hand:
    # pairs x-y: tp 1 of 1/1; x-z: 0 of 1/1; y-z: 0 of 1/1 -> 2*1 / (3 + 3) = 1/3.
    assert draft.score == pytest.approx(1 / 3)
    assert draft.disputed == 2 and draft.disputed_labels == ["ORG", "PER"]
    assert draft.gold_payload().to_json(scores=False)["spans"] == [
        {"start": 0, "end": 4, "label": "PER"}
    ]


def test_draft_leaves_out_layers_the_project_lacks() -> None:
    draft = draft_document(
        _doc(spans={"x": [(0, 4, "PER")], "y": []}, coref={"x": [[(0, 4), (5, 9)]], "y": []}),
        layers=["coref"],
    )
    assert draft.spans == [] and [(c.a, c.b, c.votes) for c in draft.links] == [((0, 4), (5, 9), 1)]
    assert not draft.unanimous and draft.coref == []
