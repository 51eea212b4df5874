"""The child side of ``textlabel.ingest.in_child``: one import, its outcome as JSON lines.

The job (pickled by the web process, which we trust) arrives on stdin; the lines on stdout
are ``{"staging": id}`` first, ``{"progress": n}`` per batch, then ``{"result": {...}}`` or
``{"error": {"type", "message", "details"}}``. Anything the import prints goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import sys
from collections.abc import Callable
from typing import Any, TextIO

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from textlabel.db import make_engine
from textlabel.dberrors import is_busy
from textlabel.errors import NotFound, TextlabelError
from textlabel.ingest.service import import_file
from textlabel.models import Project, User


def _send(channel: TextIO, message: dict[str, Any]) -> None:
    channel.write(json.dumps(message, default=str) + "\n")
    channel.flush()


def _error(kind: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "details": details}}


def _progress(channel: TextIO, parent: int | None) -> Callable[[int], None]:
    """Reports each batch; stops the import (its staging discarded) once the web process that
    waits for it is gone (it is no longer ``parent``, or the pipe to it is broken): nobody
    would get its answer."""

    def report(done: int) -> None:
        if parent is not None and os.getppid() != parent:
            raise SystemExit("the importing web process is gone")
        try:
            _send(channel, {"progress": done})
        except BrokenPipeError:
            raise SystemExit("the importing web process is gone") from None

    return report


def main() -> None:
    """A fresh child (``in_child`` without a launcher): the job on stdin, the lines on stdout."""
    parent = os.getppid()
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    job = pickle.load(sys.stdin.buffer)
    run(job, channel, parent=parent)


def importing_engine(url: str) -> Engine:
    """The import's own engine. On SQLite its statement journals stay in memory: publishing's
    UPDATE of 500 documents spilled its journal (megabytes of rows) to a temporary file,
    ~2.5 us of CPU a document (session 18); a web process's large sorts stay on disk."""
    return make_engine(url, temp_in_memory=True)


def run(job: dict[str, Any], channel: TextIO, *, parent: int | None) -> None:
    """Run ``job``, sending its lines to ``channel`` (closed at the end); the outcome is the
    last line. ``parent``: the web process's pid when it is this process's parent."""
    sys.stdout = sys.stderr  # nothing the readers print may corrupt the lines
    os.nice(job["nice"])
    engine = importing_engine(job["url"])
    try:
        with Session(engine, expire_on_commit=False) as session:
            project = session.get(Project, job["project"])
            user = session.get(User, job["user"])
            if project is None or user is None:
                raise NotFound("the project or the importing user is gone")
            with open(job["path"], "rb") as stream:
                result = import_file(
                    session, project, stream, job["filename"], user=user,
                    options=job["options"],
                    progress=_progress(channel, parent),
                    staged=lambda staging_id: _send(channel, {"staging": staging_id}),
                )  # fmt: skip
        _send(channel, {"result": result.as_dict()})
    except TextlabelError as e:
        _send(channel, _error(type(e).__name__, e.message, e.details))
    except OperationalError as e:
        if is_busy(e):
            message = "the server is busy with a large write; try again in a moment"
            _send(channel, _error("Busy", message))
        else:
            _send(channel, _error(type(e).__name__, str(e)[:500]))
    except Exception as e:  # reported as a server error by the web process
        _send(channel, _error(type(e).__name__, f"{type(e).__name__}: {e}"[:500]))
    finally:
        engine.dispose()
        with contextlib.suppress(BrokenPipeError):  # the web process is gone: nobody reads
            channel.close()


if __name__ == "__main__":
    main()
