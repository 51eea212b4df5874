"""PostgreSQL: a staged document's search vector is computed when the document is stored, in
an unindexed column, and publishing copies it into the indexed one (issue 13).

Publishing ran ``to_tsvector`` over every document of the file in its one UPDATE, after the
whole file was read, where nothing overlaps it (the tokenizing worker is gone): about 40 us
of the server's CPU a document of the UPDATE's ~70 (EXPLAIN ANALYZE over 100,000 staged
documents). Computed as each batch is stored, it runs while the worker tokenizes the next
batches. The vector waits in ``staged_vector``, which no index covers, so the GIN index still
takes a document's words once, in the UPDATE that makes it visible: a published document is
searchable the moment it is visible, a staged one by no search. Publishing sets
``staged_vector`` back to NULL; a document staged before this migration (no staged vector)
has its vector computed when published, as before. SQLite is unchanged (its full-text index
is written as documents are stored: migration 0029).

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document ADD COLUMN staged_vector tsvector")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document DROP COLUMN staged_vector")
