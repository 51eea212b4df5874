"""``bulk.insert_documents`` writes the values SQLAlchemy's own insert writes (its shortcuts,
such as a row without pages serialized once a batch, change no stored byte)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table, insert, text
from sqlalchemy.orm import Session

from tests.factories import make_project, make_user
from textlabel.ingest.bulk import insert_documents
from textlabel.models import Document
from textlabel.models.base import utcnow

_TABLE: Table = Document.__table__  # type: ignore[assignment]
_STORED = text(
    "SELECT pages IS NULL, CAST(pages AS TEXT), CAST(meta AS TEXT), source_unit"
    " FROM document WHERE project_id = :project ORDER BY id"
)


def _rows(project_id: int) -> list[dict[str, Any]]:
    common = {"project_id": project_id, "source_file": "f.csv", "source_number": None,
              "tokens": '{"starts": [0], "ends": [3]}'}  # fmt: skip
    return [
        common | {"text": "Ada", "meta": {"id": "1"}, "pages": None, "source_unit": "row",
                  "content_hash": "a"},
        common | {"text": "Bob", "meta": {}, "pages": [[0, 3]], "source_unit": None,
                  "content_hash": "b"},
        common | {"text": "Cy", "meta": {"k": [1, "é"]}, "pages": None, "source_unit": None,
                  "content_hash": "c"},
    ]  # fmt: skip


def test_the_rows_hold_what_sqlalchemys_insert_writes(work: Session) -> None:
    admin = make_user(work, "admin", admin=True)
    fast, plain = make_project(work, admin, name="fast"), make_project(work, admin, name="plain")
    insert_documents(work, _rows(fast.id))
    # SQLAlchemy's per-column processing: the path insert_documents stands in for
    objects = [row | {"tokens": json.loads(row["tokens"]), "created_at": utcnow()}
               for row in _rows(plain.id)]  # fmt: skip
    work.execute(insert(_TABLE), objects)
    work.commit()
    stored = work.execute(_STORED, {"project": fast.id}).all()
    assert stored == work.execute(_STORED, {"project": plain.id}).all()
    assert [row[0] for row in stored] == [False, False, False]  # JSON null, not SQL NULL
