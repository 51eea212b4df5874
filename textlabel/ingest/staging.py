"""An import's staging area: a hidden project that holds the documents until the file is in.

Committing an import in batches keeps SQLite's write lock short (annotators keep saving
while a manager imports 600k rows) and PostgreSQL's transactions small, but batches must not
show: a file is imported whole or not at all. So each batch lands in a staging project that
no listing, permission check or queue sees; when the last batch is in, one UPDATE moves every
document into the real project (one short transaction), and a failure deletes the staging
project in batches. A staging project whose importer stopped beating (a killed process) is
removed by ``remove_abandoned``.

Search data is written in bulk (migration 0021): on SQLite the FTS5 insert trigger skips
staged documents and ``index_batch`` indexes each batch with one statement (five times
cheaper than the trigger); on PostgreSQL staged rows are written with an empty
``search_vector`` (``bulk``), computed once by the UPDATE that publishes them (a generated
column was computed at the COPY and again at that UPDATE, with its GIN entries each time).
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from textlabel.models import Document, Project, User
from textlabel.models.base import utcnow
from textlabel.models.document import SEARCH_COLUMN, SEARCH_CONFIG, SEARCH_TABLE

DELETE_BATCH = 5000
ABANDONED_AFTER = timedelta(minutes=10)


def open_staging(session: Session, project: Project, user: User) -> Project:
    """A fresh staging project for one import into ``project``; committed."""
    staging = Project(
        name=f"{project.name[:150]} (import {uuid.uuid4().hex[:12]})",
        layers=list(project.layers),
        overlap=project.overlap,
        blind=project.blind,
        spacy_model=project.spacy_model,
        created_by_id=user.id,
        staged_for_id=project.id,
        staged_seen_at=utcnow(),
    )
    session.add(staging)
    session.commit()
    return staging


def touch(session: Session, staging_id: int) -> None:
    """The importer's heartbeat, written with each batch."""
    session.execute(update(Project).where(Project.id == staging_id).values(staged_seen_at=utcnow()))


def index_batch(session: Session, staging_id: int, first_id: int) -> None:
    """Add the staged documents from ``first_id`` on to SQLite's full-text index, in the
    batch's transaction (PostgreSQL indexes them in ``publish``)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    session.execute(
        text(
            f"INSERT INTO {SEARCH_TABLE}(rowid, text) SELECT id, text FROM document"
            " WHERE project_id = :staging AND id >= :first"
        ),
        {"staging": staging_id, "first": first_id},
    )


_PG_PUBLISH = text(
    f"UPDATE document SET project_id = :project, {SEARCH_COLUMN} = "
    f"to_tsvector('{SEARCH_CONFIG}'::regconfig, text) WHERE project_id = :staging"
)


def publish(session: Session, staging_id: int, project_id: int) -> None:
    """Move every staged document into the project and drop the staging project; commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_PG_PUBLISH, {"project": project_id, "staging": staging_id})
    else:
        session.execute(
            update(Document)
            .where(Document.project_id == staging_id)
            .values(project_id=project_id)
            .execution_options(synchronize_session=False)
        )
    session.execute(delete(Project).where(Project.id == staging_id))
    session.commit()


def discard(session: Session, staging_id: int) -> None:
    """Delete a staging project and its documents, a batch per transaction; commits."""
    session.rollback()
    while True:
        ids = list(
            session.scalars(
                select(Document.id).where(Document.project_id == staging_id).limit(DELETE_BATCH)
            )
        )
        if ids:
            session.execute(delete(Document).where(Document.id.in_(ids)))
        else:
            session.execute(delete(Project).where(Project.id == staging_id))
        session.commit()
        if not ids:
            return


def remove_abandoned(engine: Engine, *, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Discard staging projects whose importer has not beaten for ``older_than``."""
    with Session(engine) as session:
        stale = list(
            session.scalars(
                select(Project.id).where(
                    Project.staged_for_id.is_not(None),
                    Project.staged_seen_at < utcnow() - older_than,
                )
            )
        )
        for staging_id in stale:
            discard(session, staging_id)
    return len(stale)
