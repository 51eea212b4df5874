"""Documents: immutable text plus the tokenization every annotation of it shares."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow

# Full-text search lives outside the ORM metadata (migration 0014): an FTS5 table kept in sync by
# triggers on SQLite; on PostgreSQL a stored tsvector column (migration 0020) with a GIN index,
# and an unindexed one holding a staged document's vector until it is published (migration
# 0030, ``ingest.staging``). Schema comparison skips them.
SEARCH_TABLE = "document_fts"
SEARCH_INDEX = "ix_document_fts"
SEARCH_COLUMN = "search_vector"
STAGED_SEARCH_COLUMN = "staged_vector"
# The text search configuration: lower-cased whole words, no stemming, no stop words.
SEARCH_CONFIG = "simple"


def is_search_object(name: str | None) -> bool:
    """Whether a table, index or column name belongs to the full-text search (not in the
    models)."""
    return bool(name) and (
        name in (SEARCH_INDEX, SEARCH_COLUMN, STAGED_SEARCH_COLUMN)
        or str(name).startswith(SEARCH_TABLE)
    )


class Document(Base):
    """``tokens`` is the stored form of ``textlabel.tokens.Tokens`` (``{"offsets": [s0, e0, s1,
    e1, ...], "sent_starts": [...]}``): every document is tokenized when it is stored."""

    __tablename__ = "document"
    __table_args__ = (
        # The duplicate check's; without project_id, so that moving an import's documents
        # into their project (SQLite's publishing) leaves it alone (migration 0031).
        Index("ix_document_content_hash", "content_hash"),
        # Keyset pages, claims and exports walk a project's documents in id order.
        Index("ix_document_project_id", "project_id", "id"),
        # Covers agreement.stored's summary: which of a project's documents are archived
        Index("ix_document_project_archived", "project_id", "archived_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source_file: Mapped[str | None] = mapped_column(String(500), default=None)
    source_unit: Mapped[str | None] = mapped_column(String(20), default=None)
    source_number: Mapped[int | None] = mapped_column(default=None)
    content_hash: Mapped[str] = mapped_column(String(64))
    tokens: Mapped[dict[str, Any]]
    # [start, end) per page of a paged source (PDF); never taken from the source's metadata
    pages: Mapped[list[Any] | None] = mapped_column(default=None)
    # The active model's uncertainty about the document (``nlp.uncertainty``); the
    # queue can hand out the most uncertain first. None: not scored.
    uncertainty: Mapped[float | None] = mapped_column(default=None)
    # Annotators this document goes to when it differs from the project's overlap (routing:
    # documents two models agree on fully may need fewer). None: the project's overlap.
    overlap: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When a manager archived it (``projects.archive``): read-only, out of the annotation
    # and review queues, agreement and exports, still listed and readable. None: active.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)


class DocumentCount(Base):
    """A project's documents (``documents``) and those not archived (``active``), counted by
    database triggers (migration 0026) on every insert, delete, move between projects (an
    import's publish), archive and unarchive, whichever code path runs them. Reading a
    project's total is then one row: ``count(*)`` over a million documents took 60 ms on
    every ``/next`` (issue 13). Written only by the triggers; a project's row is created
    with the project."""

    __tablename__ = "project_document_count"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    documents: Mapped[int] = mapped_column(BigInteger, default=0)
    active: Mapped[int] = mapped_column(BigInteger, default=0)


# The uncertainty queue (``annotate.queue``): a project's scored documents still in play, most
# uncertain first (ties in import order), walked until a page of untouched ones is found
# instead of sorting them all. Partial: projects that do not score pay nothing for it.
Index(
    "ix_document_project_uncertainty",
    Document.project_id,
    Document.uncertainty.desc(),
    Document.id,
    sqlite_where=text("uncertainty IS NOT NULL AND archived_at IS NULL"),
    postgresql_where=text("uncertainty IS NOT NULL AND archived_at IS NULL"),
)
