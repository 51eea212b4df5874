"""Rendered documents kept for the next export (``TEXTLABEL_EXPORT_CACHE``, off by default).

A document's JSONL line, CoNLL-2003 block or CoNLL-U block depends only on what is stored
for it (its text, tokens and metadata, each of its annotation rows and their span rows, the
names of its annotators), on what the export asks for, and on the code that writes it. With
a cache file set, an export keeps each document's output in that file (SQLite) under a
digest of all of it. The next export of the same request reads the rows as stored (no JSON
decoded), hashes them, and copies the output of every document whose digest matches; only
the others are decoded, built into records and written. Nothing is trusted that is not
compared: a save, an import, an archived document, a renamed user, another request or
another version of textlabel's code gives another digest, and that output is made again.

A first export costs the hashing and the write of the cache on top of the export; a repeat
costs reading the rows as stored, hashing them and reading the cache.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import cache
from hashlib import blake2b, sha256
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import textlabel
from textlabel.config import from_env
from textlabel.export.base import WriteOptions
from textlabel.export.building import StoredPage, page_records
from textlabel.export.records import stored_pages, user_names
from textlabel.export.registry import get_writer
from textlabel.export.request import ExportRequest
from textlabel.models import Project

# Formats whose output is the concatenation of each document's (``parallel`` relies on it too)
FORMATS = frozenset({"jsonl", "conll", "conllu"})


def cache_file() -> Path | None:
    """``TEXTLABEL_EXPORT_CACHE``: the cache file, or None (no cache)."""
    value = from_env("EXPORT_CACHE")
    return Path(value) if value else None


def rendered(
    session: Session, project: Project, request: ExportRequest, options: WriteOptions, *,
    after: int = 0, until: int | None = None, progress: Callable[[int], Any] | None = None,
) -> Iterator[bytes] | None:  # fmt: skip
    """The export's bytes, a page at a time, through the cache; None when no cache is set
    or the format is not one document after another (then the caller writes as before)."""
    path = cache_file()
    if path is None or request.format not in FORMATS:
        return None
    key = request_key(project, request, options)
    pages = stored_pages(session, project, request, after=after, until=until)
    return _rendered(path, key, session, project, request, options, pages, after, progress)


def _rendered(
    path: Path, key: bytes, session: Session, project: Project, request: ExportRequest,
    options: WriteOptions, pages: Iterable[StoredPage], after: int,
    progress: Callable[[int], Any] | None,
) -> Iterator[bytes]:  # fmt: skip
    writer = get_writer(request.format)
    names = user_names(session)
    store = FragmentStore(path)  # opened by the thread that iterates
    try:
        store.forget_other_code(project.id, key)
        seen = 0
        for page in pages:
            digests = document_digests(page, names)
            ids = [row[0] for row in page.documents]
            # from the previous page's end: what is kept for ids on no page is gone
            kept = store.get(key, after + 1, ids[-1])
            after = ids[-1]
            stale = {i for i in ids if i not in kept or kept[i][0] != digests[i]}
            # kept outputs of documents no longer exported (deleted, archived) are dropped;
            # a selection skips the others on purpose
            gone = [] if request.ids else sorted(kept.keys() - set(ids))
            made: dict[int, bytes] = {}
            if stale or gone:
                for i, records in page_records(page, project, request, names, stale):
                    made[i] = "".join(writer(records, options)).encode("utf-8")
                store.put(key, [(i, digests[i], made[i]) for i in ids if i in stale], gone)
            yield b"".join([made[i] if i in stale else kept[i][1] for i in ids])
            seen += len(ids)
            if progress:
                progress(seen)
    finally:
        store.close()


@cache
def code_digest() -> bytes:
    """A digest of textlabel's own source: output kept by other code is never reused."""
    root = Path(textlabel.__file__).resolve().parent
    digest = blake2b(digest_size=16)
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


