"""SQLite's full-text delete and text-update triggers act only on a document the index
holds: an import now indexes its staged documents every few batches (``staging.INDEX_EVERY``)
instead of every batch, so a staging project may hold documents not yet indexed when it is
discarded (a failed import, or the cascade when its target project is deleted mid-import).

An FTS5 ``'delete'`` of a row the index does not hold corrupts it (migration 0028), so the
triggers now ask the index's own per-document table first (``document_fts_docsize`` has a
row for each indexed document). A text update of an unindexed document leaves it to the
import's next indexing statement, which reads the document's current text. PostgreSQL is
unchanged.

Revision ID: 0033
Revises: 0032
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_INDEXED = " WHEN EXISTS (SELECT 1 FROM document_fts_docsize WHERE id = old.id)"
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
    _triggers(_INDEXED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    # 0029's rule: every document is in the index, staged ones included
    op.execute(
        "INSERT INTO document_fts(rowid, text) SELECT id, text FROM document"
        " WHERE id NOT IN (SELECT id FROM document_fts_docsize)"
    )
    _triggers("")
