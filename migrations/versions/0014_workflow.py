"""full-text search of documents: an FTS5 table kept in sync by triggers (SQLite), a GIN index
on the text's word vector (PostgreSQL)

Whole words, case-insensitively, no stemming: ``unicode61`` with diacritics kept on SQLite,
the ``simple`` configuration on PostgreSQL. Neither is described by the models (they are
skipped by the schema comparison, see ``textlabel.migrate.include_name``).

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-29 15:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0012"
branch_labels = None
depends_on = None

_SQLITE = (
    "CREATE VIRTUAL TABLE document_fts USING fts5(text, content='document', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER document_fts_insert AFTER INSERT ON document BEGIN"
    " INSERT INTO document_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER document_fts_delete AFTER DELETE ON document BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " END",
    "CREATE TRIGGER document_fts_update AFTER UPDATE OF text ON document BEGIN"
    " INSERT INTO document_fts(document_fts, rowid, text) VALUES ('delete', old.id, old.text);"
    " INSERT INTO document_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO document_fts(document_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE:
            op.execute(statement)
    else:
        op.execute(
            "CREATE INDEX ix_document_fts ON document"
            " USING gin (to_tsvector('simple'::regconfig, text))"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER document_fts_{trigger}")
        op.execute("DROP TABLE document_fts")
    else:
        op.execute("DROP INDEX ix_document_fts")
