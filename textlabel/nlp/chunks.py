"""Pre-annotation of a large project as idempotent chunk jobs that any runner takes.

The ``preannotate`` job of a project with more than two chunks of pending documents
splits them into id ranges of about ``CHUNK_DOCS`` and creates one ``preannotate_chunk`` job
per range (keyed by project, range and model version in its params), then leaves. Each chunk
pre-annotates its range (skipping documents that already have a prediction, so re-running a
chunk after a killed worker stores nothing twice), adds its progress to the parent, and the
last chunk to end finishes the parent. Cancelling the parent stops every chunk.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from textlabel import jobs
from textlabel.models import Document, Job, Project
from textlabel.models.base import utcnow

CHUNK_DOCS = 2000  # default; a job's params["chunk_docs"] (TEXTLABEL_PREANNOTATE_CHUNK_DOCS)


def fan_out(session: Session, job: Job, project: Project) -> bool:
    """Create and submit the chunk jobs of ``job`` when the project is large enough."""
    from textlabel.nlp.preannotate import pending_documents, pipeline_for

    size = int(job.params.get("chunk_docs") or CHUNK_DOCS)
    pending = pending_documents(session, project).order_by(Document.id)
    total = session.scalar(select(func.count()).select_from(pending.subquery())) or 0
    if total <= 2 * size:
        return False
    session.commit()  # no transaction while the model loads
    nlp = pipeline_for(project)
    model = f"{nlp.meta.get('name')}@{nlp.meta.get('version')}"
    ranges = []
    after = 0
    while True:  # keyset walk: the last id of each chunk of pending documents
        ids = list(session.scalars(pending.where(Document.id > after).limit(size)))
        if not ids:
            break
        ranges.append((ids[0], ids[-1]))
        after = ids[-1]
    children = [
        Job(
            kind="preannotate_chunk",
            project_id=project.id,
            parent_id=job.id,
            created_by_id=job.created_by_id,
            params={
                "first": first,
                "last": last,
                "model": model,
                "key": f"preannotate:{project.id}:{first}-{last}:{model}",
            },
        )  # fmt: skip
        for first, last in ranges
    ]
    session.add_all(children)
    job.total, job.done, job.owner = total, 0, jobs.FANNED_OUT
    job.result = {"chunks": len(children)}
    session.commit()
    for child in children:
        jobs.submit(child.id)
    return True


def run_chunk(session: Session, job: Job, progress: jobs.Progress) -> dict[str, Any]:
    """The ``preannotate_chunk`` job: one id range, reporting to its parent too."""
    from textlabel.nlp.preannotate import preannotate_project

    project = session.get(Project, job.project_id)
    if project is None:
        raise ValueError(f"project {job.project_id} no longer exists")
    parent_id = job.parent_id

    def report(done: int, total: int) -> None:
        progress(done, total)
        if parent_id is not None:
            _sum_into_parent(session, parent_id)

    session.commit()  # progress is written in a transaction of its own
    report(0, 0)
    id_range = (int(job.params["first"]), int(job.params["last"]))
    return preannotate_project(session, project, progress=report, id_range=id_range).as_dict()


def _sum_into_parent(session: Session, parent_id: int) -> None:
    children = select(func.coalesce(func.sum(Job.done), 0)).where(Job.parent_id == parent_id)
    session.execute(
        update(Job)
        .where(Job.id == parent_id, Job.status == "running")
        .values(done=children.scalar_subquery(), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    if session.scalar(select(Job.cancel_requested).where(Job.id == parent_id)):
        raise jobs.Cancelled
