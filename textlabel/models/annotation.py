"""Annotations (one per document and author and kind) and their spans.

A prediction has no user; manual annotations belong to an annotator; gold to the document
(last saved by a reviewer). ``version`` grows on every save for optimistic concurrency.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from textlabel.models.base import Base, utcnow

KINDS = ("prediction", "manual", "gold")
STATUSES = ("draft", "submitted", "skipped")


class Annotation(Base):
    __tablename__ = "annotation"
    __table_args__ = (
        CheckConstraint("kind IN ('prediction', 'manual', 'gold')", name="kind_known"),
        CheckConstraint("status IN ('draft', 'submitted', 'skipped')", name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("(kind = 'manual') = (user_id IS NOT NULL)", name="manual_has_user"),
        Index(
            "uq_annotation_manual",
            "document_id",
            "user_id",
            unique=True,
            sqlite_where=text("kind = 'manual'"),
            postgresql_where=text("kind = 'manual'"),
        ),
        Index(
            "uq_annotation_single",
            "document_id",
            "kind",
            unique=True,
            sqlite_where=text("kind != 'manual'"),
            postgresql_where=text("kind != 'manual'"),
        ),
        # Covers agreement.stored's summary of a project's annotations (no row is read)
        Index(
            "ix_annotation_summary",
            "document_id",
            "kind",
            "status",
            "id",
            "version",
            "user_id",
            "updated_at",
        ),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("document.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    version: Mapped[int] = mapped_column(default=1)
    # Universal POS tag per token; None entries mean "the prediction, unchanged".
    pos: Mapped[list[Any] | None] = mapped_column(default=None)
    # Relations between entities: [[head_start, head_end, child_start, child_end, label,
    # score], ...] (annotate.store reads and writes them; None = none)
    relations: Mapped[list[Any] | None] = mapped_column(default=None)
    # Document labels: {label: value} (None = none)
    cats: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # Other per-token layers kept for lossless round trips (tags, lemmas, heads, deps...).
    token_layers: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    # The trained model that made a prediction (None: the base model, named in ``info``).
    model_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_version.id", ondelete="SET NULL"), default=None
    )
    # Who decided what (gold) or extra provenance; free-form JSON.
    info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)

    spans: Mapped[list[Span]] = relationship(
        back_populates="annotation",
        cascade="all, delete-orphan",
        order_by="(Span.layer, Span.start_char, Span.end_char)",
    )


class Span(Base):
    """An entity (layer "ent"), a coreference mention ("coref", chain in ``cluster``) or a
    span of the span-category layer ("sc", may overlap others)."""

    __tablename__ = "span"
    __table_args__ = (
        CheckConstraint("start_char >= 0", name="start_not_negative"),
        CheckConstraint("start_char < end_char", name="start_before_end"),
        CheckConstraint("start_token >= 0 AND start_token < end_token", name="tokens_ordered"),
        CheckConstraint("layer IN ('ent', 'coref', 'sc')", name="layer_known"),
        CheckConstraint("source IN ('model', 'human')", name="source_known"),
        CheckConstraint("(layer = 'coref') = (label IS NULL)", name="label_unless_mention"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    annotation_id: Mapped[int] = mapped_column(
        ForeignKey("annotation.id", ondelete="CASCADE"), index=True
    )
    layer: Mapped[str] = mapped_column(String(10), default="ent")
    start_char: Mapped[int]
    end_char: Mapped[int]
    start_token: Mapped[int]
    end_token: Mapped[int]
    label: Mapped[str | None] = mapped_column(String(100), default=None)
    cluster: Mapped[int | None] = mapped_column(default=None)
    source: Mapped[str] = mapped_column(String(10), default="human")
    score: Mapped[float | None] = mapped_column(default=None)

    annotation: Mapped[Annotation] = relationship(back_populates="spans")
