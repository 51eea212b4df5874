"""Entity-centric cluster state: every decision compares clusters, not single mentions.

A cluster's attributes are the union of its mentions' attributes (Lee et al. 2013, section 3.2),
so "Clinton ... she" can no longer take "he" once one mention of the cluster was female.
"""

from __future__ import annotations

from textlabel.nlp.coref.attributes import UNKNOWN, values_agree
from textlabel.nlp.coref.describe import PRONOUN, Mention


class Cluster:
    """One entity under construction: its mentions in text order and their pooled attributes."""

    __slots__ = (
        "mentions",
        "numbers",
        "genders",
        "animacies",
        "persons",
        "ners",
        "words",
        "heads",
        "person_evidence",
        "confidence",
    )

    def __init__(self, mention: Mention) -> None:
        self.mentions: list[Mention] = [mention]
        self.numbers = {mention.number}
        self.genders = {mention.gender}
        self.animacies = {mention.animacy}
        self.persons = {mention.person}
        self.ners = {mention.ner or UNKNOWN}
        nominal = mention.kind != PRONOUN
        self.words: set[str] = set(mention.words) if nominal else set()
        self.heads: set[str] = {mention.head_text} if nominal else set()
        self.person_evidence = mention.person_evidence
        # the weakest link's score: a chain is as trustworthy as its least sure merge
        self.confidence = 1.0

    @property
    def first(self) -> Mention:
        return self.mentions[0]

    def absorb(self, other: Cluster) -> None:
        self.mentions = sorted(self.mentions + other.mentions, key=lambda m: (m.start, -m.end))
        self.numbers |= other.numbers
        self.genders |= other.genders
        self.animacies |= other.animacies
        self.persons |= other.persons
        self.ners |= other.ners
        self.words |= other.words
        self.heads |= other.heads
        self.person_evidence = max(self.person_evidence, other.person_evidence)
        self.confidence = min(self.confidence, other.confidence)

    def agrees_with(self, other: Cluster, *, check_ner: bool = True) -> bool:
        """Number, gender, animacy (and NER type) compatible: unknowns never clash."""
        return (
            values_agree(self.numbers, other.numbers)
            and values_agree(self.genders, other.genders)
            and values_agree(self.animacies, other.animacies)
            and (not check_ner or values_agree(self.ners, other.ners))
        )


class Clusters:
    """All clusters of one document, with merge and lookup by mention."""

    def __init__(self, mentions: list[Mention]) -> None:
        self.mentions = mentions
        self._of: list[Cluster] = [Cluster(mention) for mention in mentions]
        # the score of a merge made without one: the running sieve's prior (see resolver.py)
        self.default_score = 1.0

    def add(self, mention: Mention) -> None:
        """A mention made after detection (an event a pronoun stands for) in a cluster of its
        own; the caller has already appended it to the shared mention list."""
        assert mention.index == len(self._of), "add mentions in index order"
        self._of.append(Cluster(mention))

    def of(self, mention: Mention) -> Cluster:
        return self._of[mention.index]

    def same(self, left: Mention, right: Mention) -> bool:
        return self._of[left.index] is self._of[right.index]

    def is_first(self, mention: Mention) -> bool:
        """Sieves resolve only a cluster's first mention: later ones already have an antecedent."""
        return self._of[mention.index].first is mention

    def merge(self, left: Mention, right: Mention, *, score: float | None = None) -> None:
        """Join the two mentions' clusters; ``score`` (default: the sieve's prior) is how sure
        this link is, and the merged cluster keeps the lowest score of its links."""
        keep, gone = self._of[left.index], self._of[right.index]
        if keep is gone:
            return
        link = self.default_score if score is None else score
        keep.confidence = min(keep.confidence, link)
        if len(gone.mentions) > len(keep.mentions):
            keep, gone = gone, keep
        keep.absorb(gone)
        for mention in gone.mentions:
            self._of[mention.index] = keep

    def nested(self, left: Mention, right: Mention) -> bool:
        """i-within-i between the two clusters: any mention of one inside a mention of the other."""
        left_mentions = self.of(left).mentions
        right_mentions = self.of(right).mentions
        return any(a.nested_with(b) for a in left_mentions for b in right_mentions)

    def entities(self, *, min_size: int = 2) -> list[list[Mention]]:
        """Distinct clusters with at least ``min_size`` mentions, ordered by first mention."""
        return [cluster.mentions for cluster in self.chains(min_size=min_size)]

    def chains(self, *, min_size: int = 2) -> list[Cluster]:
        """Distinct clusters with at least ``min_size`` mentions, ordered by first mention."""
        seen: set[int] = set()
        result: list[Cluster] = []
        for cluster in self._of:
            if id(cluster) in seen:
                continue
            seen.add(id(cluster))
            if len(cluster.mentions) >= min_size:
                result.append(cluster)
        result.sort(key=lambda cluster: (cluster.first.start, -cluster.first.end))
        return result
