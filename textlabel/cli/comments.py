"""``textlabel comments PROJECT``: the project's comment threads and flags, as a table or as
JSON with every reply (an export of the discussion)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from textlabel.cli._util import command_session, table

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from textlabel.comments.reading import Thread
    from textlabel.models import Project

STATES = ("open", "resolved", "all")  # as the inbox's (textlabel.comments.reading.INBOX_STATES)
KINDS = ("flag", "comment", "all")
PER_READER = ("may_resolve", "unread", "waiting")  # the API's, of its caller: none here


def _short(text: str, width: int) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def thread_rows(threads: list[Thread]) -> list[str]:
    """The threads as a text table, one line each."""
    body = [
        [
            str(t.id),
            str(t.document_id),
            t.kind,
            f"resolved by {t.resolved_by or '?'}" if t.resolved else "open",
            _short(t.quote, 24) if t.quote else "(document)",
            t.author or "(deleted user)",
            str(len(t.replies)),
            t.last_at.strftime("%Y-%m-%d %H:%M"),
            _short(t.body, 60),
        ]
        for t in threads
    ]
    header = ["thread", "document", "kind", "state", "on", "author", "replies", "last (UTC)",
              "comment"]  # fmt: skip
    return table(header, body)


@click.command("comments")
@click.argument("project_key", metavar="PROJECT")
@click.option("--state", type=click.Choice(STATES), default="open", show_default=True)
@click.option("--kind", type=click.Choice(KINDS), default="all", show_default=True)
@click.option("--json", "as_json", is_flag=True,
              help="Print every thread with its replies as JSON (the API's shape).")  # fmt: skip
@click.option("--mark-read", "reader", metavar="USER",
              help="Mark every thread USER (a member) sees read, up to its latest comment, "
                   "instead of listing.")  # fmt: skip
def comments_cli(
    project_key: str, state: str, kind: str, as_json: bool, reader: str | None
) -> None:
    """List PROJECT's comment threads and flags, by document (every thread: the command runs
    with the database's rights, not a member's); or mark them read for a member."""
    from textlabel.comments.reading import project_threads
    from textlabel.projects.service import find_project

    with command_session() as session:
        project = find_project(session, project_key)
        if reader is not None:
            marked = _mark_read(session, project, reader)
            click.echo(f"{project.name}: {marked} thread{'s' if marked != 1 else ''} "
                       f"marked read for {reader}")  # fmt: skip
            return
        threads = project_threads(session, project, state=state, kind=kind)
    from textlabel.schemas.comments import ThreadOut

    if as_json:
        dumped = ThreadOut(many=True, exclude=PER_READER).dump(threads)
        click.echo(json.dumps({"project": project.name, "threads": dumped}, indent=2))
        return
    if not threads:
        click.echo(f"{project.name}: no {'' if state == 'all' else state + ' '}threads")
        return
    click.echo("\n".join(thread_rows(threads)))


def _mark_read(session: Session, project: Project, username: str) -> int:
    """Every thread ``username`` sees in ``project`` read; how many were unread."""
    from textlabel.auth.permissions import Action, require
    from textlabel.auth.service import find_user
    from textlabel.comments.reading import read_all

    user = find_user(session, username)
    require(session, user, project.id, Action.VIEW)
    return read_all(session, project, user)
