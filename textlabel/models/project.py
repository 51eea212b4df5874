"""Projects, their members with roles, their entity labels, and the labels of the other
labelled layers (relation labels, document categories, span-category labels)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from textlabel.layers import LABELLED_LAYERS, LAYERS
from textlabel.models.base import Base, utcnow
from textlabel.models.user import User

__all__ = ["LAYERS", "ROLES", "Label", "LayerLabel", "Membership", "Project"]

ROLES = ("manager", "annotator", "reviewer")


class Project(Base):
    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("overlap >= 1", name="overlap_positive"),
        CheckConstraint("cats_mode IN ('single', 'multi')", name="cats_mode_known"),
        CheckConstraint("span_overlap IN ('any', 'none')", name="span_overlap_known"),
    )
    __mapper_args__ = {"eager_defaults": False}  # see staged_publishing

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    layers: Mapped[list[str]] = mapped_column(default=lambda: ["entities"])
    overlap: Mapped[int] = mapped_column(default=1)
    blind: Mapped[bool] = mapped_column(default=True)
    spacy_model: Mapped[str | None] = mapped_column(String(200), default=None)
    # Coreference annotation scheme preset (textlabel.nlp.coref.schemes): gum, ontonotes, ppo.
    coref_scheme: Mapped[str] = mapped_column(String(20), default="gum", server_default="gum")
    # spaCy's language code of the texts: the spaCy export's lang, the PDF word list
    language: Mapped[str] = mapped_column(String(20), default="en", server_default="en")
    # Model entity label -> project label; model labels absent here are dropped.
    label_map: Mapped[dict[str, Any]] = mapped_column(default=dict)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Document labels: one per document ("single") or any number ("multi")
    cats_mode: Mapped[str] = mapped_column(String(10), default="multi", server_default="multi")
    # Span categories: "any" lets spans overlap and nest, "none" keeps them apart
    span_overlap: Mapped[str] = mapped_column(String(10), default="any", server_default="any")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A staging project holds an import's documents until the whole file is in; then they
    # move to ``staged_for_id`` (``ingest/staging.py``). Nobody sees it: listings and
    # permissions skip it.
    staged_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), default=None, index=True
    )
    staged_seen_at: Mapped[datetime | None] = mapped_column(default=None)  # importer's heartbeat
    # The whole file is in and its documents are moving (in batches on SQLite): from here
    # the import only goes forward (``ingest.staging.discard`` finishes the move). No ORM
    # default and no RETURNING of it (``eager_defaults``): an ORM insert leaves the column out,
    # as on schemas before migration 0025 (``tests/test_migrations.py`` makes projects there).
    staged_publishing: Mapped[bool] = mapped_column(server_default=false(), deferred=True)

    labels: Mapped[list[Label]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Label.id"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Membership.id"
    )
    layer_labels: Mapped[list[LayerLabel]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="LayerLabel.id"
    )

    @property
    def archived(self) -> bool:
        """Archived: read-only and out of the default project list (projects/lifecycle.py)."""
        return bool((self.settings or {}).get("archived_at"))

    @property
    def guidelines(self) -> str:
        """The annotation guidelines (Markdown), kept in ``settings``; "" when none."""
        return str((self.settings or {}).get("guidelines") or "")

    def has_layer(self, layer: str) -> bool:
        return layer in self.layers

    def labels_of(self, layer: str) -> list[LayerLabel]:
        """The labels of a labelled layer ("relations", "cats", "spans"), in their order."""
        return [label for label in self.layer_labels if label.layer == layer]

    @property
    def relation_labels(self) -> list[LayerLabel]:
        return self.labels_of("relations")

    @property
    def categories(self) -> list[LayerLabel]:
        return self.labels_of("cats")

    @property
    def span_labels(self) -> list[LayerLabel]:
        return self.labels_of("spans")


class Membership(Base):
    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("project_id", "user_id"),
        CheckConstraint("role IN ('manager', 'annotator', 'reviewer')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))

    project: Mapped[Project] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class Label(Base):
    __tablename__ = "label"
    __table_args__ = (
        UniqueConstraint("project_id", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(7), default="#8ecae6")
    hotkey: Mapped[str | None] = mapped_column(String(1), default=None)

    project: Mapped[Project] = relationship(back_populates="labels")


class LayerLabel(Base):
    """A label of the relation, document-label or span-category layer.

    ``heads`` / ``children`` (relations only) list the entity labels a relation's head and
    child may carry (None: any); ``directed`` False makes a relation symmetric.
    """

    __tablename__ = "layer_label"
    __table_args__ = (
        UniqueConstraint("project_id", "layer", "name"),
        CheckConstraint("length(name) > 0", name="name_not_empty"),
        CheckConstraint(
            "layer IN (" + ", ".join(f"'{layer}'" for layer in LABELLED_LAYERS) + ")",
            name="layer_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    layer: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    color: Mapped[str] = mapped_column(String(7), default="#8ecae6")
    hotkey: Mapped[str | None] = mapped_column(String(1), default=None)
    heads: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    children: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    directed: Mapped[bool] = mapped_column(default=True)

    project: Mapped[Project] = relationship(back_populates="layer_labels")
