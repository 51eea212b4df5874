"""What every sieve receives: the doc, its mentions, the clusters so far and lookup tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from spacy.tokens import Doc

from textlabel.nlp.coref.attributes import Lexicons
from textlabel.nlp.coref.clusters import Clusters
from textlabel.nlp.coref.describe import Mention

if TYPE_CHECKING:
    from textlabel.nlp.coref.nominal_ranker import NominalModel
    from textlabel.nlp.coref.ranker import RankerModel


@dataclass(slots=True)
class SieveContext:
    """Shared state of one document's resolution; sieves only merge through ``clusters``."""

    doc: Doc
    mentions: list[Mention]
    clusters: Clusters
    lexicons: Lexicons
    sent_of: list[int]
    pronoun_window: int = 3
    # the trainer's hooks: a ranker instead of the shipped one (None: shipped), whether to rank
    # at all (False: salience order for every pronoun), and a callback that sees each ranked
    # pronoun's candidates and feature rows (one more, last: the "no antecedent" row)
    ranker: RankerModel | None = None
    use_ranker: bool = True
    observer: Callable[[Mention, list[Mention], list[list[float]]], None] | None = None
    by_head: dict[int, list[Mention]] = field(default_factory=dict)
    # the same hooks for the nominal ranker (``nominal_ranker``)
    nominal_model: NominalModel | None = None
    nominal_observer: Callable[[Mention, list[Mention], list[list[float]]], None] | None = None

    def __post_init__(self) -> None:
        by_head: dict[int, list[Mention]] = defaultdict(list)
        for mention in self.mentions:
            by_head[mention.head].append(mention)
        self.by_head = dict(by_head)

    def mention_headed_by(self, token_index: int) -> Mention | None:
        """The longest mention whose head is the given token (the full noun phrase)."""
        found = self.by_head.get(token_index)
        if not found:
            return None
        return max(found, key=lambda mention: mention.end - mention.start)


def candidates_before(
    mention: Mention, earlier: list[Mention], *, max_sentences: int | None = None
) -> list[Mention]:
    """Antecedent candidates in the sieve's order: same sentence left to right, then each
    previous sentence (nearest first), left to right within it."""
    found = [
        other
        for other in earlier
        if other.start < mention.start
        and (max_sentences is None or mention.sent - other.sent <= max_sentences)
    ]
    found.sort(key=lambda other: (mention.sent - other.sent, other.start, -other.end))
    return found
