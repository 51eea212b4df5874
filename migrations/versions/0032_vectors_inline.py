"""PostgreSQL keeps a document's search vectors in its row: publishing an import copies the
staged vector without storing it anew in the TOAST table (issue 13).

A 60-120-word document's row (text, compressed tokens, vector) is ~2.4 KB, over the 2,032
bytes at which PostgreSQL moves values out of the row; the vector (~1 KB, which does not
compress) was the largest, so it went to the TOAST table at staging, and the publishing
UPDATE, setting ``search_vector`` to it, read it back, wrote it as a new TOAST value (a value
moved to another column is not shared) and deleted the old one: 1.66 million WAL records for
100,000 documents, 1.40 million without. The vectors' storage is now MAIN (kept in the row,
compressed or moved out only when the row cannot fit a page otherwise) and the table's
``toast_tuple_target`` 2,712 bytes (three rows a page), so such a row stays whole (its
tokens compressed) and a longer document's text and tokens go out of the row before its
vector. Rows written before keep their layout until they are written again. SQLite is
unchanged.

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

TARGET = 2712  # bytes: MaximumBytesPerTuple(3) on 8 KB pages, the default 2,032 is (4)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE document SET (toast_tuple_target = {TARGET})")
    op.execute(
        "ALTER TABLE document ALTER COLUMN search_vector SET STORAGE MAIN,"
        " ALTER COLUMN staged_vector SET STORAGE MAIN"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE document RESET (toast_tuple_target)")
    op.execute(
        "ALTER TABLE document ALTER COLUMN search_vector SET STORAGE EXTENDED,"
        " ALTER COLUMN staged_vector SET STORAGE EXTENDED"
    )
