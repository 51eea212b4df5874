"""``textlabel project create``: a project with its labels, layers and first manager."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from textlabel.cli._util import command_session, names
from textlabel.layers import LAYERS

if TYPE_CHECKING:
    from textlabel.projects.service import LabelSpec


def parse_label(text: str) -> LabelSpec:
    """``NAME[:#color[:hotkey]]`` as a label spec (empty parts keep the defaults)."""
    from textlabel.projects.service import LabelSpec

    name, color, hotkey = (text.split(":") + ["", ""])[:3]
    return LabelSpec(name, color or None, hotkey or None)


@click.group("project")
def project_cli() -> None:
    """Manage projects."""


@project_cli.command("create")
@click.argument("name")
@click.option("--owner", required=True, help="Username of the project's first manager.")
@click.option("--label", "labels", multiple=True, help="NAME[:#color[:hotkey]]; repeatable.")
@click.option(
    "--layers",
    default="entities",
    show_default=True,
    help=f"Comma-separated, of: {', '.join(LAYERS)}.",
)
@click.option("--overlap", default=1, show_default=True, type=int)
@click.option("--blind/--open", default=True, show_default=True)
@click.option("--description", default="")
@click.option("--language", default="en", show_default=True, help="spaCy's language code.")
def create_cli(
    name: str,
    owner: str,
    labels: tuple[str, ...],
    layers: str,
    overlap: int,
    blind: bool,
    description: str,
    language: str,
) -> None:
    """Create the project NAME."""
    from textlabel.auth.service import find_user
    from textlabel.projects.service import create_project

    with command_session() as session:
        creator = find_user(session, owner)
        created = create_project(
            session,
            name=name,
            created_by=creator,
            labels=[parse_label(raw) for raw in labels],
            layers=list(names(layers)),
            overlap=overlap,
            blind=blind,
            description=description,
            language=language,
        )
    click.echo(f"created project {created.id}: {created.name}")
