"""The span store: the only code that reads or writes ``Span`` rows.

An annotation's entities and coreference chains go in and out of the database here as a
``Payload``; POS tags live on the annotation row itself (``Annotation.pos``) and are read
with it. Writers hand over spans already on token boundaries (``annotate.checks`` snaps
and validates a person's save; readers and the model produce aligned spans); the store
only derives token indices and refuses a span that is not aligned.

Reads are plain row queries, never ORM ``Span`` objects: loading hundreds of those costs
more than the rest of an autosave or a page render.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from textlabel.annotate.payload import Payload
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, Span
from textlabel.records import MentionRecord, SpanRecord
from textlabel.tokens import Tokens

ENTITY, MENTION = "ent", "coref"
LAYERS = ("spans", "pos", "coref")
_ROW_LAYERS = (("spans", ENTITY), ("coref", MENTION))  # payload field -> Span.layer
SpanKey = tuple[str, int, int, str | int | None]  # (row layer, start, end, label or chain)
_CHUNK = 500  # ids per IN (...) query


def tokens_of(document: Document) -> Tokens:
    """The stored tokens of ``document`` (every document is tokenized when it is stored)."""
    return Tokens.from_stored(document.tokens, text_length=len(document.text))


# -- reading -------------------------------------------------------------------------------


def read(session: Session, annotation: Annotation) -> Payload:
    """Everything ``annotation`` holds."""
    return read_many(session, [annotation.id], pos={annotation.id: annotation.pos})[annotation.id]


def read_many(
    session: Session,
    annotation_ids: Sequence[int],
    *,
    layers: Collection[str] = LAYERS,
    pos: dict[int, list[str | None] | None] | None = None,
) -> dict[int, Payload]:
    """Payloads of many annotations in a few queries; layers not asked for stay None.

    ``pos`` passes tags the caller already holds (annotation rows it loaded), so they are
    not read again.
    """
    ids = list(dict.fromkeys(annotation_ids))
    spans: dict[int, list[SpanRecord]] = {i: [] for i in ids}
    chains: dict[int, dict[int, list[MentionRecord]]] = {i: {} for i in ids}
    tags: dict[int, list[str | None] | None] = dict(pos or {})
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        for aid, layer, start, end, label, score, cluster in _span_rows(session, chunk, layers):
            if layer == ENTITY:
                spans[aid].append(SpanRecord(start, end, label or "", score))
            else:
                chains[aid].setdefault(cluster or 0, []).append(MentionRecord(start, end, score))
        missing = [i for i in chunk if i not in tags]
        if "pos" in layers and missing:
            found = session.execute(
                select(Annotation.id, Annotation.pos).where(Annotation.id.in_(missing))
            )
            tags.update((aid, value) for aid, value in found)
    out = {}
    for i in ids:
        own = tags.get(i)
        by_cluster = chains[i]
        out[i] = Payload(
            spans=tuple(spans[i]) if "spans" in layers else None,
            pos=tuple(own) if "pos" in layers and own is not None else None,
            coref=tuple(tuple(by_cluster[k]) for k in sorted(by_cluster))
            if "coref" in layers
            else None,
        )
    return out


def _span_rows(session: Session, ids: list[int], layers: Collection[str]) -> Sequence[Any]:
    wanted = [row for name, row in _ROW_LAYERS if name in layers]
    if not wanted:
        return []
    return session.execute(
        select(Span.annotation_id, Span.layer, Span.start_char, Span.end_char, Span.label,
               Span.score, Span.cluster)
        .where(Span.annotation_id.in_(ids), Span.layer.in_(wanted))
        .order_by(Span.annotation_id, Span.start_char, Span.end_char)
    ).all()  # fmt: skip


# -- writing -------------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """What a save changes in the span rows of one annotation."""

    removed: list[SpanKey] = field(default_factory=list)
    added: list[SpanKey] = field(default_factory=list)
    _delete: list[int] = field(default_factory=list)
    _insert: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added)


def diff(session: Session, annotation_id: int, tokens: Tokens, wanted: Payload) -> Change:
    """The rows to delete and insert so that ``annotation_id`` holds ``wanted``'s spans and
    chains; a layer ``wanted`` leaves None is kept as stored."""
    rows = session.execute(
        select(Span.id, Span.layer, Span.start_char, Span.end_char, Span.label, Span.cluster)
        .where(Span.annotation_id == annotation_id)
    ).all()  # fmt: skip
    stored: dict[SpanKey, int] = {
        (layer, start, end, label if layer == ENTITY else cluster): row_id
        for row_id, layer, start, end, label, cluster in rows
    }
    kept = {row for name, row in _ROW_LAYERS if getattr(wanted, name) is None}
    added: dict[SpanKey, dict[str, Any]] = {}
    # Rows only for what is new: an autosave of 500 spans usually changes one.
    for span in wanted.spans or ():
        key: SpanKey = (ENTITY, span.start, span.end, span.label)
        if key not in stored:
            added[key] = _row(annotation_id, ENTITY, tokens, span.start, span.end, "human",
                              label=span.label)  # fmt: skip
    for cluster, chain in enumerate(wanted.coref or (), start=1):
        for mention in chain:
            key = (MENTION, mention.start, mention.end, cluster)
            if key not in stored:
                added[key] = _row(annotation_id, MENTION, tokens, mention.start, mention.end,
                                  "human", cluster=cluster)  # fmt: skip
    target = {key for key in stored if key[0] in kept} | set(_keys(wanted))
    change = Change(added=list(added), _insert=list(added.values()))
    for key, row_id in stored.items():
        if key not in target:
            change.removed.append(key)
            change._delete.append(row_id)
    return change


def apply(session: Session, change: Change) -> None:
    """Write what ``diff`` found."""
    if change._delete:
        session.execute(delete(Span).where(Span.id.in_(change._delete)))
    if change._insert:
        session.execute(insert(Span), change._insert)


def insert_many(
    session: Session, items: Iterable[tuple[int, Tokens, Payload]], *, source: str
) -> int:
    """Store the spans and chains of fresh annotations in one multi-row INSERT; returns the
    number of rows. ``source`` is "model" or "human"."""
    rows = [
        row
        for aid, tokens, payload in items
        for row in rows_of(aid, tokens, payload, source=source)
    ]
    if rows:
        session.execute(insert(Span), rows)
    return len(rows)


def replace_all(
    session: Session, annotation_id: int, tokens: Tokens, payload: Payload, *, source: str
) -> None:
    """Make ``annotation_id`` hold exactly ``payload``'s spans and chains."""
    clear(session, annotation_id)
    insert_many(session, [(annotation_id, tokens, payload)], source=source)


