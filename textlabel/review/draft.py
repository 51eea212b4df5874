"""One document's consolidated draft: every candidate with its votes, what the share accepts,
whether the annotators agree completely, and the document's agreement score.

Pure: built from the agreement package's ``DocumentAnnotations`` (the same input the
agreement report reads), so the queue's order and the dashboard's scores are one number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from textlabel.agreement.stats import DocumentAnnotations, document_stats
from textlabel.annotate.payload import Payload
from textlabel.records import MentionRecord, RelationRecord, SpanRecord
from textlabel.review.consolidation import (
    MAJORITY,
    Candidate,
    TagCandidate,
    majority_tags,
    span_candidates,
    tag_candidates,
)
from textlabel.review.layer_candidates import ItemCandidate, layer_candidates
from textlabel.review.links import LinkCandidate, Mention, chain_links, chains_from_links
from textlabel.review.links import link_candidates as _link_candidates


@dataclass(frozen=True, slots=True)
class DocumentDraft:
    """``pos`` is None when the project has no POS layer or nobody tagged the document."""

    doc_id: int
    annotators: tuple[str, ...]
    spans: list[Candidate]
    tags: list[TagCandidate]
    links: list[LinkCandidate]
    pos: list[str | None] | None
    coref: list[list[Mention]]
    unanimous: bool
    score: float
    # relations, document labels and span categories (``layer_candidates``)
    items: list[ItemCandidate] = field(default_factory=list)

    @property
    def disputed(self) -> int:
        """Candidates a reviewer has to look at: anything not everyone agreed on."""
        everyone = len(self.annotators)
        return (
            sum(c.votes < everyone for c in self.spans)
            + len(self.tags)
            + sum(c.votes < everyone for c in self.links)
            + sum(c.votes < everyone for c in self.items)
        )

    @property
    def disputed_labels(self) -> list[str]:
        everyone = len(self.annotators)
        return sorted({c.label for c in self.spans if c.votes < everyone})

    def gold_payload(self) -> Payload:
        """The accepted candidates as an annotation's payload."""
        taken = [c.item for c in self.items if c.accepted]
        kinds = {c.item: c.kind for c in self.items}
        return Payload(
            spans=tuple(SpanRecord(c.start, c.end, c.label) for c in self.spans if c.accepted),
            pos=None if self.pos is None else tuple(self.pos),
            coref=tuple(tuple(MentionRecord(s, e) for s, e in chain) for chain in self.coref),
            relations=tuple(RelationRecord((x[0], x[1]), (x[2], x[3]), x[4])
                            for x in taken if kinds[x] == "relation"),
            cats=tuple((x[0], 1.0) for x in taken if kinds[x] == "cat"),
            span_cats=tuple(SpanRecord(x[0], x[1], x[2]) for x in taken if kinds[x] == "spancat"),
        )  # fmt: skip


def draft_document(
    doc: DocumentAnnotations,
    *,
    layers: Sequence[str],
    min_share: float = MAJORITY,
    predicted_pos: Sequence[str | None] | None = None,
    span_overlap: str = "any",
) -> DocumentDraft:
    """Consolidate one document's submitted annotations on the project's ``layers``.

    The score is the lowest of the document's agreement scores on those layers (entity span
    F1, POS alpha, coreference CoNLL F1, relation F1, document-label alpha, span-category
    exact F1); a layer whose score is undefined (nobody marked
    anything, a single annotator) does not count, and with none defined the score is 1.0
    when the annotators agree completely and 0.0 otherwise. Relations, document labels and
    span categories are candidates too (``layer_candidates``), and agree completely when
    every annotator made each of them.
    """
    names = tuple(sorted(set(doc.spans) | set(doc.pos) | set(doc.coref) | set(doc.relations)
                         | set(doc.cats) | set(doc.span_cats)))  # fmt: skip
    spans = span_candidates(doc.spans, min_share=min_share) if "entities" in layers else []
    tags: list[TagCandidate] = []
    pos = None
    if "pos" in layers and doc.pos:
        tags = tag_candidates(doc.pos, min_share=min_share)
        pos = majority_tags(list(doc.pos.values()), predicted_pos, min_share=min_share)
    links: list[LinkCandidate] = []
    coref: list[list[Mention]] = []
    if "coref" in layers and doc.coref:
        links = _link_candidates(doc.coref, min_share=min_share)
        coref = chains_from_links((c.a, c.b) for c in links if c.accepted)
    entities = {(c.start, c.end) for c in spans if c.accepted}
    items = layer_candidates(doc, layers=layers, entities=entities, span_overlap=span_overlap,
                             min_share=min_share)  # fmt: skip
    unanimous = (
        all(c.votes == len(doc.spans) for c in spans)
        and not tags
        and _same_links(doc.coref if "coref" in layers else {})
        and all(c.votes == len(names) for c in items)
    )
    scores = []
    present_in = {"entities": doc.spans, "pos": doc.pos, "coref": doc.coref,
                  "relations": doc.relations, "cats": doc.cats, "spans": doc.span_cats}  # fmt: skip
    for layer, present in present_in.items():
        if layer in layers and present:
            score = document_stats(doc, layer=layer).score
            if score is not None:
                scores.append(float(score))
    score = min(scores) if scores else (1.0 if unanimous else 0.0)
    return DocumentDraft(doc.doc_id, names, spans, tags, links, pos, coref, unanimous, score, items)


def _same_links(chains: dict[str, list[list[Mention]]]) -> bool:
    sets = [chain_links(c) for c in chains.values()]
    return all(s == sets[0] for s in sets[1:])
