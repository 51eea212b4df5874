"""The annotation store: the only code that reads or writes annotation content.

An annotation's entities, coreference chains and span categories go in and out of the
database here as ``Span`` rows; POS tags, relations and document labels live on the
annotation row itself (``Annotation.pos``, ``.relations``, ``.cats``) and are read and
written here too, all as one ``Payload``. Writers hand over spans already on token
boundaries (``annotate.checks`` snaps and validates a person's save; readers and the model
produce aligned spans); the store only derives token indices and refuses a span that is not
aligned.

Reads are plain row queries, never ORM ``Span`` objects: loading hundreds of those costs
more than the rest of an autosave or a page render.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from textlabel.annotate.payload import Payload, cats_of
from textlabel.annotate.span_rows import (
    ENTITY,
    MENTION,
    SPANCAT,
    outermost_first,
    payloads_of_rows,
    relations_of,
    sort_spans,
)
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, Span
from textlabel.records import MentionRecord, RelationRecord, SpanRecord
from textlabel.tokens import Tokens

LAYERS = ("spans", "pos", "coref", "relations", "cats", "span_cats")
# payload field -> Span.layer
_ROW_LAYERS = (("spans", ENTITY), ("coref", MENTION), ("span_cats", SPANCAT))
_LABELLED = (ENTITY, SPANCAT)  # row layers whose identity includes a label
SpanKey = tuple[str, int, int, str | int | None]  # (row layer, start, end, label or chain)
RelationKey = tuple[int, int, int, int, str]  # head start, end, child start, end, label
_CHUNK = 500  # ids per IN (...) query


def tokens_of(document: Document) -> Tokens:
    """The stored tokens of ``document`` (every document is tokenized when it is stored)."""
    return Tokens.from_stored(document.tokens, text_length=len(document.text))


# -- reading -------------------------------------------------------------------------------


def read(session: Session, annotation: Annotation, *, current: bool = False) -> Payload:
    """Everything ``annotation`` holds. ``current``: the object's relations and document
    labels are those of the row (a save just set them), so only span rows are read."""
    aid = annotation.id
    row = {aid: (annotation.relations, annotation.cats)} if current else None
    return read_many(session, [aid], pos={aid: annotation.pos}, columns=row)[aid]


def read_many(
    session: Session,
    annotation_ids: Sequence[int],
    *,
    layers: Collection[str] = LAYERS,
    pos: dict[int, list[str | None] | None] | None = None,
    columns: dict[int, tuple[Any, Any]] | None = None,
) -> dict[int, Payload]:
    """Payloads of many annotations in a few queries; layers not asked for stay None.

    ``pos`` passes tags, and ``columns`` (relations, cats) the stored relations and
    document labels, the caller already holds (annotation rows it loaded or just wrote), so
    they are not read again.
    """
    ids = list(dict.fromkeys(annotation_ids))
    rows: dict[str, dict[int, list[SpanRecord]]] = {ENTITY: {}, SPANCAT: {}}
    chains: dict[int, dict[int, list[MentionRecord]]] = {i: {} for i in ids}
    tags: dict[int, list[str | None] | None] = dict(pos or {})
    relations = {aid: held[0] for aid, held in (columns or {}).items()}
    cats = {aid: held[1] for aid, held in (columns or {}).items()}
    wanted_columns = [c for c in ("relations", "cats") if c in layers]
    if columns is not None and all(i in columns for i in ids):
        wanted_columns = []
    for first in range(0, len(ids), _CHUNK):
        chunk = ids[first : first + _CHUNK]
        sort_spans(_span_rows(session, chunk, layers), rows[ENTITY], chains, rows[SPANCAT])
        missing = [i for i in chunk if i not in tags] if "pos" in layers else []
        if missing or wanted_columns:
            wanted = [Annotation.id, Annotation.pos, Annotation.relations, Annotation.cats]
            for aid, tag_list, relation_rows, cat_values in session.execute(
                select(*wanted).where(Annotation.id.in_(missing if not wanted_columns else chunk))
            ):
                if aid not in tags:
                    tags[aid] = tag_list
                relations[aid], cats[aid] = relation_rows, cat_values
    out = {}
    for i in ids:
        own = tags.get(i)
        by_cluster = chains[i]
        out[i] = Payload(
            spans=tuple(rows[ENTITY].get(i, ())) if "spans" in layers else None,
            pos=tuple(own) if "pos" in layers and own is not None else None,
            coref=tuple(tuple(by_cluster[k]) for k in sorted(by_cluster))
            if "coref" in layers
            else None,
            relations=relations_of(relations.get(i)) if "relations" in layers else None,
            cats=cats_of(cats.get(i) or {}) if "cats" in layers else None,
            span_cats=tuple(sorted(rows[SPANCAT].get(i, ()), key=outermost_first))
            if "span_cats" in layers
            else None,
        )
    return out


def read_documents(
    session: Session, project_id: int, first: int, last: int,
    held: dict[int, tuple[Any, Any, Any]],
) -> dict[int, Payload]:  # fmt: skip
    """``read_many`` of the annotations ``held`` names (id -> the pos, relations and cats of
    its row, which the caller read), all on ``project_id``'s documents with ids ``first`` to
    ``last``: an export's page. One range query over the span rows, Core rows, no ``IN``
    list of annotation ids to compile (a test holds it equal to ``read_many``)."""
    return payloads_of_rows(document_span_rows(session, project_id, first, last), held)


def document_span_rows(session: Session, project_id: int, first: int, last: int) -> Sequence[Any]:
    """The span rows ``(annotation id, layer, start, end, label, score, cluster)`` of the
    annotations of ``project_id``'s documents with ids ``first`` to ``last``, as stored (an
    export's fragment cache hashes them before ``payloads_of_rows`` reads any)."""
    return session.connection().execute(select_document_spans(project_id, first, last)).all()