def clear(session: Session, annotation_id: int) -> None:
    session.execute(delete(Span).where(Span.annotation_id == annotation_id))


def rows_of(
    annotation_id: int, tokens: Tokens, payload: Payload, *, source: str
) -> list[dict[str, Any]]:
    """Span rows of ``payload`` (chains numbered from 1 in payload order)."""
    rows = [
        _row(annotation_id, ENTITY, tokens, span.start, span.end, source, label=span.label,
             score=span.score)
        for span in payload.spans or ()
    ]  # fmt: skip
    for cluster, chain in enumerate(payload.coref or (), start=1):
        rows += [
            _row(
                annotation_id,
                MENTION,
                tokens,
                m.start,
                m.end,
                source,
                cluster=cluster,
                score=m.score,
            )
            for m in chain
        ]
    return rows


def has_entity(
    annotation_id: ColumnElement[int] | InstrumentedAttribute[int], label: str
) -> ColumnElement[bool]:
    """SQL condition: the annotation holds an entity of ``label`` (for filters in SQL)."""
    return exists().where(
        Span.annotation_id == annotation_id, Span.layer == ENTITY, Span.label == label
    )


def _entities_of_project(project_id: int, label: str) -> ColumnElement[bool]:
    in_project = (
        select(Annotation.id)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id)
    )
    return (Span.annotation_id.in_(in_project)) & (Span.layer == ENTITY) & (Span.label == label)