def request_key(project: Project, request: ExportRequest, options: WriteOptions) -> bytes:
    """What a document's output depends on besides its rows. The selection (``ids``) is
    left out: it decides which documents are exported, not what one looks like."""
    parts = (
        code_digest(), project.id, project.overlap, tuple(project.layers),
        replace(request, ids=()), options,
    )  # fmt: skip
    return blake2b(repr(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def document_digests(page: StoredPage, names: dict[int, str]) -> dict[int, bytes]:
    """A digest per document of ``page`` of every row its records are built from, as
    stored: the document row, its annotation rows with their authors' names, their span
    rows. Span rows that tie in the query's order (an entity, a mention and a span category
    on the same tokens) come in any order, so they are hashed sorted."""
    # The document's text and tokens, the bulk, go in as they are (no repr), after their
    # lengths; its metadata is JSON text, which holds no NUL (or None: SQL NULL).
    held: dict[int, list[Any]] = {
        i: [f"{i}\0{len(text)}\0{len(tokens)}\0{meta}\0{text}{tokens}"]
        for i, text, meta, tokens in page.documents
    }
    spans: dict[int, list[Any]] = {i: [] for i in held}
    of_annotation: dict[int, list[Any]] = {}
    for row in page.annotations:  # (id, document id, user id, ...)
        into = held.get(row[1])
        if into is not None:
            into.append((tuple(row), names.get(row[2])))
            of_annotation[row[0]] = spans[row[1]]
    for row in page.spans:  # (annotation id, ...)
        rows = of_annotation.get(row[0])
        if rows is not None:
            rows.append(row)
    # the rest as repr (one line each: a repr holds no newline), the span rows sorted
    return {
        i: sha256(
            "\n".join([parts[0], repr(parts[1:]), *sorted(map(repr, map(tuple, spans[i])))])
            .encode("utf-8", "surrogatepass")
        ).digest()
        for i, parts in held.items()
    }  # fmt: skip


class FragmentStore:
    """The cache file: ``(request key, document id) -> (digest, output)``, and per request
    key the project and the code that made it. Several exports (web processes, the job
    runner, the CLI) may share it: SQLite's locks make each wait (up to a minute) while
    another writes a page of outputs."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One export uses it, one step at a time, but a streamed response may be read on
        # by another thread than the one that began it.
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        # A rollback journal, not WAL: WAL writes each page's outputs twice (the log, then
        # the checkpoint), twice the CPU of a first export's writes; a write holds readers
        # off only while one page's outputs go in.
        self.db.execute("PRAGMA journal_mode=TRUNCATE")
        # Pages of 64 KiB (set before the file's first table): an output of a few KB fits
        # in one page instead of a chain of 4 KiB overflow pages; halves the CPU of both
        # reading and writing the cache.
        self.db.execute("PRAGMA page_size=65536")
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS fragment (request BLOB NOT NULL, document INTEGER NOT "
            "NULL, digest BLOB NOT NULL, body BLOB NOT NULL, PRIMARY KEY (request, document))"
        )
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS request (key BLOB PRIMARY KEY, project INTEGER NOT "
            "NULL, code BLOB NOT NULL)"
        )

    def forget_other_code(self, project: int, key: bytes) -> None:
        """Record ``key`` as ``project``'s under this code, and drop what other versions of
        textlabel kept for ``project``: nothing will ask for it again."""
        code = code_digest()
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT OR IGNORE INTO request (key, project, code) VALUES (?, ?, ?)",
                (key, project, code),
            )
            old = "SELECT key FROM request WHERE project = ? AND code != ?"
            self.db.execute(f"DELETE FROM fragment WHERE request IN ({old})", (project, code))
            self.db.execute("DELETE FROM request WHERE project = ? AND code != ?", (project, code))

    def get(self, key: bytes, first: int, last: int) -> dict[int, tuple[bytes, bytes]]:
        """``document id -> (digest, output)`` kept for ``key`` with ids ``first`` to ``last``."""
        rows = self.db.execute(
            "SELECT document, digest, body FROM fragment WHERE request = ? "
            "AND document BETWEEN ? AND ?",
            (key, first, last),
        )
        return {document: (digest, body) for document, digest, body in rows}

    def put(
        self, key: bytes, items: list[tuple[int, bytes, bytes]], gone: Iterable[int] = ()
    ) -> None:
        """Keep ``(document id, digest, output)`` for ``key``, replacing what was kept, and
        drop what was kept for the documents ``gone``."""
        with self.db:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "INSERT OR REPLACE INTO fragment (request, document, digest, body) "
                "VALUES (?, ?, ?, ?)",
                [(key, i, digest, body) for i, digest, body in items],
            )
            self.db.executemany(
                "DELETE FROM fragment WHERE request = ? AND document = ?",
                [(key, i) for i in gone],
            )

    def close(self) -> None:
        self.db.close()
