"""Search data of imported documents is filled in bulk, not by a per-row trigger.

An import stages its documents in a hidden project (``textlabel.ingest.staging``). On SQLite
FTS5's per-row trigger cost about five times what one ``INSERT ... SELECT`` per batch does,
so the insert trigger now skips staged documents and the importer indexes each batch in one
statement (in the batch's transaction: every committed document is still in the index). On
PostgreSQL the generated ``search_vector`` was computed at the COPY and again when publishing
moved the rows (a generated column is recomputed on every UPDATE), each time with its GIN
entries; it becomes a plain column that triggers fill when a row comes without one or its
text changes. The importer stages rows with an empty vector and fills it once, in the UPDATE
that publishes them.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_STAGED = "SELECT 1 FROM project WHERE project.id = new.project_id AND staged_for_id IS NOT NULL"
_SQLITE_INSERT = (
    "CREATE TRIGGER document_fts_insert AFTER INSERT ON document{when} BEGIN"
    " INSERT INTO document_fts(rowid, text) VALUES (new.id, new.text); END"
)
_PG_FUNCTION = (
    "CREATE FUNCTION document_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
    " NEW.search_vector := to_tsvector('simple'::regconfig, NEW.text); RETURN NEW; END $$"
)
# A row inserted with a vector (an import's staged row, given an empty one) keeps it.
_PG_TRIGGERS = (
    "CREATE TRIGGER document_search_vector_insert BEFORE INSERT ON document FOR EACH ROW"
    " WHEN (NEW.search_vector IS NULL) EXECUTE FUNCTION document_search_vector()",
    "CREATE TRIGGER document_search_vector_update BEFORE UPDATE OF text ON document"
    " FOR EACH ROW WHEN (NEW.text IS DISTINCT FROM OLD.text)"
    " EXECUTE FUNCTION document_search_vector()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER document_fts_insert")
        op.execute(_SQLITE_INSERT.format(when=f" WHEN NOT EXISTS ({_STAGED})"))
        return
    op.execute("ALTER TABLE document ALTER COLUMN search_vector DROP EXPRESSION")
    op.execute(_PG_FUNCTION)
    for trigger in _PG_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER document_fts_insert")
        op.execute(_SQLITE_INSERT.format(when=""))
        return
    for trigger in ("insert", "update"):
        op.execute(f"DROP TRIGGER document_search_vector_{trigger} ON document")
    op.execute("DROP FUNCTION document_search_vector()")
    op.execute("DROP INDEX ix_document_fts")
    op.execute("ALTER TABLE document DROP COLUMN search_vector")
    op.execute(
        "ALTER TABLE document ADD COLUMN search_vector tsvector"
        " GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED"
    )
    op.execute("CREATE INDEX ix_document_fts ON document USING gin (search_vector)")
    op.execute("ANALYZE document")
