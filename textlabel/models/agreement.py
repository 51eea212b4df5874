"""Cached per-document agreement statistics, so a project report recomputes only what changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow


class AgreementStats(Base):
    """One document's ``DocumentStats`` for one layer, valid while ``fingerprint`` matches.

    The fingerprint hashes the ids, versions and authors of the annotations the statistics
    were computed from; a save bumps a version, so a stale row is simply recomputed and
    replaced. Rows go with their document (``ON DELETE CASCADE``).
    """

    __tablename__ = "agreement_stats"
    __table_args__ = (
        CheckConstraint(
            "layer IN ('entities', 'pos', 'coref', 'relations', 'cats', 'spans')",
            name="layer_known",
        ),
    )

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    layer: Mapped[str] = mapped_column(String(10), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    stats: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReportCache(Base):
    """A whole project report (agreement of one layer, feedback against gold, the
    Annotators page), valid while ``digest`` matches a summary of its inputs.

    ``agreement.stored`` reads it in one row, so an unchanged project answers without
    touching every document; a row whose digest differs, or that cannot be read back, is
    recomputed and replaced. Rows go with their project (``ON DELETE CASCADE``).
    """

    __tablename__ = "report_cache"

    project_id: Mapped[int] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    payload: Mapped[bytes] = mapped_column(LargeBinary)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
