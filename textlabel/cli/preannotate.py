"""``textlabel preannotate PROJECT``: the model's suggestions for documents that lack them."""

from __future__ import annotations

import click

from textlabel.cli._util import command_session, progress_bar


@click.command("preannotate")
@click.argument("project_key", metavar="PROJECT")
@click.option("--processes", default=1, show_default=True, type=int, help="spaCy processes.")
@click.option("--batch-size", default=64, show_default=True, type=int)
@click.option(
    "--refresh",
    is_flag=True,
    help="First drop the predictions an older model made on documents nobody has annotated, "
    "so the active model redoes them (human work is never touched).",
)
def preannotate_cli(project_key: str, processes: int, batch_size: int, refresh: bool) -> None:
    """Pre-annotate PROJECT's documents that have no prediction yet (resumable), with the
    project's active model."""
    from textlabel.nlp.preannotate import preannotate_project, refresh_untouched
    from textlabel.projects.service import find_project

    with command_session() as session, progress_bar("pre-annotating") as progress:
        project = find_project(session, project_key)
        if refresh:
            click.echo(f"dropped {refresh_untouched(session, project)} stale predictions")
        result = preannotate_project(
            session, project, progress=progress, n_process=processes, batch_size=batch_size
        )
    click.echo(f"pre-annotated {result.done} documents ({result.entities} entities)")
    if result.dropped_labels:
        dropped = ", ".join(f"{k} x{v}" for k, v in result.dropped_labels.most_common())
        click.echo(f"model labels not in the project's label map, dropped: {dropped}")
    for error in result.errors:
        click.secho(f"document {error['document']}: {error['message']}", fg="yellow", err=True)