def select_document_spans(
    project_id: Any, first: Any, last: Any
) -> Select[int, str, int, int, str | None, float | None, int | None]:
    """``document_span_rows``' query (an export runs it on the driver's cursor, the values
    bind parameters)."""
    return (
        select(Span.annotation_id, Span.layer, Span.start_char, Span.end_char, Span.label,
               Span.score, Span.cluster)
        .join(Annotation, Annotation.id == Span.annotation_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id, Document.id.between(first, last))
        .where(Span.layer.in_((ENTITY, MENTION, SPANCAT)))
        .order_by(Span.annotation_id, Span.start_char, Span.end_char)
    )  # fmt: skip


def select_annotation_spans() -> Select[
    int, str, int, int, str | None, float | None, int | None
]:  # fmt: skip
    """``select_document_spans``' rows for the annotations whose ids the bind parameter
    ``annotations`` lists (PostgreSQL: an array): an export's page reads its annotations
    first, and looking their spans up by id skips joining ``annotation`` and ``document``
    again (~10 % of the database server's CPU in an export)."""
    ids = bindparam("annotations", [], type_=ARRAY(Integer))
    return (
        select(Span.annotation_id, Span.layer, Span.start_char, Span.end_char, Span.label,
               Span.score, Span.cluster)
        .where(Span.annotation_id == any_(ids))
        .where(Span.layer.in_((ENTITY, MENTION, SPANCAT)))
        .order_by(Span.annotation_id, Span.start_char, Span.end_char)
    )  # fmt: skip


def held(annotation: Annotation, change: Change) -> Payload:
    """What ``annotation`` holds once ``change`` is applied, as ``read(current=True)`` would
    read it back, from the rows ``diff`` read and wrote (a save answers without reading its
    spans again)."""
    rows: dict[str, list[SpanRecord]] = {ENTITY: [], SPANCAT: []}
    chains: dict[int, list[MentionRecord]] = {}
    for layer, start, end, last, score in sorted(change._held, key=_stored_order):
        if layer == MENTION:
            chains.setdefault(int(last or 0), []).append(MentionRecord(start, end, score))
        else:
            rows[layer].append(SpanRecord(start, end, str(last or ""), score))
    return Payload(
        spans=tuple(rows[ENTITY]),
        pos=tuple(annotation.pos) if annotation.pos is not None else None,
        coref=tuple(tuple(chains[k]) for k in sorted(chains)),
        relations=relations_of(annotation.relations),
        cats=cats_of(annotation.cats or {}),
        span_cats=tuple(sorted(rows[SPANCAT], key=outermost_first)),
    )


