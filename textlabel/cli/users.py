"""``textlabel user create``: accounts from the command line (the first administrator)."""

from __future__ import annotations

import click

from textlabel.cli._util import command_session


@click.group("user")
def user_cli() -> None:
    """Manage user accounts."""


@user_cli.command("create")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
def create_cli(name: str, password: str, admin: bool) -> None:
    """Create the user NAME."""
    from textlabel.auth.service import create_user

    with command_session() as session:
        create_user(session, name, password, is_admin=admin)
    click.echo(f"created {'administrator' if admin else 'user'} {name}")
