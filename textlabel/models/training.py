"""Trained models of a project: one row per version, the pipeline itself in the instance folder."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow


class ModelVersion(Base):
    """A fine-tuned pipeline: what it saw (``data``), how it scored against its base on the
    same dev set (``scores``, ``curve``), where it lives (``path``, relative to the instance
    folder) and whether it pre-annotates the project (``active``, at most one per project)."""

    __tablename__ = "model_version"
    __table_args__ = (
        UniqueConstraint("project_id", "version"),
        Index(
            "uq_model_version_active",
            "project_id",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    version: Mapped[int]
    path: Mapped[str] = mapped_column(String(500))
    base_model: Mapped[str] = mapped_column(String(200))
    label_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    curve: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(default=False)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("job.id", ondelete="SET NULL"), default=None
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
