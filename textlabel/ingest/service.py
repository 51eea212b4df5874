"""Storing what the readers produce: batched, deduplicated, all-or-nothing per file.

Each batch is its own short transaction into a staging project nobody sees (``staging``);
when the whole file is in, its documents move into the project at once, and a failure
removes them. So a file is imported whole or not at all without holding SQLite's write lock
(or a PostgreSQL transaction) for the length of the file. By default the first rejected row
aborts the import with its location and nothing is stored; with ``keep_good_rows`` every
rejected row is reported and the rest stored. Memory stays flat: records stream from the
reader in batches, and duplicate detection asks the database (an index on project + content
hash) one batch at a time.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, BinaryIO

from sqlalchemy import Integer, String, bindparam, select, text
from sqlalchemy.orm import Session

from textlabel import audit
from textlabel.annotate import store
from textlabel.annotate.payload import Payload, cats_of
from textlabel.annotate.service import rules_of
from textlabel.db import reading
from textlabel.errors import BadFormat, InvalidInput, NotFound
from textlabel.ingest import staging
from textlabel.ingest.base import Item, Notice, ReadOptions, Rejected
from textlabel.ingest.bulk import insert_documents
from textlabel.ingest.layer_rules import checked_layers
from textlabel.ingest.parallel import processes_from_env, tokenized_batches
from textlabel.ingest.registry import KEEP_DUPLICATES, read_file, resolve_format
from textlabel.ingest.report import Tally
from textlabel.ingest.storable import check_filename, record_problem
from textlabel.ingest.tokenize import tokenize
from textlabel.models import Annotation, Document, LayerLabel, Membership, Project, User
from textlabel.projects.colors import next_color
from textlabel.projects.service import LabelSpec, attach_label
from textlabel.records import DocumentRecord
from textlabel.tokens import Tokens

ANNOTATIONS_AS = ("predictions", "annotator")
_LAYER_WHAT = {"relations": "relation label", "cats": "document label", "spans": "span label"}
_NO_ANNOTATIONS = Payload(spans=(), coref=(), relations=(), cats=cats_of({}), span_cats=())


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOptions:
    """How to import one file; every field has a sensible default."""

    format: str | None = None  # None or "auto": detected from name and content
    read: ReadOptions = field(default_factory=ReadOptions)
    keep_good_rows: bool = False
    dedupe: bool | None = None  # None: on, except for formats in registry.KEEP_DUPLICATES
    annotations: str = "predictions"  # store imported annotations as predictions or manual
    annotator: str | None = None  # account for "annotator" (else the record's own annotator)
    add_labels: bool = False  # add labels the project lacks instead of refusing the file
    max_chars: int = 1_000_000
    # documents per write transaction: a save waits for at most one. With the full-text
    # index written at publishing (migration 0028) a batch of 300 held SQLite's write lock
    # 6.5-31 ms p50 at load 3-6, what 100 held before (33-48 ms); the duplicate probe per
    # document halved (bench/ingest.py, BENCH_BATCH)
    batch_size: int = 300
    # documents stored between two of SQLite's full-text indexing statements (``staging``):
    # each statement's transaction flushes a new FTS5 segment and merges, so indexing three
    # batches at a time cost 37-41 instead of 51-56 us of CPU a document (50,000 UD rows, run
    # side by side with the old code, load 5.5-6.7), its longest transaction 90-103 instead
    # of 59-86 ms of CPU; 600 saved ~10 ms of that and gave back ~5 us a document
    index_every: int = 900
    processes: int | None = None  # this one + N - 1 tokenizing; None: TEXTLABEL_IMPORT_PROCESSES


@dataclass(slots=True)
class ImportResult:
    imported: int = 0
    skipped: int = 0  # duplicates of documents already in the project (or earlier in the file)
    annotations: int = 0
    errors: list[dict[str, str]] = field(default_factory=list)  # [{where, message}]
    warnings: list[dict[str, str]] = field(default_factory=list)  # readers' Notices
    labels_added: list[str] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)  # read / stored / not stored, per kind

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "skipped": self.skipped,
            "annotations": self.annotations,
            "errors": self.errors,
            "warnings": self.warnings,
            "labels_added": self.labels_added,
        } | self.tally.as_dict()


@dataclass(slots=True)
class _Prepared:
    record: DocumentRecord
    content_hash: str
    tokens: Tokens | None  # None: a worker's JSON (``Importer.spelt``), stored as it is
    payload: Payload


def import_file(
    session: Session,
    project: Project,
    stream: BinaryIO,
    filename: str,
    *,
    user: User,
    options: ImportOptions | None = None,
    progress: Callable[[int], None] | None = None,
    staged: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import one file into ``project``; raises (and stores nothing) on a fatal problem.
    ``staged`` hears the staging project's id first (``in_child``: to discard it if killed)."""
    options = options or ImportOptions()
    check_filename(filename)
    if options.annotations not in ANNOTATIONS_AS:
        raise InvalidInput(f"annotations must be one of {', '.join(ANNOTATIONS_AS)}")
    processes = options.processes or processes_from_env()
    staged_project = staging.open_staging(session, project, user)
    if staged:
        staged(staged_project.id)
    with reading():  # the labels and rules it looks up: not under SQLite's write lock,
        importer = _Importer(session, project, user, options, filename, staged_project.id)
        session.commit()  # which was held while the file was read and its first batch tokenized
    try:
        fmt, stream = resolve_format(stream, filename, options.format)
        if options.dedupe is None:
            importer.dedupe = fmt not in KEEP_DUPLICATES
        items = read_file(stream, filename, format=fmt, options=options.read)
        beat = time.monotonic()  # open_staging's heartbeat
        batches = _batches(items, options.batch_size)
        for batch, tokenized, spelt in tokenized_batches(batches, importer.to_tokenize, processes):
            importer.store(batch, tokenized, spelt)
            beat = staging.beat(session, staged_project.id, beat)
            session.commit()
            if progress:
                progress(importer.result.imported + importer.result.skipped)
        importer.finish()
        importer.index_new()  # committed with the mark
        staging.begin_publishing(session, staged_project.id)
    except BaseException:
        staging.discard(session, staged_project.id)
        raise
    try:
        staging.publish(session, staged_project.id, project.id)
    except BaseException:
        staging.discard(session, staged_project.id)  # marked: finishes publishing
        raise
    return importer.result


