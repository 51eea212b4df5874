"""The ``train`` job: gold (or gold_or_majority) -> train/dev split -> fine-tuned pipeline,
scored against the base model on the same dev set, with a training curve, registered as
the project's next model version.

The records come from the export code (``export.records.project_records``) and the split
is the spaCy export's (``export.docbin.split_of``: a hash of the seed and the document id),
so the model trains on exactly what ``textlabel export --format spacy`` would write, and a
document never has records on both sides. The curve trains on 25, 50 and 75 % of the
training documents (a fixed shuffle) with the same settings and scores each on the same
dev set, like Prodigy's ``train-curve``: if the last quarter still raised F1, more
annotation still helps. Everything the job needs is in its parameters and the database,
so an RQ worker on another machine runs it unchanged (given the shared instance folder).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from textlabel.errors import InvalidInput
from textlabel.export.docbin import split_of
from textlabel.export.records import project_records
from textlabel.export.request import ExportRequest
from textlabel.models import Job, ModelVersion, Project
from textlabel.nlp.pipeline import default_model_name
from textlabel.nlp.versions import next_version_number
from textlabel.records import DocumentRecord
from textlabel.training.categories import train_layers
from textlabel.training.finetune import TrainSettings, evaluate, fine_tune, load_base
from textlabel.training.labels import trained_label_map

SOURCES = ("gold", "gold_or_majority")
CURVE = (0.25, 0.5, 0.75, 1.0)
MIN_TRAIN_DOCUMENTS = 4
Progress = Callable[[int, int], None]


def gold_split(
    session: Session, project: Project, *, source: str, dev: float, seed: int
) -> tuple[list[DocumentRecord], list[DocumentRecord]]:
    """(train, dev) records of the project's gold, split as the spaCy export splits them."""
    if source not in SOURCES:
        raise InvalidInput(f"source must be one of {', '.join(SOURCES)}, not {source!r}")
    if not 0.0 < dev < 1.0:
        raise InvalidInput(f"dev must lie strictly between 0 and 1, not {dev}")
    request = ExportRequest(format="spacy", source=source, layers=("entities",))
    train: list[DocumentRecord] = []
    held_out: list[DocumentRecord] = []
    for record in project_records(session, project, request):
        side = split_of(record, dev=dev, seed=seed)
        (held_out if side == "dev" else train).append(record)
    if len(train) < MIN_TRAIN_DOCUMENTS or not held_out:
        raise InvalidInput(
            f"training needs at least {MIN_TRAIN_DOCUMENTS} training and 1 dev document of "
            f"{source}; the project has {len(train)} and {len(held_out)} (dev share {dev})",
            details={"train": len(train), "dev": len(held_out), "source": source},
        )
    return train, held_out


def train_project(
    session: Session, project: Project, *, models_dir: Path, source: str = "gold",
    dev: float = 0.2, seed: int = 0, curve: bool = True, settings: TrainSettings | None = None,
    job: Job | None = None, progress: Progress | None = None,
) -> ModelVersion:  # fmt: skip
    """Train, score and register the project's next model version (not activated)."""
    settings = settings or TrainSettings(seed=seed)
    train, held_out = gold_split(session, project, source=source, dev=dev, seed=seed)
    base_name = project.spacy_model or default_model_name()
    labels = [label.name for label in project.labels]
    base_label_map = dict(project.label_map)
    label_map = trained_label_map(base_label_map, labels)
    # Training takes minutes: hold no transaction (nor SQLite's write lock, which the job's
    # progress and every annotator's save need) until the version is registered.
    session.commit()
    base_scores = evaluate(load_base(base_name), held_out, label_map=base_label_map)
    order = train[:]
    random.Random(seed).shuffle(order)
    shares = CURVE if curve else (1.0,)
    points: list[dict[str, Any]] = []
    for run, share in enumerate(shares):
        subset = order[: max(1, round(share * len(order)))]

        def report(step: int, total: int, run: int = run) -> None:
            if progress:
                progress(int(1000 * (run + step / max(total, 1)) / len(shares)), 1000)

        nlp = fine_tune(load_base(base_name), subset, label_map=base_label_map,
                        project_labels=labels, settings=settings, progress=report)  # fmt: skip
        scores = evaluate(nlp, held_out, label_map=label_map)
        points.append({"share": share, "documents": len(subset), "tokens": _tokens(subset),
                       "f": round(scores.total.f1, 4)})  # fmt: skip
    layer_scores = train_layers(
        nlp, train, held_out, cats_mode=project.cats_mode, settings=settings,
        cats=[c.name for c in project.labels_of("cats")] if project.has_layer("cats") else None,
        spans=[c.name for c in project.labels_of("spans")] if project.has_layer("spans") else None,
    )  # fmt: skip
    number = next_version_number(session, project)
    path = models_dir / f"project-{project.id}" / f"v{number}"
    if path.exists():  # left by a run that died before registering it
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(path)
    version = ModelVersion(
        project_id=project.id, version=number, path=str(path), base_model=base_name,
        label_map=label_map, curve=points, job_id=job.id if job else None,
        created_by_id=job.created_by_id if job else None,
        data={"source": source, "dev_share": dev, "seed": seed,
              "train_documents": len(train), "dev_documents": len(held_out),
              "train_tokens": _tokens(train), "dev_tokens": _tokens(held_out),
              "dev_ids": [r.meta.get("id") for r in held_out]},
        scores={"model": scores.as_dict(), "base": base_scores.as_dict(), **layer_scores},
    )  # fmt: skip
    session.add(version)
    session.commit()
    return version


def _tokens(records: Sequence[DocumentRecord]) -> int:
    return sum(len(r.tokens or ()) for r in records)


def version_summary(version: ModelVersion) -> dict[str, Any]:
    """A version as the API, the CLI and the job result show it."""
    return {
        "version": version.version, "active": version.active, "base_model": version.base_model,
        "path": version.path, "data": {k: v for k, v in version.data.items() if k != "dev_ids"},
        "scores": version.scores, "curve": version.curve,
        "created_at": version.created_at.isoformat(), "created_by_id": version.created_by_id,
        "activated_at": version.activated_at.isoformat() if version.activated_at else None,
    }  # fmt: skip


def run_job(session: Session, job: Job, progress: Progress) -> dict[str, Any]:
    """The ``train`` job: parameters ``models_dir`` (required), ``source``, ``dev``, ``seed``,
    ``curve``, ``max_steps`` and ``epochs`` (the last two bound training, for tests)."""
    project = session.get(Project, job.project_id)
    if project is None:
        raise InvalidInput(f"project {job.project_id} no longer exists")
    params = job.params
    settings = TrainSettings(seed=int(params.get("seed", 0)), epochs=params.get("epochs"),
                             max_steps=params.get("max_steps"))  # fmt: skip
    session.commit()  # progress is written in a transaction of its own: hold none meanwhile
    progress(0, 1000)
    version = train_project(
        session, project, models_dir=Path(params["models_dir"]),
        source=params.get("source", "gold"), dev=float(params.get("dev", 0.2)),
        seed=settings.seed, curve=bool(params.get("curve", True)), settings=settings,
        job=job, progress=progress,
    )  # fmt: skip
    progress(1000, 1000)
    return version_summary(version)