def entity_usage(session: Session, project_id: int, label: str) -> dict[str, int]:
    """How many entities of ``label`` the project holds, per annotation kind, and in how many
    documents (what deleting the label would touch)."""
    rows = session.execute(
        select(Annotation.kind, func.count(Span.id), func.count(func.distinct(Span.annotation_id)))
        .join(Annotation, Annotation.id == Span.annotation_id)
        .where(_entities_of_project(project_id, label))
        .group_by(Annotation.kind)
    ).all()
    documents = session.scalar(
        select(func.count(func.distinct(Annotation.document_id)))
        .join(Span, Span.annotation_id == Annotation.id)
        .where(_entities_of_project(project_id, label))
    )
    usage = dict.fromkeys(("prediction", "manual", "gold"), 0)
    usage.update({kind: n for kind, n, _ in rows})
    return {**usage, "entities": sum(n for _, n, _ in rows),
            "annotations": sum(a for _, _, a in rows), "documents": documents or 0}  # fmt: skip


def relabel_entities(session: Session, project_id: int, label: str, to: str | None) -> list[int]:
    """Give every entity of ``label`` in the project the label ``to``, or delete them when
    ``to`` is None; returns the ids of the annotations that changed."""
    where = _entities_of_project(project_id, label)
    changed = list(session.scalars(select(Span.annotation_id).where(where).distinct()))
    if to is None:
        session.execute(delete(Span).where(where).execution_options(synchronize_session=False))
    else:
        session.execute(
            update(Span).where(where).values(label=to).execution_options(synchronize_session=False)
        )
    return changed


def span_json(key: SpanKey) -> dict[str, Any]:
    """A span key as the audit trail records it."""
    layer, start, end, last = key
    return {
        "layer": layer,
        "start": start,
        "end": end,
        ("label" if layer == ENTITY else "chain"): last,
    }


def _row(
    annotation_id: int, layer: str, tokens: Tokens, start: int, end: int, source: str, *,
    label: str | None = None, cluster: int | None = None, score: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    bounds = tokens.range(start, end)
    if bounds is None:
        raise InvalidInput(f"span [{start}, {end}) is not on token boundaries",
                           details={"span": {"start": start, "end": end}})  # fmt: skip
    return {
        "annotation_id": annotation_id,
        "layer": layer,
        "start_char": start,
        "end_char": end,
        "start_token": bounds[0],
        "end_token": bounds[1],
        "label": label,
        "cluster": cluster,
        "source": source,
        "score": score,
    }


def _keys(payload: Payload) -> Iterator[SpanKey]:
    """The identity of each span and mention (a mention's chain is its position, from 1)."""
    for span in payload.spans or ():
        yield (ENTITY, span.start, span.end, span.label)
    for cluster, chain in enumerate(payload.coref or (), start=1):
        for mention in chain:
            yield (MENTION, mention.start, mention.end, cluster)


def entity_texts(
    session: Session, project_id: int, *, kind: str
) -> Sequence[tuple[str, int, int, str | None]]:
    """(document text, start, end, label) of every entity span of the project's ``kind``
    annotations (the gold phrase ruler counts the phrases reviewers accepted)."""
    return (
        session.execute(
            select(Document.text, Span.start_char, Span.end_char, Span.label)
            .join(Annotation, Annotation.id == Span.annotation_id)
            .join(Document, Document.id == Annotation.document_id)
            .where(Document.project_id == project_id, Annotation.kind == kind, Span.layer == ENTITY)
        )
        .tuples()
        .all()
    )
