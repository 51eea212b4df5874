"""Whole project reports kept in the database (``report_cache``) under a digest of their inputs.

A report (agreement of one layer, feedback against gold, the Annotators page) is read back in
one row while nothing it was computed from changed, so an unchanged project answers without
reading every document. The digest is cheap and in the database, never in the process (two
databases, or one restored from a backup, can share annotation ids and versions):

- one grouped query summarises the project's annotations per (kind, status, archived or
  not): how many, the sums of their ids, versions, documents and authors, the largest id and
  the latest ``updated_at``. Every change a report can see moves one of them: a save,
  submission, relabel or gold decision bumps a version and ``updated_at``; a new annotation
  (import, hand-out) adds to a count; a deletion (of an annotation, a document, a user)
  takes from one; a status change or an archived document moves rows between groups. Two
  covering indexes (migration 0023) let it read index pages only;
- the accounts' names (reports name annotators) and the consumer's own settings (labels,
  categories, ``min_items``, members) are added as text.

A row whose digest differs, that does not unpickle into the expected type, or that names a
class outside the report's own is recomputed and replaced (the unpickler refuses every
other global, so a tampered row cannot run code).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from textlabel.agreement.caching import NUMPY_GLOBALS
from textlabel.db import declare_write, replacing_insert
from textlabel.models import Annotation, Document, ReportCache, User
from textlabel.models.base import utcnow
from textlabel.projects.archive import ACTIVE

T = TypeVar("T")

# Part of every digest: bump it when a stored report's shape or meaning changes.
REPORT_FORMAT = "1"


@dataclass(frozen=True, slots=True)
class Group:
    """The summary of a project's annotations of one kind and status, archived or not."""

    kind: str
    status: str
    active: bool
    numbers: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Inputs:
    """What every stored report of a project is computed from, summarised (two queries)."""

    groups: tuple[Group, ...]
    users: str  # every account's id and name

    def digest(self, keep: Callable[[Group], bool], *settings: object) -> str:
        """The digest of the groups ``keep`` accepts, the accounts and ``settings``."""
        parts = [REPORT_FORMAT, self.users, *map(repr, settings)]
        parts += [repr(group) for group in self.groups if keep(group)]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def inputs(session: Session, project_id: int) -> Inputs:
    """Summarise the project's annotations (one grouped query) and the accounts."""
    active = ACTIVE.label("active")
    rows = session.execute(
        select(
            Annotation.kind,
            Annotation.status,
            active,
            func.count(),
            func.sum(Annotation.id),
            func.sum(Annotation.version),
            func.sum(Annotation.document_id),
            func.sum(func.coalesce(Annotation.user_id, 0)),
            func.max(Annotation.id),
            func.max(Annotation.updated_at),
        )
        .join(Document, Document.id == Annotation.document_id)
        .where(Document.project_id == project_id)
        .group_by(Annotation.kind, Annotation.status, active)
    ).all()
    groups = sorted(
        (Group(kind, status, bool(is_active), tuple(map(str, numbers)))
         for kind, status, is_active, *numbers in rows),
        key=lambda group: (group.kind, group.status, group.active),
    )  # fmt: skip
    users = session.execute(select(User.id, User.username).order_by(User.id)).all()
    return Inputs(tuple(groups), repr([tuple(row) for row in users]))


class _ReportsOnly(pickle.Unpickler):
    def __init__(self, blob: bytes, allowed: set[tuple[str, str]]) -> None:
        super().__init__(io.BytesIO(blob))
        self.allowed = allowed

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.allowed:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a stored report")
        return super().find_class(module, name)


def read(
    session: Session,
    project_id: int,
    name: str,
    digest: str,
    expected: type[T],
    classes: Iterable[type],
    item: type | None = None,
) -> T | None:
    """The stored report ``name`` when its digest is ``digest`` and it reads back as an
    ``expected`` (of ``item``s, for a list) made only of ``classes`` (and numpy scalars);
    else None."""
    row = session.execute(
        select(ReportCache.digest, ReportCache.payload).where(
            ReportCache.project_id == project_id, ReportCache.name == name
        )
    ).first()
    if row is None or row[0] != digest:
        return None
    allowed = NUMPY_GLOBALS | {(c.__module__, c.__qualname__) for c in classes}
    try:
        value = _ReportsOnly(row[1], allowed).load()
    except (pickle.UnpicklingError, EOFError, TypeError, ValueError, AttributeError, KeyError,
            IndexError, ImportError):  # fmt: skip
        return None
    if item is not None and not _list_of(value, item):
        return None
    return value if isinstance(value, expected) else None


def write(session: Session, project_id: int, name: str, digest: str, value: object) -> None:
    """Insert or replace the stored report (declares a write: reports are read by GETs)."""
    declare_write(session)
    values = {
        "project_id": project_id,
        "name": name,
        "digest": digest,
        "payload": pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL),
        "computed_at": utcnow(),
    }
    columns = ["digest", "payload", "computed_at"]
    statement = replacing_insert(session, ReportCache, ["project_id", "name"], columns)
    session.execute(statement.values(values))


def _list_of(value: Any, item: type) -> bool:
    return isinstance(value, list) and all(isinstance(one, item) for one in value)
