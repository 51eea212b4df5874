"""SQLite's full-text index holds every document again, staged ones included: an import
indexes each batch it stores, with one statement in the batch's transaction, instead of
indexing at publishing (migration 0028).

Publishing ran after the whole file was read, where nothing overlaps it: the tokenizing
worker waits while the storing process indexes and moves 100,000 documents. Indexed as they
are stored, the documents only move when published. Searches ask for one project's
documents, so a staged one is found by none (``projects.search``).

The insert trigger still skips staged documents (``staging.index_new`` indexes them in
bulk); the delete and text-update triggers are those of migration 0014 again, since every
document is in the index. Staging projects present at upgrade time have their documents
indexed, so the rule holds from here on. PostgreSQL is unchanged.

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
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
        "INSERT INTO document_fts(rowid, text) SELECT id, text FROM document"
        f" WHERE project_id IN ({_STAGED})"
    )
    _triggers("")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _triggers(_NOT_STAGED)
    op.execute(
        "INSERT INTO document_fts(document_fts, rowid, text) SELECT 'delete', id, text"
        f" FROM document WHERE project_id IN ({_STAGED})"
    )
