"""Consolidating relations, document labels and span categories: candidates with votes.

Pure, over the agreement package's ``DocumentAnnotations``. Each distinct item some
annotator made is a candidate whose votes are the annotators who made it, accepted by the
same share rule as entity spans (``consolidation.reaches_share``):

- a relation (head, child, label) is accepted when it reaches the share *and* both its ends
  are accepted entities (gold cannot hold a relation between entities it lacks);
- a document label is accepted when enough annotators chose it; in single-choice projects
  only the best supported one (then the first in the project's order);
- a span category is accepted when it reaches the share; under the overlap policy "none"
  an accepted span that would overlap a better supported one is not.

``key`` is the candidate's name in ``gold.info["decisions"]``.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from textlabel.agreement.stats import DocumentAnnotations, Relation
from textlabel.review.consolidation import MAJORITY, reaches_share, span_candidates


@dataclass(frozen=True, slots=True)
class ItemCandidate:
    """One relation, document label or span category with who made it."""

    kind: str  # "relation", "cat" or "spancat"
    item: tuple[Any, ...]  # (head start, end, child start, end, label) / (label,) / (s, e, label)
    votes: int
    voters: tuple[str, ...]
    accepted: bool

    @property
    def key(self) -> str:
        return ":".join([self.kind, *(str(part) for part in self.item)])

    def as_json(self) -> dict[str, Any]:
        """The API's shape: the item as the payload writes it, with votes and voters."""
        out: dict[str, Any]
        if self.kind == "relation":
            hs, he, cs, ce, label = self.item
            out = {"head": {"start": hs, "end": he}, "child": {"start": cs, "end": ce},
                   "label": label}  # fmt: skip
        elif self.kind == "cat":
            out = {"label": self.item[0]}
        else:
            out = {"start": self.item[0], "end": self.item[1], "label": self.item[2]}
        return {**out, "key": self.key, "votes": self.votes, "voters": list(self.voters),
                "accepted": self.accepted}  # fmt: skip


def _voters(annotations: Mapping[str, Collection[Hashable]]) -> dict[Any, list[str]]:
    out: dict[Any, list[str]] = {}
    for name in sorted(annotations):
        for item in dict.fromkeys(annotations[name]):
            out.setdefault(item, []).append(name)
    return out


def relation_candidates(
    relations: Mapping[str, Sequence[Relation]],
    entities: Collection[tuple[int, int]],
    *,
    min_share: float = MAJORITY,
) -> list[ItemCandidate]:
    """Relations with their votes; ``entities`` are the accepted entities' offsets."""
    raters = len(relations)
    out = []
    for item, names in sorted(_voters(relations).items()):
        ends = (item[0], item[1]) in entities and (item[2], item[3]) in entities
        ok = ends and reaches_share(len(names), raters, min_share)
        out.append(ItemCandidate("relation", tuple(item), len(names), tuple(names), ok))
    return out


def cat_candidates(
    cats: Mapping[str, Sequence[str]],
    *,
    categories: Sequence[str] = (),
    single: bool = False,
    min_share: float = MAJORITY,
) -> list[ItemCandidate]:
    """Document labels someone chose, in the project's order, with their votes."""
    raters = len(cats)
    voters = _voters({name: [(c,) for c in chosen] for name, chosen in cats.items()})
    order = {c: i for i, c in enumerate(categories)}
    ranked = sorted(voters.items(), key=lambda kv: (order.get(kv[0][0], len(order)), kv[0]))
    supported = [k for k, names in ranked if reaches_share(len(names), raters, min_share)]
    if single and supported:  # one label: the best supported, then the first in order
        best = min(supported, key=lambda k: (-len(voters[k]), order.get(k[0], len(order)), k))
        supported = [best]
    return [
        ItemCandidate("cat", k, len(names), tuple(names), k in supported) for k, names in ranked
    ]


def span_cat_candidates(
    span_cats: Mapping[str, Sequence[tuple[int, int, str]]],
    *,
    overlap: str = "any",
    min_share: float = MAJORITY,
) -> list[ItemCandidate]:
    """Span categories with their votes, in text order (outermost first)."""
    if overlap == "none":  # as entities: the better supported of two overlapping spans wins
        spans = span_candidates(span_cats, min_share=min_share)
        found = [((c.start, c.end, c.label), c.voters, c.accepted) for c in spans]
    else:
        raters = len(span_cats)
        found = [(item, tuple(names), reaches_share(len(names), raters, min_share))
                 for item, names in _voters(span_cats).items()]  # fmt: skip
    found.sort(key=lambda f: (f[0][0], -f[0][1], f[0][2]))
    return [
        ItemCandidate("spancat", (int(k[0]), int(k[1]), k[2]), len(v), tuple(v), ok)
        for k, v, ok in found
    ]


def layer_candidates(
    doc: DocumentAnnotations,
    *,
    layers: Collection[str],
    entities: Collection[tuple[int, int]],
    span_overlap: str = "any",
    min_share: float = MAJORITY,
) -> list[ItemCandidate]:
    """Every relation, document-label and span-category candidate of the project's layers."""
    out: list[ItemCandidate] = []
    if "relations" in layers and doc.relations:
        out += relation_candidates(doc.relations, entities, min_share=min_share)
    if "cats" in layers and doc.cats:
        out += cat_candidates(doc.cats, categories=doc.categories, single=doc.cats_single,
                              min_share=min_share)  # fmt: skip
    if "spans" in layers and doc.span_cats:
        out += span_cat_candidates(doc.span_cats, overlap=span_overlap, min_share=min_share)
    return out
