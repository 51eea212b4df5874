"""Finding documents: full-text search of whole words and filters on where each one stands.

The words go to the database's own full-text index (FTS5 on SQLite, a GIN index over
``to_tsvector('simple', text)`` on PostgreSQL, both from migration 0014): a word costs an
index lookup, not a scan of every text as ``LIKE '%word%'`` would, and matches whole words
only, case-insensitively, without stemming (``cat`` finds "Cat" and "cat.", not "cats").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    case,
    cast,
    column,
    exists,
    func,
    literal_column,
    not_,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.auth.permissions import Action, allowed
from textlabel.errors import Forbidden, InvalidInput
from textlabel.models import Annotation, Document, Project, User
from textlabel.models.document import SEARCH_COLUMN, SEARCH_CONFIG, SEARCH_TABLE
from textlabel.models.review import ReviewItem

SORTS = ("id", "-id", "length", "-length")
# What both backends call a word: letters and digits (PostgreSQL's parser and FTS5's
# unicode61 both split on everything else, underscores included).
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class DocumentFilters:
    """What the document list is narrowed to; every field is optional."""

    q: str | None = None
    status: str | None = None  # new | in progress | annotated | reviewed
    annotator: str | None = None  # username: documents this annotator has worked on
    label: str | None = None  # documents with an entity of this label
    gold: bool | None = None
    archived: bool | None = None  # None: archived and active documents alike
    meta: str | None = None  # "FIELD=VALUE": a top-level metadata field holds this value
    # The review score (the lowest agreement over the project's layers) is below this;
    # documents with fewer than two submitted annotations have none and never match.
    agreement_below: float | None = None
    sort: str = "id"

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.q, self.status, self.annotator, self.label,
                                           self.gold, self.archived, self.meta,
                                           self.agreement_below))  # fmt: skip


def check_filters(session: Session, user: User, project: Project, filters: DocumentFilters) -> None:
    """In a blind project, who did what is for reviewers and managers: filtering by annotator
    or by the labels annotators chose would reveal it to annotators."""
    if not project.blind or allowed(session, user, project, Action.VIEW_OTHERS):
        return
    for name in ("annotator", "label", "agreement_below"):
        if getattr(filters, name) is not None:
            raise Forbidden(f"in a blind project, only reviewers and managers filter by {name}")


def words_of(q: str) -> list[str]:
    """The words of a search, lower-cased; an error when there are none."""
    words = [word.lower() for word in _WORD.findall(q)]
    if not words:
        raise InvalidInput(f"the search {q!r} has no words (letters or digits) to look for")
    return words


def _searching(filters: DocumentFilters) -> bool:
    return filters.q is not None and bool(filters.q.strip())


def _postgres_match(q: str) -> ColumnElement[bool]:
    """Documents whose text holds every word of ``q``: the stored tsvector, through its GIN
    index or, for a common word, checked row by row along the id order without parsing
    the text again (an expression index made that plan run ``to_tsvector`` per row)."""
    config: ColumnElement[Any] = literal_column(f"'{SEARCH_CONFIG}'::regconfig")
    vector: ColumnElement[Any] = literal_column(f"{Document.__tablename__}.{SEARCH_COLUMN}")
    return vector.op("@@")(func.plainto_tsquery(config, " ".join(words_of(q))))


def documents_query(
    session: Session,
    project: Project,
    filters: DocumentFilters,
    *columns: Any,
    after: int | None = None,
) -> Select[Any]:
    """SELECT ``columns`` FROM the project's documents that pass ``filters``; with ``after``
    (a document id, sorts ``id`` and ``-id`` only), those after it in that order (keyset).

    On SQLite a search drives the query from the FTS5 table (joined to ``document`` by
    rowid): FTS5 hands hits over in rowid order, so the first page of a common word stops
    after 50 rows and a rare word never visits the other documents. The one FTS5 table holds
    every project's words, so FTS5 is also given the project's span of ids (``_fts_span``):
    a small project beside a big one walks the word's hits among its own ids, not the big
    project's (a common word: 50 -> 0.4 ms beside 100,000 documents, issue 13)."""
    clauses = filter_clauses(session, project, filters)
    descending = filters.sort == "-id"
    if after is not None and filters.sort not in ("id", "-id"):
        raise InvalidInput(f"after pages by id: it cannot be used with sort={filters.sort}")
    if not _searching(filters) or session.get_bind().dialect.name == "postgresql":
        if after is not None:
            clauses.append(Document.id < after if descending else Document.id > after)
        if not _searching(filters):
            return select(*columns).where(*clauses)
        return select(*columns).where(_postgres_match(filters.q or ""), *clauses)
    fts = table(SEARCH_TABLE, column("rowid"))
    # FTS5 query syntax: each word a quoted string (no operators), implicitly ANDed.
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words_of(filters.q or ""))
    # Unary + keeps SQLite from walking the project's index instead of the hits.
    clauses[0] = literal_column(f"+{Document.__tablename__}.project_id") == project.id
    return (
        select(*columns)
        .select_from(fts)
        .join(Document, Document.id == fts.c.rowid)
        .where(text(f"{SEARCH_TABLE} MATCH :search_words").bindparams(search_words=match))
        .where(*_fts_span(fts.c.rowid, project, after, descending))
        .where(*clauses)
    )


