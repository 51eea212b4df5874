"""What every command shares: the ``main`` group, the app and a session, errors, progress.

The app is created inside each command, never at import, so ``textlabel --help`` reads no
settings and touches no database.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn, cast

import click
from flask import Flask
from sqlalchemy.orm import Session

from textlabel.errors import TextlabelError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="textlabel", prog_name="textlabel")
def main() -> None:
    """textlabel: a text annotation server for linguists."""


def create_app(**overrides: Any) -> Flask:
    from textlabel import create_app as factory  # spaCy without its command line (spacy_cli)

    return cast(Flask, factory(overrides or None))


@contextmanager
def session_of(app: Flask) -> Iterator[Session]:
    """A session in the app's context, closed on the way out."""
    from textlabel.extensions import db

    with app.app_context(), db.new_session() as session:
        yield session


@contextmanager
def command_session() -> Iterator[Session]:
    """A session for one command: a domain error raised inside ends the command with its message."""
    with session_of(create_app()) as session:
        try:
            yield session
        except TextlabelError as e:
            fail(e)


def fail(error: TextlabelError) -> NoReturn:
    """Print the domain error's message in red and exit with status 2."""
    click.secho(f"error: {error.message}", fg="red", err=True)
    sys.exit(2)


def instance_ready() -> Path:
    """The instance folder, created with its secret key if missing."""
    from textlabel.config import ensure_secret_key, load_settings

    instance = Path(load_settings()["INSTANCE"])
    ensure_secret_key(instance)
    return instance


def migrate(app: Flask) -> None:
    from textlabel import migrate as migrations

    migrations.upgrade(app.extensions["textlabel.db"])


def shown_url(url: str) -> str:
    """``url`` with its password replaced by ***: startup lines end up in shared logs."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:***@{host}"))


def names(value: str) -> tuple[str, ...]:
    """The items of a comma-separated option, stripped, empty ones dropped."""
    return tuple(part.strip() for part in value.split(",") if part.strip())


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A click progress bar on stderr fed by ``(done, total)`` callbacks.

    The bar opens at the first callback, when the total is known.
    """
    state: dict[str, Any] = {"bar": None, "done": 0}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            bar.__enter__()
            state["bar"] = bar
        state["bar"].update(done - state["done"])
        state["done"] = done

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


def table(header: list[str], body: list[list[str]]) -> list[str]:
    """Rows of left-aligned columns, two spaces apart, as lines."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    return [
        "  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True))
        for row in [header, *body]
    ]


def listing(title: str, items: Iterable[tuple[str, str]]) -> str:
    """A help epilog block "title:" then "  name: text" lines, wrapped and kept as laid out."""
    lines = [
        textwrap.fill(f"{name}: {text}", width=78, initial_indent="  ", subsequent_indent="    ")
        for name, text in items
    ]
    # "\b" keeps click from rewrapping the block into one paragraph
    return "\b\n" + f"{title}:\n" + "\n".join(lines)
