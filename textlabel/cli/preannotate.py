"""``textlabel preannotate PROJECT``: the model's suggestions for documents that lack them."""

from __future__ import annotations

import click

from textlabel.cli._util import create_app, fail, progress_bar, session_of
from textlabel.errors import TextlabelError


@click.command("preannotate")
@click.argument("project_key", metavar="PROJECT")
@click.option("--processes", default=1, show_default=True, type=int, help="spaCy processes.")
@click.option("--batch-size", default=64, show_default=True, type=int)
def preannotate_cli(project_key: str, processes: int, batch_size: int) -> None:
    """Pre-annotate PROJECT's documents that have no prediction yet (resumable)."""
    from textlabel.nlp.preannotate import preannotate_project
    from textlabel.projects.service import find_project

    with session_of(create_app()) as session, progress_bar("pre-annotating") as progress:
        try:
            project = find_project(session, project_key)
            result = preannotate_project(
                session, project, progress=progress, n_process=processes, batch_size=batch_size
            )
        except TextlabelError as e:
            fail(e)
    click.echo(f"pre-annotated {result.done} documents ({result.entities} entities)")
    if result.dropped_labels:
        dropped = ", ".join(f"{k} x{v}" for k, v in result.dropped_labels.most_common())
        click.echo(f"model labels not in the project's label map, dropped: {dropped}")
    for error in result.errors:
        click.secho(f"document {error['document']}: {error['message']}", fg="yellow", err=True)