def _batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


# One probe of the content_hash index a hash (migration 0031), and a row read for a hash it
# finds. The unary plus keeps both planners off the project indexes: walking a project's
# documents for each batch is quadratic (PostgreSQL's planner did, on statistics taken before
# an import: a staging project "has one row"; SQLite's takes ix_document_project_id).
_KNOWN = text(
    "SELECT DISTINCT content_hash FROM document WHERE content_hash IN :hashes"
    " AND +project_id IN :projects"
).bindparams(
    bindparam("hashes", expanding=True, type_=String),
    bindparam("projects", expanding=True, type_=Integer),
)


# PostgreSQL's form: one array parameter each on the driver's cursor. SQLAlchemy rendered the
# expanding IN above afresh each batch (its 300 placeholders: ~5 % of the storing process's
# samples, pgi21) and the driver bound 300 parameters; the server plans the same index probe
# (``tests/test_duplicate_probe.py``).
_PG_KNOWN = (
    "SELECT DISTINCT content_hash FROM document WHERE content_hash = ANY(%s)"
    " AND +project_id = ANY(%s)"
)


def _known_hashes(session: Session, project_ids: tuple[int, ...], hashes: set[str]) -> set[str]:
    """Which of ``hashes`` the documents of ``project_ids`` have, in one statement."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        driver: Any = connection.connection.driver_connection
        with driver.cursor() as cursor:
            cursor.execute(_PG_KNOWN, (list(hashes), list(project_ids)))
            return {row[0] for row in cursor}
    found = connection.execute(_KNOWN, {"hashes": list(hashes), "projects": list(project_ids)})
    return set(found.scalars())


class _Importer:
    def __init__(
        self, session: Session, project: Project, user: User, options: ImportOptions,
        filename: str, staging_id: int,
    ) -> None:  # fmt: skip
        self.session = session
        self.project = project
        self.staging_id = staging_id  # where documents wait until the whole file is in
        self.indexed = 0  # its newest document in SQLite's full-text index
        self.unindexed = 0  # documents stored since (``index_every``)
        self.user = user
        self.options = options
        self.filename = filename
        self.result = ImportResult()
        self.labels = {label.name for label in project.labels}
        self.unknown_labels: dict[str, str] = {}  # label -> where first seen
        # the labels of the relation, document-label and span-category layers, likewise
        self.layer_labels = {
            layer: {label.name for label in project.labels_of(layer)} for layer in _LAYER_WHAT
        }
        self.unknown_layer_labels: dict[tuple[str, str], str] = {}
        self.rules = rules_of(project)  # what the API allows in an annotation
        self.accounts: dict[str, User] = {}
        self.dedupe = options.dedupe is not False
        self.tokenized: dict[str, Tokens] = {}  # the current batch's texts
        self.spelt: dict[str, str] = {}  # their tokens' JSON, when a worker tokenized them

    def to_tokenize(self, batch: list[Item]) -> list[str]:
        """The texts of ``batch`` that we tokenize (spaCy sees the new words all together)."""
        return [
            item.text
            for item in batch
            if isinstance(item, DocumentRecord)
            and item.tokens is None
            and len(item.text) <= self.options.max_chars
        ]

    def store(
        self, batch: list[Item], tokenized: dict[str, Tokens], spelt: dict[str, str] | None = None
    ) -> None:
        self.tokenized, self.spelt = tokenized, spelt or {}
        prepared: list[_Prepared] = []
        for item in batch:
            if isinstance(item, Notice):
                self.result.warnings.append({"where": str(item.source), "message": item.message})
                continue
            if isinstance(item, Rejected):
                self._reject(str(item.source), item.message)
                self.result.tally.add_rejected("rejected rows", "could not be read (see errors)")
                continue
            self.result.tally.add_read(item)
            ready = self._prepare(item)
            if ready is not None:
                prepared.append(ready)
        with reading():  # a read snapshot, not the write lock (SQLite), ended at once
            fresh = self._drop_duplicates(prepared)
            self.session.commit()
        if not fresh:
            return
        for p in fresh:  # labels of skipped duplicates are never added
            for span in p.record.spans:
                if span.label not in self.labels:
                    self.unknown_labels.setdefault(span.label, self._where(p.record))
            self._note_layer_labels(p.record)
        rows = [
            {
                "project_id": self.staging_id,
                "text": p.record.text,
                "meta": p.record.meta,
                "source_file": p.record.source.file if p.record.source else self.filename,
                "source_unit": p.record.source.unit if p.record.source else None,
                "source_number": p.record.source.number if p.record.source else None,
                "content_hash": p.content_hash,
                "tokens": self._tokens_json(p),
                "pages": p.record.pages,
            }
            for p in fresh
        ]
        # COPY or one executemany, and SQLite's full-text index of the last batches (``staging``)
        insert_documents(self.session, rows)
        self.unindexed += len(rows)
        if self.unindexed >= self.options.index_every:
            self.index_new()
        self.result.imported += len(rows)
        for p in fresh:
            self.result.tally.add_stored(p.record)
        if any(p.record.has_annotations for p in fresh):
            self._store_annotations(fresh, self._newest_ids(len(rows)))

    def index_new(self) -> None:
        """Add the documents stored since the last call to SQLite's full-text index, in the
        session's transaction (before the mark, so a publishing file is wholly indexed)."""
        if self.unindexed:
            self.indexed = staging.index_new(self.session, self.staging_id, self.indexed)
            self.unindexed = 0

    def _newest_ids(self, count: int) -> list[int]:
        """The ids of the ``count`` rows just inserted, in order. RETURNING in parameter order
        makes SQLAlchemy insert one row per statement on SQLite (2.5x slower). Nobody else
        writes into the staging project and ids grow in insertion order, so its newest ids
        are these rows'."""
        newest = (
            select(Document.id)
            .where(Document.project_id == self.staging_id)
            .order_by(Document.id.desc())
            .limit(count)
        )
        return sorted(self.session.scalars(newest))

    def _tokens_json(self, p: _Prepared) -> str:
        """The row's tokens JSON: a worker's, if these are the tokens it made (no span cut
        them: ``split_at`` returns the same object), else spelt out here."""
        text = p.record.text
        if p.tokens is None or (text in self.spelt and p.tokens is self.tokenized.get(text)):
            return self.spelt[text]
        return p.tokens.to_stored_json()

    def _tokens_of(self, p: _Prepared) -> Tokens:
        return p.tokens if p.tokens is not None else self._tokenized(p.record.text)

    def _tokenized(self, text: str) -> Tokens:
        """The batch's tokens of ``text``: read back from a worker's JSON (only a text whose
        annotations need them), else tokenized in this process."""
        tokens = self.tokenized.get(text)
        if tokens is None:
            stored = self.spelt.get(text)
            if stored is None:
                return tokenize(text)
            tokens = Tokens.from_stored(json.loads(stored), text_length=len(text))
            self.tokenized[text] = tokens  # the same object each time: _tokens_json's test
        return tokens

    def _where(self, record: DocumentRecord) -> str:
        """Where ``record`` came from, for a message: spelt out only when one is written (a
        location per record cost ~1 us of the storing process, for messages rarely made)."""
        return str(record.source) if record.source else self.filename

    def _reject(self, where: str, message: str) -> None:
        if not self.options.keep_good_rows:
            raise BadFormat(f"{where}: {message}", details={"where": where, "message": message})
        self.result.errors.append({"where": where, "message": message})

    def _drop(self, record: DocumentRecord, message: str) -> None:
        self._reject(self._where(record), message)
        self.result.tally.add_unstored(record, "rejected rows", "could not be stored (see errors)")

    def _prepare(self, record: DocumentRecord) -> _Prepared | None:
        if not record.text.strip():
            self._drop(record, "the text is empty")
            return None
        problem = record_problem(record)
        if problem:
            self._drop(record, problem)
            return None
        if len(record.text) > self.options.max_chars:
            self._drop(
                record,
                f"the text has {len(record.text):,} characters; the limit is "
                f"{self.options.max_chars:,}",
            )
            return None
        if record.spans or record.coref or record.relations or record.cats or record.span_cats:
            payload = Payload(
                spans=tuple(record.spans),
                coref=tuple(map(tuple, record.coref)),
                relations=tuple(record.relations),
                cats=cats_of(record.cats),
                span_cats=tuple(record.span_cats),
            )
        else:  # the same value, built once: 4 us of the storing process per plain document
            payload = _NO_ANNOTATIONS
        length = len(record.text)
        digest = hashlib.sha256(record.text.encode("utf-8")).hexdigest()
        if record.tokens is not None:
            tokens = Tokens.from_records(record.tokens, record.sent_starts, text_length=length)
        elif payload is _NO_ANNOTATIONS and record.text in self.spelt:
            return _Prepared(record, digest, None, payload)  # the worker's JSON is the row's
        else:  # our tokenization yields to the source's span offsets
            cuts = [offset for pair in payload.offsets() for offset in pair]
            tokens = self._tokenized(record.text).split_at(cuts)
        for start, end in payload.offsets():
            if tokens.range(start, end) is None:
                self._drop(record, f"span [{start}, {end}) is not on token boundaries")
                return None
        checked = checked_layers(payload, tokens, self.rules)
        if isinstance(checked, str):
            self._drop(record, checked)
            return None
        return _Prepared(record, digest, tokens, checked)

    def _drop_duplicates(self, prepared: list[_Prepared]) -> list[_Prepared]:
        if not self.dedupe:
            return prepared
        hashes = {p.content_hash for p in prepared}  # one index probe per hash and project
        known = _known_hashes(self.session, (self.project.id, self.staging_id), hashes)
        fresh = []
        for p in prepared:
            if p.content_hash in known:
                self.result.skipped += 1
                self.result.tally.add_unstored(
                    p.record, "duplicate documents", "the text is already in the project (dedupe)"
                )
                continue
            known.add(p.content_hash)
            fresh.append(p)
        return fresh

    def _store_annotations(self, prepared: list[_Prepared], ids: list[int]) -> None:
        annotated = [
            (p, document_id)
            for p, document_id in zip(prepared, ids, strict=True)
            if p.record.has_annotations
        ]
        if not annotated:
            return
        rows = []
        for p, document_id in annotated:
            layers = p.record.layers
            owner = self._owner(p.record)
            rows.append(
                Annotation(
                    document_id=document_id,
                    user_id=owner.id if owner else None,
                    kind="manual" if owner else "prediction",
                    status="submitted",
                    pos=layers.pos,
                    token_layers={
                        "tags": layers.tags,
                        "lemmas": layers.lemmas,
                        "morphs": layers.morphs,
                        "heads": layers.heads,
                        "deps": layers.deps,
                        "extra": layers.extra,
                    },  # fmt: skip
                    info={"imported_from": self.filename},
                )
            )
        self.session.add_all(rows)
        self.session.flush()
        source = "human" if self.options.annotations == "annotator" else "model"
        store.insert_many(
            self.session,
            (
                (a.id, self._tokens_of(p), p.payload)
                for (p, _), a in zip(annotated, rows, strict=True)
            ),
            source=source,
        )
        self.result.annotations += len(rows)

    def _note_layer_labels(self, record: DocumentRecord) -> None:
        if not (record.relations or record.cats or record.span_cats):
            return  # most records: no label to note, no location spelt out
        where = self._where(record)
        for layer, names in (("relations", [r.label for r in record.relations]),
                             ("cats", list(record.cats)),
                             ("spans", [s.label for s in record.span_cats])):  # fmt: skip
            for name in names:
                if name not in self.layer_labels[layer]:
                    self.unknown_layer_labels.setdefault((layer, name), where)

    def _add_layer_labels(self) -> None:
        """Relation labels, categories and span labels the file uses but the project lacks:
        refused like entity labels unless ``add_labels``."""
        unknown = self.unknown_layer_labels
        if unknown and not self.options.add_labels:
            listing = ", ".join(
                f"{_LAYER_WHAT[layer]} {name} (first at {where})"
                for (layer, name), where in sorted(unknown.items())
            )
            raise InvalidInput(
                f"the file uses labels the project lacks: {listing}; add them to the project "
                "or import with add_labels",
                details={"labels": sorted(name for _, name in unknown)},
            )
        for layer, name in sorted(unknown):
            color = next_color(x.color for x in self.project.layer_labels if x.layer == layer)
            self.project.layer_labels.append(LayerLabel(layer=layer, name=name, color=color))
            self.result.labels_added.append(f"{name} ({_LAYER_WHAT[layer]})")
        self.session.flush()

    def _owner(self, record: DocumentRecord) -> User | None:
        """The account an annotated record belongs to, or None for predictions."""
        if self.options.annotations != "annotator":
            return None
        name = self.options.annotator or record.annotator or self.user.username
        if name not in self.accounts:
            account = self.session.scalar(select(User).where(User.username == name))
            if account is None:
                raise NotFound(f"annotations belong to {name!r}, but there is no such user")
            member = self.session.scalar(
                select(Membership.id).where(
                    Membership.project_id == self.project.id, Membership.user_id == account.id
                )
            )
            if member is None:
                self.session.add(
                    Membership(project_id=self.project.id, user_id=account.id, role="annotator")
                )
            self.accounts[name] = account
        return self.accounts[name]

    def finish(self) -> None:
        self.result.tally.note_hidden_layers(self.project.layers)
        self._add_layer_labels()
        if self.unknown_labels:
            if not self.options.add_labels:
                listing = ", ".join(
                    f"{label} (first at {where})"
                    for label, where in sorted(self.unknown_labels.items())
                )
                raise InvalidInput(
                    f"the file uses labels the project lacks: {listing}; add them to the "
                    "project or import with add_labels",
                    details={"labels": sorted(self.unknown_labels)},
                )
            for label, where in sorted(self.unknown_labels.items()):
                try:  # the rules every label follows (name, reserved "O"), as in the settings
                    if label != label.strip():
                        raise InvalidInput(f"label {label!r} begins or ends with whitespace")
                    attach_label(self.session, self.project, LabelSpec(label))
                except InvalidInput as e:
                    raise InvalidInput(
                        f"{where}: {e.message}", details={"labels": [label], "where": where}
                    ) from e
                self.labels.add(label)
                self.result.labels_added.append(label)
        summary = self.result.as_dict() | {
            "errors": len(self.result.errors),
            "warnings": len(self.result.warnings),
        }
        audit.record(
            self.session, "import", user=self.user, project_id=self.project.id,
            subject=self.filename, after=summary,
        )  # fmt: skip
