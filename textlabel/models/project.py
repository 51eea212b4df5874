"""Projects, their members with roles, and their entity labels."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from textlabel.layers import LAYERS
from textlabel.models.base import Base, utcnow
from textlabel.models.user import User

__all__ = ["LAYERS", "ROLES", "Label", "Membership", "Project"]

ROLES = ("manager", "annotator", "reviewer")


class Project(Base):
    __tablename__ = "project"
    __table_args__ = (CheckConstraint("overlap >= 1", name="overlap_positive"),)

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
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A staging project holds an import's documents until the whole file is in; then they
    # move to ``staged_for_id`` at once. Nobody sees it: listings and permissions skip it.
    staged_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("project.id", ondelete="CASCADE"), default=None, index=True
    )
    staged_seen_at: Mapped[datetime | None] = mapped_column(default=None)  # importer's heartbeat

    labels: Mapped[list[Label]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Label.id"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Membership.id"
    )

    def has_layer(self, layer: str) -> bool:
        return layer in self.layers


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
