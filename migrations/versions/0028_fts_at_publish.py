"""SQLite's full-text index holds the documents of real projects only: an import's staged
documents are indexed when they are published, a thousand per statement, not per batch of
a hundred as they are stored (issue 13: about 16-20 us of the storing process's CPU per
document less, fewer and larger FTS5 segments).

Migration 0021's insert trigger already skips staged documents; the delete and text-update
triggers now skip them too, since a staged document is no longer in the index (an FTS5
``'delete'`` of a row it does not hold corrupts it). Staging projects present at upgrade
time have their documents taken out of the index, so the rule holds from here on. PostgreSQL
is unchanged: its vectors were already computed by the publishing UPDATE.

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

_STAGED = "SELECT id FROM project WHERE staged_for_id IS NOT NULL"
_NOT_STAGED = (
    " WHEN NOT EXISTS (SELECT 1 FROM project WHERE project.id = old.project_id"
    " AND staged_for_id IS NOT NULL)"
)
_DELETE = (
    "CREATE TRIGGER document_fts_delete AFTER DELETE ON document{when} BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " END"
)
_UPDATE = (
    "CREATE TRIGGER document_fts_update AFTER UPDATE OF text ON document{when} BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " INSERT INTO document_fts(rowid, text) VALUES (new.id, new.text); END"
)


def _triggers(when: str) -> None:
    for name in ("delete", "update"):
        op.execute(f"DROP TRIGGER document_fts_{name}")
    op.execute(_DELETE.format(when=when))
    op.execute(_UPDATE.format(when=when))


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "INSERT INTO document_fts(document_fts, rowid, text) SELECT 'delete', id, text"
        f" FROM document WHERE project_id IN ({_STAGED})"
    )
    _triggers(_NOT_STAGED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _triggers("")
    op.execute(
        "INSERT INTO document_fts(rowid, text) SELECT id, text FROM document"
        f" WHERE project_id IN ({_STAGED})"
    )
