"""Streaming a project's export through a writer, in this process or in worker processes.

Writers are generators over ``records.project_records``, so the first bytes leave before the
last document is read; the line formats go range by range of ``parallel.CHUNK`` documents
(``_by_ranges``), in one process or several. ``run_job`` writes the same stream to a file with
progress.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain, islice
from typing import Any

from sqlalchemy.orm import Session

from textlabel.annotate.totals import document_total
from textlabel.errors import InvalidInput
from textlabel.export import fragments, parallel
from textlabel.export.base import WriteOptions, encoded
from textlabel.export.records import project_records
from textlabel.export.registry import get_writer
from textlabel.export.request import ExportRequest, check
from textlabel.models import Project


def write_options(project: Project, request: ExportRequest) -> WriteOptions:
    return WriteOptions(
        layers=tuple(request.layers or project.layers),
        dev=request.dev,
        seed=request.seed,
        lang=project.language,
        categories=tuple(label.name for label in project.categories),
        cats_mode=project.cats_mode,
    )


def check_splits(session: Session, project: Project, request: ExportRequest) -> dict[str, int]:
    """Documents per split of a spaCy export; refuses one whose train or dev split would be
    empty (``spacy train`` needs both; an empty dev split scores nothing), with the numbers.

    The split is known only from the records the export will hold, so this reads them once
    before the export does (document ids only matter: one per record is enough).
    """
    from textlabel.export.docbin import SPLITS, split_of

    counts = dict.fromkeys(SPLITS, 0)
    if request.format != "spacy" or request.dev <= 0.0:
        return counts  # dev=0 asks for no dev split
    seen: set[object] = set()  # a document's records (one per annotator) share its split
    for record in project_records(session, project, request):
        if record.meta.get("id") not in seen:
            seen.add(record.meta.get("id"))
            counts[split_of(record, dev=request.dev, seed=request.seed)] += 1
    total = sum(counts.values())
    empty = [split for split in SPLITS if not counts[split]]
    if total and empty:
        raise InvalidInput(
            f"the {empty[0]} split would be empty: {counts['train']} of {total} documents fall "
            f"in train and {counts['dev']} in dev with dev={request.dev} and seed={request.seed} "
            "(a hash of each document's id decides); change dev or seed, or export more "
            "documents",
            details=counts | {"dev_share": request.dev, "seed": request.seed},
        )
    return counts


def stream_export(session: Session, project: Project, request: ExportRequest) -> Iterator[bytes]:
    """The export file, chunk by chunk, as bytes. The request is checked and the project's
    settings read now, not when the first chunk is asked for (the project may be detached
    by then)."""
    fmt = check(project, request)
    ranges = _by_ranges(session, project, request)
    if ranges is not None:
        return (chunk for _, chunks in ranges for chunk in chunks)
    options = write_options(project, request)
    cached = fragments.rendered(session, project, request, options)
    if cached is not None:
        return cached
    writer = get_writer(fmt.name)
    chunks = writer(project_records(session, project, request), options)
    return chunks if fmt.binary else encoded(chunks)


def _by_ranges(
    session: Session, project: Project, request: ExportRequest
) -> Iterator[tuple[int, list[bytes]]] | None:
    """``(documents so far, its pieces)`` per range of ``parallel.CHUNK`` documents, or None
    when the export is not made range by range (another format than the line formats
    ``parallel.FORMATS``, or the fragment cache: a repeat export out of it took 42 us of CPU
    a document in one process and 141 in two, whose start-up and hand-over cost more than
    copying kept outputs).

    In worker processes too when more than one is asked (``parallel``), unless the database
    is in-memory SQLite or the export has fewer than ``parallel.MIN_RANGES`` ranges. In one
    process each range is made as the parallel path makes its own (``parallel.range_chunks``,
    the cyclic collector paused while it is built): through ``records.project_records`` and
    the writer with the collector on, the collections a document's containers set off cost
    10-18 % of a one-process export's CPU."""
    if fragments.cache_file() is not None or request.format not in parallel.FORMATS:
        return None
    processes = parallel.processes_from_env()
    url = parallel.database_url(session) if processes > 1 else None
    bounds: Iterator[tuple[int, int | None]] = parallel.ranges(
        session, project, request.ids, parallel.CHUNK
    )
    plan = parallel.plan(session, project, request)

    def here(after: int, until: int | None) -> list[bytes]:
        return parallel.range_chunks(session, plan, after, until)

    chunks: Iterator[list[bytes]]
    head = list(islice(bounds, parallel.MIN_RANGES)) if url else []
    if head and head[-1][1] is not None:  # enough ranges to pay for starting workers
        chunks = parallel.export(plan, chain(head, bounds), processes, here)
    else:
        chunks = (here(after, until) for after, until in chain(head, bounds))
    return ((parallel.CHUNK * n, chunk) for n, chunk in enumerate(chunks, start=1))


def count_documents(session: Session, project: Project) -> int:
    """The project's active documents (the progress bar's end): one row, not a count of
    them all (250 ms at 1,000,000 documents on PostgreSQL)."""
    return document_total(session, project.id, archived=False)


def run_job(session: Session, job: Any, progress: Any) -> dict[str, Any]:
    """The ``export`` job: write the export to ``job.params["path"]`` with progress."""
    from pathlib import Path

    project = session.get(Project, job.project_id)
    if project is None:
        raise InvalidInput(f"project {job.project_id} no longer exists")
    params = dict(job.params)
    path = Path(params.pop("path"))
    request = ExportRequest(
        **{**params, "layers": tuple(params["layers"]) if params.get("layers") else None,
           "labels": tuple(params.get("labels") or ()),
           "statuses": tuple(params.get("statuses") or ()),
           "ids": tuple(params.get("ids") or ())}
    )  # fmt: skip
    fmt = check(project, request)
    check_splits(session, project, request)
    total = count_documents(session, project)
    options = write_options(project, request)
    progress(0, total)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(path.suffix + ".part")
    with partial.open("wb") as out:
        ranges = _by_ranges(session, project, request)
        if ranges is not None:
            for done, pieces in ranges:
                out.writelines(pieces)
                progress(min(done, total), total)
        elif cached := fragments.rendered(
            session, project, request, options, progress=lambda n: progress(n, total)
        ):
            for data in cached:
                out.write(data)
        else:
            records = project_records(
                session, project, request, progress=lambda n: progress(n, total)
            )
            chunks = get_writer(fmt.name)(records, options)
            for data in chunks if fmt.binary else encoded(chunks):
                out.write(data)
    partial.replace(path)  # a finished file appears whole or not at all
    return {"file": path.name, "bytes": path.stat().st_size, "documents": total}
