"""Review state per document: consolidated, waiting for a reviewer, held by one, decided.

A row appears when a document has its ``overlap`` submitted annotations (the consolidation
hook, or the queue catching up). ``reviewer_id`` + ``claimed_at`` say which reviewer holds the
document; claiming is one conditional UPDATE, so two reviewers never hold the same row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from textlabel.models.base import Base, utcnow

REVIEW_STATES = ("open", "auto_accepted", "reviewed")


class ReviewItem(Base):
    __tablename__ = "review_item"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'auto_accepted', 'reviewed')", name="state_known"),
        Index("ix_review_item_project_state_score", "project_id", "state", "score"),
    )

    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default="open")
    # The document's own agreement (lowest over the project's layers); lower = more dispute.
    score: Mapped[float] = mapped_column(default=1.0)
    # Labels of disputed entity candidates and the annotators compared, for the filters.
    labels: Mapped[list[Any]] = mapped_column(default=list)
    annotators: Mapped[list[Any]] = mapped_column(default=list)
    disputed: Mapped[int] = mapped_column(default=0)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None, index=True
    )
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    consolidated_at: Mapped[datetime] = mapped_column(default=utcnow)
