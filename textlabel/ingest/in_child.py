"""An upload's whole import (parse, tokenize, store) in a child process at a lower priority.

In the web process an import's parsing, tokenizing and storing share the interpreter lock
with every request: under a 50,000-row import an annotator's save took 30x its idle p95
(bench/HISTORY.md). Here the request thread only waits on the child's pipe,
blocked in a read that holds no lock, and the child runs ``import_file`` against the same
database at ``os.nice(NICE)``, so the kernel also gives the web process's threads the CPU
first. The answer is the same as in-process: the child sends back the result, or the
error's type, message and details (file, row, line), rebuilt here into the same exception.

All-or-nothing holds as in-process: the child stores into a staging project it names first;
if it dies (killed, out of memory) before publishing, this side discards that project (503
Busy: nothing was stored), and ``staging.remove_abandoned`` covers this side dying too; if it
dies while publishing, this side finishes the move and answers ``ReportLost`` (500: the file
is in whole, its report is not). A server forks the child from its import launcher
(``forked_imports``: textlabel and the tokenizer already loaded); without one, the child is
a fresh Python that loads them first (about 1.6 s of CPU). Uploads smaller than
``TEXTLABEL_IMPORT_CHILD_BYTES`` stay in-process: starting the child costs more than
importing them. In-memory SQLite (one connection's database) always stays in-process.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import IO, Any, BinaryIO, cast

from sqlalchemy.orm import Session

from textlabel.config import from_env
from textlabel.db import in_memory
from textlabel.errors import Busy, ReportLost
from textlabel.ingest import forked_imports, staging
from textlabel.ingest.forked_imports import ForkedChild
from textlabel.ingest.isolated import rebuilt
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Project, User

ENV_BYTES = "TEXTLABEL_IMPORT_CHILD_BYTES"
NICE = 10


def child_bytes() -> int | None:
    """The upload size from which imports run in a child; None: never (``off``)."""
    value: int | None = from_env("IMPORT_CHILD_BYTES")
    return value


def run_import(
    session: Session,
    project: Project,
    stream: BinaryIO,
    filename: str,
    *,
    user: User,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """``import_file(...).as_dict()``, in a child process when the upload is large enough."""
    threshold = child_bytes()
    if threshold is None or in_memory(session.get_bind().engine.url) or _size(stream) < threshold:
        result = import_file(
            session, project, stream, filename, user=user, options=options, progress=progress
        )
        return result.as_dict()
    return import_in_child(
        session, project, stream, filename, user=user, options=options, progress=progress
    )


def _size(stream: BinaryIO) -> int:
    try:
        here = stream.tell()
        size = stream.seek(0, os.SEEK_END) - here
        stream.seek(here)
    except (OSError, ValueError):
        return sys.maxsize  # not seekable: assume large
    return size


def import_in_child(
    session: Session,
    project: Project,
    stream: BinaryIO,
    filename: str,
    *,
    user: User,
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Import ``stream`` in a child process; returns the result's ``as_dict()`` or raises."""
    # The child writes through its own connection: this session must hold no transaction
    # (on SQLite a web request's writing one holds the write lock the child needs).
    session.commit()
    engine_url = session.get_bind().engine.url.render_as_string(hide_password=False)
    with tempfile.NamedTemporaryFile(prefix="textlabel-import-", suffix=".bin") as spooled:
        shutil.copyfileobj(stream, spooled)
        spooled.flush()
        job = {
            "url": engine_url,
            "project": project.id,
            "user": user.id,
            "path": spooled.name,
            "filename": filename,
            "options": options,
            "nice": NICE,
        }
        child = _start(job)
        staging_id: int | None = None
        outcome: dict[str, Any] | None = None
        published = False
        try:
            for line in cast(IO[bytes], child.stdout):  # a blocking read: no interpreter lock
                message = json.loads(line)
                if "staging" in message:
                    staging_id = int(message["staging"])
                elif "progress" in message:
                    if progress:
                        progress(int(message["progress"]))
                else:
                    outcome = message
                    break
        finally:
            if child.poll() is None and outcome is None:
                child.kill()
            code = child.wait()
            _close(child)
            if outcome is None and staging_id is not None:
                session.rollback()
                # whatever the child had staged, or the rest of a file it was publishing
                published = staging.discard(session, staging_id)
    if outcome is None and published:  # not Busy: retried, the file would go in twice
        raise ReportLost(
            f"{filename}: the import's process exited with code {code} while publishing "
            "the file. The file was stored whole (do not upload it again), but its report "
            "(documents imported and skipped, warnings) was lost",
            details={"exit": code, "stored": True},
        )
    if outcome is None:
        raise Busy(
            f"{filename}: the import stopped (its process exited with code {code}); "
            "nothing of the file was stored",
            details={"exit": code},
        )
    if "result" in outcome:
        return cast(dict[str, Any], outcome["result"])
    # an unknown error stays a server error
    raise rebuilt(
        outcome["error"], lambda message: RuntimeError(f"the import's process failed: {message}")
    )


def _start(job: dict[str, Any]) -> ForkedChild | subprocess.Popen[bytes]:
    """The import child: forked by the launcher (``forked_imports``) when this process has
    one, else a fresh Python."""
    launcher = forked_imports.current()
    forked = launcher.launch(job) if launcher is not None else None
    if forked is not None:
        return forked
    child = subprocess.Popen(
        [sys.executable, "-m", "textlabel.ingest.import_child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        close_fds=True,
    )
    stdin = cast(IO[bytes], child.stdin)
    stdin.write(pickle.dumps(job))  # the child trusts us; we parse its JSON only
    stdin.close()
    return child


def _close(child: ForkedChild | subprocess.Popen[bytes]) -> None:
    if isinstance(child, ForkedChild):
        child.close()
        return
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            pipe.close()