def _fts_span(
    rowid: ColumnElement[int], project: Project, after: int | None, descending: bool
) -> list[ColumnElement[bool]]:
    """FTS5 rowid bounds: the project's lowest and highest document ids (two seeks in its
    (project_id, id) index), narrowed by a keyset ``after``. One bound a side, each a
    single expression: FTS5 seeks its hits to one lower and one upper rowid bound and
    filters by the others, so a second lower bound written first would be the one sought
    (a keyset page deep in a big project walked from the project's first id: 0.06 -> 4 ms)."""
    own = Document.project_id == project.id
    low: ColumnElement[Any] = select(func.min(Document.id)).where(own).scalar_subquery()
    high: ColumnElement[Any] = select(func.max(Document.id)).where(own).scalar_subquery()
    if after is not None and descending:
        high = func.min(high, after - 1)
    elif after is not None:
        low = func.max(low, after + 1)
    return [rowid >= low, rowid <= high]


def _annotation(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Annotation.document_id == Document.id, *conditions)


def _status(status: str, overlap: int) -> ColumnElement[bool]:
    """The SQL form of ``status.document_status`` (kept in step with it by the tests)."""
    manual = Annotation.kind == "manual"
    gold = _annotation(Annotation.kind == "gold")
    submitted = (
        select(func.count(Annotation.id))
        .where(Annotation.document_id == Document.id, manual, Annotation.status == "submitted")
        .scalar_subquery()
    )
    started = _annotation(manual, Annotation.status.in_(("submitted", "draft")))
    if status == "reviewed":
        return gold
    if status == "annotated":
        return and_(not_(gold), submitted >= overlap)
    if status == "in progress":
        return and_(not_(gold), started, submitted < overlap)
    if status == "new":
        return and_(not_(gold), not_(started))
    raise InvalidInput(f"unknown status {status!r}")


def filter_clauses(
    session: Session, project: Project, filters: DocumentFilters
) -> list[ColumnElement[bool]]:
    """WHERE clauses narrowing ``Document`` rows of ``project`` to ``filters`` (all but the
    words, which ``documents_query`` adds), the project's own first."""
    clauses: list[ColumnElement[bool]] = [Document.project_id == project.id]
    if filters.status is not None:
        clauses.append(_status(filters.status, project.overlap))
    if filters.annotator is not None:
        user_id = session.scalar(select(User.id).where(User.username == filters.annotator))
        if user_id is None:
            raise InvalidInput(f"annotator {filters.annotator!r}: no such user")
        clauses.append(_annotation(Annotation.kind == "manual", Annotation.user_id == user_id))
    if filters.label is not None:
        if filters.label not in {label.name for label in project.labels}:
            raise InvalidInput(f"label {filters.label!r} is not a label of this project")
        labelled = store.has_entity(Annotation.id, filters.label)
        # Any annotation of the document counts: the model's, an annotator's or gold.
        clauses.append(_annotation(or_(Annotation.kind != "manual",
                                       Annotation.status != "skipped"), labelled))  # fmt: skip
    if filters.gold is not None:
        gold = _annotation(Annotation.kind == "gold")
        clauses.append(gold if filters.gold else not_(gold))
    if filters.archived is not None:
        archived = Document.archived_at.is_not(None)
        clauses.append(archived if filters.archived else not_(archived))
    if filters.meta is not None:
        field, value = meta_filter(filters.meta)
        clauses.append(_meta_text(session, field) == value)
    if filters.agreement_below is not None:
        clauses.extend(_agreement_below(filters.agreement_below))
    return clauses


def _agreement_below(threshold: float) -> list[ColumnElement[bool]]:
    """The document's review score (kept by ``review.service.on_submitted`` on every
    submission, the number the review queue sorts by) is below ``threshold``, and at least
    two annotators submitted it: one annotator agrees with nobody, so has no score."""
    submitted = (
        select(func.count(Annotation.id))
        .where(Annotation.document_id == Document.id, Annotation.kind == "manual",
               Annotation.status == "submitted")
        .scalar_subquery()
    )  # fmt: skip
    scored = exists().where(ReviewItem.document_id == Document.id, ReviewItem.score < threshold)
    return [scored, submitted >= 2]


def meta_filter(given: str) -> tuple[str, str]:
    """``FIELD=VALUE`` split at the first ``=``; the field is a top-level metadata key."""
    field, equals, value = given.partition("=")
    field = field.strip()
    if not equals or not field:
        raise InvalidInput(f"meta {given!r}: write FIELD=VALUE, e.g. meta=source=bbc")
    if "\x00" in given:
        raise InvalidInput(f"meta {given!r}: a NUL character cannot be stored, so never matches")
    if '"' in field or "\\" in field:
        raise InvalidInput(f"meta {given!r}: a field name cannot hold quotes or backslashes")
    return field, value


def _meta_text(session: Session, field: str) -> ColumnElement[Any]:
    """The field's value as text, the same on both backends: a string as it is, a number
    as written, ``true`` / ``false``; objects, arrays and null match nothing useful.

    PostgreSQL's ``->>`` gives exactly that; SQLite's ``json_extract`` gives SQL values
    (1 for true, 2017 for 2017), so it is rebuilt from ``json_type``."""
    if session.get_bind().dialect.name == "postgresql":
        as_text: ColumnElement[Any] = Document.meta[field].as_string()
        return as_text
    path = f'$."{field}"'
    kind = func.json_type(Document.meta, path)
    return case(
        (kind == "true", "true"),
        (kind == "false", "false"),
        else_=cast(func.json_extract(Document.meta, path), String),
    )


def id_key(session: Session, filters: DocumentFilters) -> Any:
    """The document id as the query should compare and order it: on SQLite a search orders
    by the FTS5 rowid (the same number) so that FTS5 hands rows over in order, unsorted."""
    if _searching(filters) and session.get_bind().dialect.name == "sqlite":
        return literal_column(f"{SEARCH_TABLE}.rowid")
    return Document.id