def _stored_order(row: tuple[str, int, int, str | int | None, float | None]) -> tuple[Any, ...]:
    # read_many's ORDER BY start, end; rows sharing both (other layers) in a fixed order.
    return row[1], row[2], row[0], str(row[3])


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


def _relation_rows(relations: Iterable[RelationRecord]) -> list[list[Any]] | None:
    out: list[list[Any]] = []
    for r in relations:
        row: list[Any] = [*r.head, *r.child, r.label]
        if r.score is not None:
            row.append(r.score)
        out.append(row)
    return out or None


def relation_key(relation: RelationRecord) -> RelationKey:
    """The identity of a relation: both ends and the label."""
    return (*relation.head, *relation.child, relation.label)


# -- writing -------------------------------------------------------------------------------


@dataclass(slots=True)
class Change:
    """What a save changes in one annotation: span rows, relations and document labels."""

    annotation_id: int
    removed: list[SpanKey] = field(default_factory=list)
    added: list[SpanKey] = field(default_factory=list)
    relations_removed: list[RelationKey] = field(default_factory=list)
    relations_added: list[RelationKey] = field(default_factory=list)
    cats_before: dict[str, float] = field(default_factory=dict)
    cats_after: dict[str, float] = field(default_factory=dict)
    _delete: list[int] = field(default_factory=list)
    _insert: list[dict[str, Any]] = field(default_factory=list)
    _columns: dict[str, Any] = field(default_factory=dict)
    _held: list[tuple[str, int, int, str | int | None, float | None]] = field(
        default_factory=list
    )  # the span rows after the change: (row layer, start, end, label or chain, score)

    def __bool__(self) -> bool:
        return bool(self.removed or self.added or self._columns)

    @property
    def columns(self) -> dict[str, Any]:
        """The annotation row's columns the change sets (relations, cats), as stored."""
        return dict(self._columns)

    def audit(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """What the audit trail records of this change: (before, after) per layer."""
        before: dict[str, Any] = {"spans": [span_json(k) for k in self.removed]}
        after: dict[str, Any] = {"spans": [span_json(k) for k in self.added]}
        if self.relations_removed or self.relations_added:
            before["relations"] = [_relation_json(k) for k in self.relations_removed]
            after["relations"] = [_relation_json(k) for k in self.relations_added]
        if self.cats_before != self.cats_after:
            before["cats"], after["cats"] = self.cats_before, self.cats_after
        return before, after


# The statements of every save, built once (building one and its cache key costs SQLAlchemy
# more Python time than running it). The writes are Core statements on the table: an ORM
# bulk DELETE or INSERT first works out what to synchronize with the session's objects,
# and the store never loads Span objects.
_STORED_SPANS = select(Span.id, Span.layer, Span.start_char, Span.end_char, Span.label,
                       Span.cluster, Span.score).where(
    Span.annotation_id == bindparam("annotation_id"))  # fmt: skip
_SPAN_TABLE = cast(Table, Span.__table__)
_DELETE_SPANS = delete(_SPAN_TABLE).where(_SPAN_TABLE.c.id.in_(bindparam("ids", expanding=True)))
_INSERT_SPANS = insert(_SPAN_TABLE)


def diff(session: Session, annotation_id: int, tokens: Tokens, wanted: Payload) -> Change:
    """The rows to delete and insert (and the annotation columns to set) so that
    ``annotation_id`` holds ``wanted``; a layer ``wanted`` leaves None is kept as stored."""
    rows = session.execute(_STORED_SPANS, {"annotation_id": annotation_id}).all()
    stored: dict[SpanKey, int] = {}
    scores: dict[SpanKey, float | None] = {}
    for row_id, layer, start, end, label, cluster, score in rows:
        key = (layer, start, end, label if layer in _LABELLED else cluster)
        stored[key], scores[key] = row_id, score
    kept = {row for name, row in _ROW_LAYERS if getattr(wanted, name) is None}
    added: dict[SpanKey, dict[str, Any]] = {}
    # Rows only for what is new: an autosave of 500 spans usually changes one.
    for key in _keys(wanted):
        if key not in stored and key not in added:
            layer, start, end, last = key
            if layer == MENTION:
                added[key] = _row(annotation_id, MENTION, tokens, start, end, "human",
                                  cluster=int(last or 0))  # fmt: skip
            else:
                added[key] = _row(annotation_id, layer, tokens, start, end, "human",
                                  label=str(last))  # fmt: skip
    target = {key for key in stored if key[0] in kept} | set(_keys(wanted))
    change = Change(annotation_id, added=list(added), _insert=list(added.values()))
    for key, row_id in stored.items():
        if key not in target:
            change.removed.append(key)
            change._delete.append(row_id)
    change._held = [(*key, scores.get(key)) for key in target]
    if wanted.relations is not None or wanted.cats is not None:
        _diff_columns(session, change, wanted)
    return change


def _diff_columns(session: Session, change: Change, wanted: Payload) -> None:
    """Relations and document labels: compared as sets, written whole when they differ."""
    old_relations, old_cats = session.execute(
        select(Annotation.relations, Annotation.cats).where(Annotation.id == change.annotation_id)
    ).one()
    if wanted.relations is not None:
        before = {relation_key(r): r for r in relations_of(old_relations)}
        after = {relation_key(r): r for r in wanted.relations}
        change.relations_removed = [k for k in before if k not in after]
        change.relations_added = [k for k in after if k not in before]
        if change.relations_removed or change.relations_added:
            change._columns["relations"] = _relation_rows(after.values())
    if wanted.cats is not None:
        change.cats_before = dict(cats_of(old_cats or {}))
        change.cats_after = dict(wanted.cats)
        if change.cats_before != change.cats_after:
            change._columns["cats"] = change.cats_after or None


def apply(session: Session, change: Change) -> None:
    """Write what ``diff`` found."""
    if change._delete:
        session.execute(_DELETE_SPANS, {"ids": change._delete})
    if change._insert:
        session.execute(_INSERT_SPANS, change._insert)
    if change._columns:
        session.execute(
            update(Annotation)
            .where(Annotation.id == change.annotation_id)
            .values(**change._columns)
            .execution_options(synchronize_session=False)
        )


def insert_many(
    session: Session, items: Iterable[tuple[int, Tokens, Payload]], *, source: str
) -> int:
    """Store the content of fresh annotations: spans, chains and span categories in one
    multi-row INSERT, relations and document labels in one UPDATE by id; returns the number
    of span rows. ``source`` is "model" or "human"."""
    rows: list[dict[str, Any]] = []
    columns: list[dict[str, Any]] = []
    for aid, tokens, payload in items:
        rows += rows_of(aid, tokens, payload, source=source)
        if payload.relations or payload.cats:
            columns.append(
                {
                    "id": aid,
                    "relations": _relation_rows(payload.relations or ()),
                    "cats": dict(payload.cats or ()) or None,
                }
            )
    if rows:
        session.execute(insert(Span), rows)
    if columns:
        session.execute(update(Annotation), columns)
    return len(rows)


def replace_all(
    session: Session, annotation_id: int, tokens: Tokens, payload: Payload, *, source: str
) -> None:
    """Make ``annotation_id`` hold exactly ``payload``'s spans, chains, span categories,
    relations and document labels."""
    clear(session, annotation_id)
    insert_many(session, [(annotation_id, tokens, payload)], source=source)


def clear(session: Session, annotation_id: int) -> None:
    """Remove everything ``annotation_id`` holds but its POS tags."""
    session.execute(delete(Span).where(Span.annotation_id == annotation_id))
    session.execute(
        update(Annotation)
        .where(Annotation.id == annotation_id)
        .values(relations=None, cats=None)
        .execution_options(synchronize_session=False)
    )


def rows_of(
    annotation_id: int, tokens: Tokens, payload: Payload, *, source: str
) -> list[dict[str, Any]]:
    """Span rows of ``payload`` (chains numbered from 1 in payload order); relation ends
    are checked to sit on token boundaries too, though they are no rows of their own."""
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
    rows += [
        _row(annotation_id, SPANCAT, tokens, span.start, span.end, source, label=span.label,
             score=span.score)
        for span in payload.span_cats or ()
    ]  # fmt: skip
    for relation in payload.relations or ():
        for start, end in (relation.head, relation.child):
            _bounds(tokens, start, end)
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


def entities_in(session: Session, document_ids: Sequence[int], kinds: Sequence[str]) -> int:
    """How many entities annotations of ``kinds`` hold on these documents."""
    return session.scalar(
        select(func.count(Span.id))
        .join(Annotation, Annotation.id == Span.annotation_id)
        .where(Annotation.document_id.in_(document_ids), Annotation.kind.in_(kinds),
               Span.layer == ENTITY)
    ) or 0  # fmt: skip


def relabel_entities(session: Session, project_id: int, label: str, to: str | None) -> list[int]:
    """Give every entity of ``label`` in the project the label ``to``, or delete them when
    ``to`` is None (with the relations that start or end at them); returns the ids of the
    annotations that changed."""
    where = _entities_of_project(project_id, label)
    if to is not None:
        changed = list(session.scalars(select(Span.annotation_id).where(where).distinct()))
        session.execute(
            update(Span).where(where).values(label=to).execution_options(synchronize_session=False)
        )
        return changed
    gone: dict[int, set[tuple[int, int]]] = {}
    for aid, start, end in session.execute(
        select(Span.annotation_id, Span.start_char, Span.end_char).where(where)
    ):
        gone.setdefault(aid, set()).add((start, end))
    session.execute(delete(Span).where(where).execution_options(synchronize_session=False))
    for aid, stored in session.execute(
        select(Annotation.id, Annotation.relations).where(
            Annotation.id.in_(list(gone)), Annotation.relations.is_not(None)
        )
    ):
        kept = [
            r for r in relations_of(stored) if r.head not in gone[aid] and r.child not in gone[aid]
        ]
        session.execute(
            update(Annotation)
            .where(Annotation.id == aid)
            .values(relations=_relation_rows(kept))
            .execution_options(synchronize_session=False)
        )
    return list(gone)


def span_json(key: SpanKey) -> dict[str, Any]:
    """A span key as the audit trail records it."""
    layer, start, end, last = key
    return {
        "layer": layer,
        "start": start,
        "end": end,
        ("chain" if layer == MENTION else "label"): last,
    }


def _relation_json(key: RelationKey) -> dict[str, Any]:
    return {
        "head": {"start": key[0], "end": key[1]},
        "child": {"start": key[2], "end": key[3]},
        "label": key[4],
    }


def _bounds(tokens: Tokens, start: int, end: int) -> tuple[int, int]:
    bounds = tokens.range(start, end)
    if bounds is None:
        raise InvalidInput(f"span [{start}, {end}) is not on token boundaries",
                           details={"span": {"start": start, "end": end}})  # fmt: skip
    return bounds


def _row(
    annotation_id: int, layer: str, tokens: Tokens, start: int, end: int, source: str, *,
    label: str | None = None, cluster: int | None = None, score: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    bounds = _bounds(tokens, start, end)
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
    """The identity of each span row (a mention's chain is its position, from 1)."""
    for span in payload.spans or ():
        yield (ENTITY, span.start, span.end, span.label)
    for cluster, chain in enumerate(payload.coref or (), start=1):
        for mention in chain:
            yield (MENTION, mention.start, mention.end, cluster)
    for span in payload.span_cats or ():
        yield (SPANCAT, span.start, span.end, span.label)


def entity_texts(
    session: Session, project_id: int, *, kind: str
) -> Sequence[tuple[str, int, int, str | None]]:
    """(document text, start, end, label) of every entity span of the project's ``kind``
    annotations (the gold phrase ruler counts the phrases reviewers accepted)."""
    rows = session.execute(
        select(Document.text, Span.start_char, Span.end_char, Span.label)
        .join(Annotation, Annotation.id == Span.annotation_id)
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id, Annotation.kind == kind, Span.layer == ENTITY)
    )
    return [(text, start, end, label) for text, start, end, label in rows]
