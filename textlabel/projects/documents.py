"""The document list of a project with each document's annotation status."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from textlabel.annotate.totals import document_total
from textlabel.errors import InvalidInput
from textlabel.models import Annotation, Document, Job, Project
from textlabel.projects.search import SORTS, DocumentFilters, documents_query, id_key
from textlabel.projects.status import document_status


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    preview: str
    source: str | None
    chars: int
    submitted: int
    drafts: int
    has_prediction: bool
    has_gold: bool
    status: str  # new | in progress | annotated | reviewed
    archived: bool = False


@dataclass(frozen=True, slots=True)
class DocumentPage:
    items: list[DocumentRow]
    page: int
    per_page: int
    total: int
    next_after: int | None = None  # pass as ``after`` for the next page (keyset)
    total_exact: bool = True  # False: more than COUNT_CAP documents; total is COUNT_CAP

    @property
    def pages(self) -> int:
        """How many pages ``total`` fills."""
        return page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    """Pages of ``per_page`` that ``total`` rows fill: at least one ("page 1 of 1" when empty)."""
    return max(1, -(-total // per_page))


def list_documents(
    session: Session,
    project: Project,
    *,
    page: int = 1,
    per_page: int = 50,
    after: int | None = None,
    before: int | None = None,
    last: bool = False,
    filters: DocumentFilters | None = None,
) -> DocumentPage:
    """One page of the project's documents that pass ``filters``, with their status.

    ``after`` / ``before`` (a document id, with the id sorts only) page by key: the page
    after or before that document, as fast at the millionth document as at the first (the
    web page's next and previous links carry them), ``last`` reads the final page from the
    end by key; ``page`` alone pages by offset (old links, a jump: its cost grows with the
    offset). ``page`` is then only the number shown. Statistics are gathered for the page's
    documents only, never for the whole project."""
    filters = filters or DocumentFilters()
    if last:
        return _last_page(session, project, page, per_page, after, before, filters)
    if before is not None:
        return _page_before(session, project, page, per_page, after, before, filters)
    total, exact = _count(session, project, filters)
    columns = (
        Document.id,
        func.substr(Document.text, 1, 160),
        Document.source_file,
        func.length(Document.text),
        Document.overlap,
        Document.archived_at,
    )
    if after is not None and filters.sort not in ("id", "-id"):
        raise InvalidInput(f"after pages by id: it cannot be used with sort={filters.sort}")
    key = id_key(session, filters)
    if filters.q and exact and session.get_bind().dialect.name == "postgresql":
        # Few hits: take them through the GIN index first, choose the page among them, then
        # read those rows by id. Left alone, PostgreSQL walked the primary key recomputing
        # every text's words (50 s for a word in 34 of 1M documents): it guesses far more
        # hits for a rare word than there are.
        hits = documents_query(session, project, filters, Document.id,
                               func.length(Document.text).label("chars")).cte("hits")  # fmt: skip
        hits = hits.prefix_with("MATERIALIZED")
        inner = select(hits.c.id).order_by(*_order(filters.sort, hits.c.id, hits.c.chars))
        inner = _paged(inner.limit(per_page), hits.c.id, filters.sort, after, page, per_page)
        query = select(*columns).where(Document.id.in_(inner)).order_by(
            *_order(filters.sort, Document.id, func.length(Document.text)))  # fmt: skip
    elif after is None and page > 1 and filters.sort in ("id", "-id"):
        # By offset: skip over ids alone (an index-only walk of (project_id, id) when not
        # filtered), then read the page's rows by id, not every skipped row's text.
        inner = documents_query(session, project, filters, key.label("id"))
        inner = _paged(inner.order_by(*_order(filters.sort, key, key)).limit(per_page),
                       key, filters.sort, None, page, per_page)  # fmt: skip
        query = select(*columns).where(Document.id.in_(inner.scalar_subquery())).order_by(
            *_order(filters.sort, Document.id, Document.id))  # fmt: skip
    else:
        query = documents_query(session, project, filters, *columns, after=after)
        query = query.order_by(*_order(filters.sort, key, func.length(Document.text)))
        query = query.limit(per_page)
        if after is None:  # by offset; documents_query pages by key
            query = _paged(query, key, filters.sort, None, page, per_page)
    rows = session.execute(query).all()
    stats = _stats(session, [row[0] for row in rows])
    items = []
    for document_id, preview, source, chars, routed, archived_at in rows:
        submitted, drafts, prediction, gold = stats.get(document_id, (0, 0, False, False))
        items.append(
            DocumentRow(
                id=document_id,
                preview=preview,
                source=source,
                chars=chars,
                submitted=submitted,
                drafts=drafts,
                has_prediction=prediction,
                has_gold=gold,
                status=document_status(
                    submitted=submitted,
                    drafts=drafts,
                    has_gold=gold,
                    overlap=routed or project.overlap,  # routed documents need fewer
                ),  # fmt: skip
                archived=archived_at is not None,
            )
        )
    if not exact and after is None and len(items) < per_page and (items or page == 1):
        # A page by offset that is not full is the last: the total is known. This matters
        # when PostgreSQL's estimate put a search past the cap uncounted: it is the whole
        # table's, so a word common in another project looks common here too (README).
        total, exact = (page - 1) * per_page + len(items), True
    next_after = items[-1].id if len(items) == per_page and filters.sort in ("id", "-id") else None
    return DocumentPage(items=items, page=page, per_page=per_page, total=total,
                        total_exact=exact, next_after=next_after)  # fmt: skip


def _page_before(
    session: Session,
    project: Project,
    page: int,
    per_page: int,
    after: int | None,
    before: int,
    filters: DocumentFilters,
) -> DocumentPage:
    """The page that ends just before document ``before``: the page after it in the
    reverse order, turned round. Fewer than a full page means it is the first page."""
    if after is not None:
        raise InvalidInput("page by after or by before, not both")
    if filters.sort not in ("id", "-id"):
        raise InvalidInput(f"before pages by id: it cannot be used with sort={filters.sort}")
    turned = replace(filters, sort="-id" if filters.sort == "id" else "id")
    got = list_documents(session, project, per_page=per_page, after=before, filters=turned)
    items = got.items[::-1]
    return replace(got, items=items, page=page if len(items) == per_page else 1,
                   next_after=items[-1].id if items else None)  # fmt: skip


def _last_page(
    session: Session,
    project: Project,
    page: int,
    per_page: int,
    after: int | None,
    before: int | None,
    filters: DocumentFilters,
) -> DocumentPage:
    """The final page: the first page of the reverse order, turned round. With an exact
    total it holds what an offset read of the last page would (``total`` less the full
    pages before it), so its previous page by ``before`` lines up with the offset pages."""
    if after is not None or before is not None:
        raise InvalidInput("last reads the final page: not with after or before")
    if filters.sort not in ("id", "-id"):
        raise InvalidInput(f"last pages by id: it cannot be used with sort={filters.sort}")
    total, exact = _count(session, project, filters)
    pages = page_count(total, per_page)
    size = total - (pages - 1) * per_page if exact and total else per_page
    turned = replace(filters, sort="-id" if filters.sort == "id" else "id")
    got = list_documents(session, project, per_page=size, filters=turned)
    return replace(got, items=got.items[::-1], page=pages if exact else page,
                   per_page=per_page, next_after=None)  # fmt: skip


def _order(sort: str, key: Any, length: Any) -> list[Any]:
    if sort not in SORTS:
        raise InvalidInput(f"sort {sort!r}: expected one of {', '.join(SORTS)}")
    return {"id": [key.asc()], "-id": [key.desc()], "length": [length.asc(), key.asc()],
            "-length": [length.desc(), key.asc()]}[sort]  # fmt: skip


def _paged(query: Any, key: Any, sort: str, after: int | None, page: int, per_page: int) -> Any:
    if after is not None:
        return query.where(key < after if sort == "-id" else key > after)
    return query.offset((page - 1) * per_page)


# A listing counts its documents up to here: beyond, "10,000+" says as much as an exact number,
# and counting every one of a million documents (or of a common word's hits) takes 0.3 s and
# more on every page.
COUNT_CAP = 10_000


# A search whose hits PostgreSQL's planner estimates at more than this many times the cap is
# not counted at all: its statistics on the stored tsvector (most common words, from ANALYZE)
# put a word in a fifth of a million documents at ~200,000 hits, and counting even the first
# 10,001 of them reads 50,000+ rows (200 ms for "have" at 1M).
ESTIMATE_FACTOR = 10


def _count(session: Session, project: Project, filters: DocumentFilters) -> tuple[int, bool]:
    """The documents passing ``filters``, and whether that is exact (counting stops after
    COUNT_CAP + 1 rows, so a larger total is reported as COUNT_CAP, not exact). Unfiltered
    (or only by ``archived``), the project's maintained count: exact and one row."""
    if not replace(filters, archived=None, sort="id").active:  # no filter but archived
        return document_total(session, project.id, archived=filters.archived), True
    if _surely_over_cap(session, project, filters):
        return COUNT_CAP, False
    rows = documents_query(session, project, filters, Document.id).limit(COUNT_CAP + 1)
    n = session.scalar(select(func.count()).select_from(rows.subquery())) or 0
    return min(n, COUNT_CAP), n <= COUNT_CAP


def _surely_over_cap(session: Session, project: Project, filters: DocumentFilters) -> bool:
    """Whether the planner expects a plain search (words only, no other filter) on PostgreSQL
    to find more than ESTIMATE_FACTOR x COUNT_CAP documents. Only words: their estimate comes
    from the column's own statistics; the other filters are EXISTS clauses it can only guess."""
    if session.get_bind().dialect.name != "postgresql" or not filters.q or not filters.q.strip():
        return False
    if replace(filters, q=None, sort="id").active:
        return False
    query = documents_query(session, project, filters, Document.id)
    compiled = query.compile(dialect=session.get_bind().dialect)
    plan = (
        session.connection()
        .exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params)
        .scalar_one()
    )
    estimate = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]["Plan Rows"]
    return bool(estimate > ESTIMATE_FACTOR * COUNT_CAP)


def _stats(session: Session, ids: list[int]) -> dict[int, tuple[int, int, bool, bool]]:
    """Submitted and draft counts, and whether there is a prediction and gold, per document."""
    manual = Annotation.kind == "manual"
    rows = session.execute(
        select(
            Annotation.document_id,
            func.sum(case((manual & (Annotation.status == "submitted"), 1), else_=0)),
            func.sum(case((manual & (Annotation.status == "draft"), 1), else_=0)),
            func.max(case((Annotation.kind == "prediction", 1), else_=0)),
            func.max(case((Annotation.kind == "gold", 1), else_=0)),
        )
        .where(Annotation.document_id.in_(ids))
        .group_by(Annotation.document_id)
    )
    return {row[0]: (row[1] or 0, row[2] or 0, bool(row[3]), bool(row[4])) for row in rows}


def recent_jobs(session: Session, project: Project, *, limit: int = 5) -> list[Job]:
    return list(
        session.scalars(
            select(Job).where(Job.project_id == project.id).order_by(Job.id.desc()).limit(limit)
        )
    )
