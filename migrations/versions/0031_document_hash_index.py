"""The duplicate check's index is on ``content_hash`` alone instead of (project_id,
content_hash): publishing an import on SQLite no longer moves an index entry a document to
a random page (issue 13).

SQLite publishes an import by moving its staged documents into the project, 500 to a
transaction (``ingest.staging``). An UPDATE of ``project_id`` takes each document's entry out
of every index that holds ``project_id`` and puts it back under the new project. In
(project_id, content_hash) a batch's hashes are random: 500 documents dirtied some 1,000
pages of that index (out of the staging project's range and into the project's), each
written to the WAL at the batch's commit and again by the checkpoint, batch after batch.
On a copy of a staged 100,000-document database that move cost 56-72 us of CPU a
document (mostly the kernel's page writes), 13 us without it (the rows themselves and the
two (project_id, id...) indexes, whose entries move in id order: a few pages a batch). An
index that does not hold ``project_id`` is not touched by the move at all.

The duplicate check asks for hashes, then the projects they are in: one probe of this index
a hash, and a row read only for a hash that is found (``ingest.service._known_hashes``, which
keeps the planner off the project indexes). PostgreSQL gets the same index: its publishing
UPDATE writes a new entry in every index anyway (``project_id`` is indexed: no HOT update).

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_document_project_hash", table_name="document")
    op.create_index("ix_document_content_hash", "document", ["content_hash"])


def downgrade() -> None:
    op.drop_index("ix_document_content_hash", table_name="document")
    op.create_index("ix_document_project_hash", "document", ["project_id", "content_hash"])
