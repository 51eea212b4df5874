"""project_document_count: each project's documents and active documents, kept by triggers
(issue 13)

``/next`` showed the project's total with ``count(*)`` over its active documents: 60 ms at
1,000,000 documents, on every request. The count is now one row per project that database
triggers keep exact on every insert, delete, move between projects (an import's publish
changes ``project_id``), archive and unarchive: every path, ORM or raw SQL, by construction.
A save never touches a document row, so it never waits on the counter.

SQLite runs a row-level trigger per document (an indexed one-row UPDATE, a few microseconds
beside an import's ~300 us a document). PostgreSQL runs one trigger per *statement*, over
its transition tables: a row-level trigger updating the same counter row once per document
in one transaction (a 20,000-row COPY, a 100,000-row publish) leaves a chain of row versions
each next update must walk. Its counter rows are updated in project order, so two
statements that change the same projects cannot deadlock on them.

A project's row is created by its first document (an upsert), so a project with no
documents may have none: readers take a missing row as 0. No trigger on ``project``: a
future batch (table copy) migration of it would drop that trigger silently. A batch
migration of ``document`` itself drops these triggers (and the search ones): it must create
them again (tests/test_document_counts.py fails if the counts stop following).

Revision ID: 0026
Revises: 0025
Create Date: 2026-11-30 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

TABLE = "project_document_count"

_SQLITE_ADD = (
    f"INSERT INTO {TABLE} (project_id, documents, active) VALUES"
    " (new.project_id, 1, new.archived_at IS NULL) ON CONFLICT (project_id) DO UPDATE SET"
    " documents = documents + 1, active = active + excluded.active;"
)
_SQLITE_REMOVE = (
    f"UPDATE {TABLE} SET documents = documents - 1, active = active - (old.archived_at IS NULL)"
    " WHERE project_id = old.project_id;"
)
_SQLITE_TRIGGERS = {
    "insert": f"AFTER INSERT ON document BEGIN {_SQLITE_ADD} END",
    "delete": f"AFTER DELETE ON document BEGIN {_SQLITE_REMOVE} END",
    "update": (
        "AFTER UPDATE OF project_id, archived_at ON document WHEN"
        " old.project_id IS NOT new.project_id"
        " OR (old.archived_at IS NULL) IS NOT (new.archived_at IS NULL)"
        f" BEGIN {_SQLITE_REMOVE} {_SQLITE_ADD} END"
    ),
}

_PG_COUNTS = "count(*) AS documents, count(*) FILTER (WHERE archived_at IS NULL) AS active"
_PG_ADDED = f"SELECT project_id, {_PG_COUNTS} FROM new_rows GROUP BY project_id"
_PG_REMOVED = (
    "SELECT project_id, -count(*) AS documents,"
    " -count(*) FILTER (WHERE archived_at IS NULL) AS active FROM old_rows GROUP BY project_id"
)
_PG_CHANGES = {
    "insert": (_PG_ADDED, "NEW TABLE AS new_rows"),
    "delete": (_PG_REMOVED, "OLD TABLE AS old_rows"),
    "update": (
        f"{_PG_ADDED} UNION ALL {_PG_REMOVED}",
        "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    ),
}


def _pg_function(event: str, changes: str) -> str:
    return f"""CREATE FUNCTION {TABLE}_{event}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE change record;
BEGIN
  FOR change IN
    SELECT project_id, sum(documents) AS documents, sum(active) AS active
    FROM ({changes}) AS changes GROUP BY project_id
    HAVING sum(documents) <> 0 OR sum(active) <> 0 ORDER BY project_id
  LOOP
    INSERT INTO {TABLE} AS counted (project_id, documents, active)
    VALUES (change.project_id, change.documents, change.active)
    ON CONFLICT (project_id) DO UPDATE SET documents = counted.documents + excluded.documents,
      active = counted.active + excluded.active;
  END LOOP;
  RETURN NULL;
END $$"""


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("project.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("documents", sa.BigInteger(), nullable=False),
        sa.Column("active", sa.BigInteger(), nullable=False),
    )
    op.execute(
        f"INSERT INTO {TABLE} (project_id, documents, active) SELECT project_id, count(*),"
        " sum(CASE WHEN archived_at IS NULL THEN 1 ELSE 0 END) FROM document GROUP BY project_id"
    )
    if op.get_bind().dialect.name == "sqlite":
        for event, body in _SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {TABLE}_{event} {body}")
        return
    for event, (changes, tables) in _PG_CHANGES.items():
        op.execute(_pg_function(event, changes))
        op.execute(
            f"CREATE TRIGGER {TABLE}_{event} AFTER {event.upper()} ON document"
            f" REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_{event}()"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for event in _SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {TABLE}_{event}" + (" ON document" if postgres else ""))
        if postgres:
            op.execute(f"DROP FUNCTION {TABLE}_{event}()")
    op.drop_table(TABLE)
