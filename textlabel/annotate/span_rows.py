"""Annotation payloads from span rows already read: the store's reading without the
database (an export's worker process builds records from the driver's rows and imports no
SQLAlchemy; ``annotate.store`` reads and writes the rows)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textlabel.annotate.payload import Payload, cats_of
from textlabel.records import MentionRecord, RelationRecord, SpanRecord

ENTITY, MENTION, SPANCAT = "ent", "coref", "sc"  # Span.layer


def payloads_of_rows(
    rows: Iterable[Any], held: dict[int, tuple[Any, Any, Any]]
) -> dict[int, Payload]:
    """``store.read_documents`` from span rows already read (``store.document_span_rows``)."""
    spans: dict[int, list[SpanRecord]] = {}
    span_cats: dict[int, list[SpanRecord]] = {}
    chains: dict[int, dict[int, list[MentionRecord]]] = {}
    sort_spans(rows, spans, chains, span_cats)
    out = {}
    for aid, (tags, relations, cats) in held.items():
        by_cluster = chains.get(aid)
        categories = span_cats.get(aid)
        out[aid] = Payload(  # the empty ones spelt out: most annotations hold only entities
            spans=tuple(spans.get(aid, ())),
            pos=None if tags is None else tuple(tags),
            coref=tuple(tuple(by_cluster[k]) for k in sorted(by_cluster)) if by_cluster else (),
            relations=relations_of(relations) if relations else (),
            cats=cats_of(cats) if cats else (),
            span_cats=tuple(sorted(categories, key=outermost_first)) if categories else (),
        )
    return out


def sort_spans(
    rows: Iterable[Any],
    spans: dict[int, list[SpanRecord]],
    chains: dict[int, dict[int, list[MentionRecord]]],
    span_cats: dict[int, list[SpanRecord]],
) -> None:
    """Span rows ``(annotation id, layer, start, end, label, score, cluster)`` into the
    entity spans, coreference chains (by cluster) and span categories of each annotation."""
    for aid, layer, start, end, label, score, cluster in rows:
        if layer == MENTION:
            by_cluster = chains.setdefault(aid, {})
            by_cluster.setdefault(cluster or 0, []).append(MentionRecord(start, end, score))
        else:
            into = spans if layer == ENTITY else span_cats
            into.setdefault(aid, []).append(SpanRecord(start, end, label or "", score))


def outermost_first(span: SpanRecord) -> tuple[int, int, str]:
    """Span categories nest: the enclosing span comes before the spans inside it."""
    return span.start, -span.end, span.label


def relations_of(stored: Any) -> tuple[RelationRecord, ...]:
    """Relations from their stored rows ``[head start, end, child start, end, label, score?]``."""
    return tuple(
        RelationRecord((row[0], row[1]), (row[2], row[3]), row[4], row[5] if len(row) > 5 else None)
        for row in stored or ()
    )
