"""The import child's own engine (``import_child.importing_engine``) keeps SQLite's statement
journals in memory: publishing's UPDATE of a batch writes nothing to a temporary file, where
a web process's engine spills the moved rows' journal to one."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import fresh_python

# Bytes this process hands to write() while one publishing UPDATE of 300 staged documents
# runs, before its commit (the WAL is written at the commit; the page cache holds the batch):
# a statement journal spilled to a temporary file is all of it. /proc/self/io counts the
# whole process: a fresh interpreter, one thread.
_CODE = """
from sqlalchemy.orm import Session
from textlabel import migrate
from textlabel.db import make_engine
from textlabel.ingest import staging
from textlabel.ingest.import_child import importing_engine
from tests.factories import add_documents, make_project, make_user

def written():
    for line in open("/proc/self/io"):
        if line.startswith("wchar:"):
            return int(line.split()[1])

def publishing_writes(path, make):
    engine = make(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with Session(engine) as session:
        boss = make_user(session, "boss")
        project = make_project(session, boss)
        staged = staging.open_staging(session, project, boss)
        add_documents(session, staged, [f"Document {n}: " + "word " * 100 for n in range(300)])
        staging.index_new(session, staged.id)
        session.commit()
        staging.begin_publishing(session, staged.id)
        before = written()
        assert staging.move_batch(session, staged.id, project.id, 300) == 300
        spent = written() - before
        session.commit()
    engine.dispose()
    return spent

web = publishing_writes(WEB, make_engine)
importing = publishing_writes(IMPORTING, importing_engine)
assert web > 256 * 1024, web  # the journal of 300 rows went to a file
assert importing == 0, importing
"""


def test_publishing_through_the_import_engine_writes_no_statement_journal(tmp_path: Path) -> None:
    paths = f"WEB = {str(tmp_path / 'web.db')!r}\nIMPORTING = {str(tmp_path / 'imp.db')!r}\n"
    fresh_python(paths + _CODE)
