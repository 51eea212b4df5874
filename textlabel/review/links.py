"""Consolidating coreference: chains become links (pairs of coreferent mentions), links are
voted on like spans, and the accepted links are joined back into chains.

A link is the statement "these two mentions corefer", so two annotators who built the same
entity in a different order agree on every link. Chains are rebuilt as connected components
of the accepted links; a mention no accepted link touches belongs to no chain (singletons
carry no coreference statement).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from textlabel.review.consolidation import MAJORITY, reaches_share

Mention = tuple[int, int]
Link = tuple[Mention, Mention]


@dataclass(frozen=True, slots=True)
class LinkCandidate:
    """Two mentions some annotators put in one chain (``a`` before ``b``), with the votes."""

    a: Mention
    b: Mention
    votes: int
    voters: tuple[str, ...]
    accepted: bool


def chain_links(chains: Iterable[Sequence[Sequence[int]]]) -> set[Link]:
    """Every pair of mentions that share a chain, each pair in text order."""
    links: set[Link] = set()
    for chain in chains:
        mentions = sorted({(int(m[0]), int(m[1])) for m in chain})
        links.update(combinations(mentions, 2))
    return links


def link_candidates(
    chains: Mapping[str, Sequence[Sequence[Sequence[int]]]], *, min_share: float = MAJORITY
) -> list[LinkCandidate]:
    """Every link any annotator made, with its votes and whether it reaches ``min_share``."""
    raters = len(chains)
    voters: dict[Link, list[str]] = {}
    for name in sorted(chains):
        for link in chain_links(chains[name]):
            voters.setdefault(link, []).append(name)
    return [
        LinkCandidate(a, b, len(names), tuple(names), reaches_share(len(names), raters, min_share))
        for (a, b), names in sorted(voters.items())
    ]


def chains_from_links(links: Iterable[Link]) -> list[list[Mention]]:
    """Connected components of the links, each sorted, in order of their first mention.

    Two mentions on exactly the same characters are one mention, so a component never holds
    a mention twice (the annotation service refuses that)."""
    parent: dict[Mention, Mention] = {}

    def root(m: Mention) -> Mention:
        while parent.setdefault(m, m) != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[Mention, list[Mention]] = {}
    for m in list(parent):
        groups.setdefault(root(m), []).append(m)
    return sorted((sorted(g) for g in groups.values()), key=lambda g: g[0])


def majority_chains(
    chains: Mapping[str, Sequence[Sequence[Sequence[int]]]], *, min_share: float = MAJORITY
) -> list[list[Mention]]:
    """The chains the accepted links make."""
    accepted = [(c.a, c.b) for c in link_candidates(chains, min_share=min_share) if c.accepted]
    return chains_from_links(accepted)
