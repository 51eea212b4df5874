"""``textlabel export PROJECT``: a file per format, or for spaCy a folder ready for training.

Formats and sources are the export registry's (``textlabel.export.registry``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from textlabel.cli._util import command_session, listing, names, progress_bar
from textlabel.export.registry import FORMATS, SOURCES
from textlabel.layers import LAYERS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from textlabel.export.request import ExportRequest
    from textlabel.models import Project


def _epilog() -> str:
    formats = listing("Formats", ((f.name, f.description) for f in FORMATS.values()))
    sources = listing("Sources", ((s.name, s.description) for s in SOURCES.values()))
    return f"{formats}\n\n{sources}"


def spacy_folder(fmt: str, target: Path) -> bool:
    """spaCy goes to a folder of DocBins unless the target is a .zip (what the API serves)."""
    return fmt == "spacy" and target.suffix != ".zip"


def export_project(
    session: Session,
    project: Project,
    *,
    request: ExportRequest,
    target: Path,
    progress: Callable[[int, int], None],
) -> str:
    """Write ``project`` to ``target`` as ``request`` says; returns what was written.

    ``progress(done, total)`` counts documents; the request is checked before anything is.
    """
    from textlabel.export.docbin import write_docbin_dir
    from textlabel.export.records import project_records
    from textlabel.export.request import check
    from textlabel.export.service import check_splits, count_documents, stream_export, write_options

    check(project, request)
    check_splits(session, project, request)
    total = count_documents(session, project)
    if spacy_folder(request.format, target):
        records = project_records(
            session, project, request, progress=lambda done: progress(done, total)
        )
        summary = write_docbin_dir(records, target, write_options(project, request))
        return f"{summary.docs['train']} train and {summary.docs['dev']} dev docs"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as stream:
        for chunk in stream_export(session, project, request):
            stream.write(chunk)
    progress(total, total)
    return f"{target.stat().st_size:,} bytes"


@click.command("export", epilog=_epilog())
@click.argument("project_key", metavar="PROJECT")
@click.option("--format", "fmt", required=True, type=click.Choice(list(FORMATS)))
@click.option("--source", default="gold", show_default=True, type=click.Choice(list(SOURCES)))
@click.option("--out", required=True, type=click.Path(), help="File; for spacy a folder (or .zip).")
@click.option(
    "--layers",
    default="",
    help=f"Comma-separated, of: {', '.join(LAYERS)} (default: the project's layers).",
)
@click.option("--labels", default="", help="Comma-separated labels to keep (default: all).")
@click.option("--dev", default=0.2, show_default=True, type=float, help="spaCy dev share.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "--negatives/--no-negatives",
    default=True,
    show_default=True,
    help="Include documents without entities (training negatives).",
)
def export_cli(
    project_key: str,
    fmt: str,
    source: str,
    out: str,
    layers: str,
    labels: str,
    dev: float,
    seed: int,
    negatives: bool,
) -> None:
    """Export PROJECT to --out (spaCy: train/ and dev/ DocBins plus config.cfg)."""
    from textlabel.export.request import ExportRequest
    from textlabel.projects.service import find_project

    request = ExportRequest(
        format=fmt,
        source=source,
        layers=names(layers) or None,
        labels=names(labels),
        dev=dev,
        seed=seed,
        negatives=negatives,
    )
    target = Path(out)
    with command_session() as session, progress_bar("exporting") as progress:
        project = find_project(session, project_key)
        written = export_project(
            session, project, request=request, target=target, progress=progress
        )
    click.echo(f"exported {project.name} ({source}) to {target}: {written}")
    if spacy_folder(fmt, target):
        click.echo(f"train with: cd {target} && python -m spacy train config.cfg --output model")
