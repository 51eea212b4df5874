"""``textlabel import PROJECT FILE...``: each file all-or-nothing, with a progress bar by bytes.

The formats offered are the ingest reader registry's (``textlabel.ingest.registry.READERS``).
"""

from __future__ import annotations

import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from textlabel.cli._util import create_app, fail, session_of
from textlabel.errors import TextlabelError
from textlabel.ingest.base import SPLITS
from textlabel.ingest.registry import READERS

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from textlabel.ingest.service import ImportOptions, ImportResult
    from textlabel.models import Project, User


def import_path(
    session: Session, project: Project, path: Path, *, user: User, options: ImportOptions
) -> ImportResult:
    """Import one file into ``project`` with a progress bar of the bytes read (raises on
    a fatal problem, storing nothing of the file)."""
    from textlabel.ingest.service import import_file

    size = path.stat().st_size
    with (
        path.open("rb") as stream,
        click.progressbar(length=max(size, 1), label=path.name, file=sys.stderr) as bar,
    ):

        def progress(_records: int) -> None:
            bar.update(stream.tell() - bar.pos)

        return import_file(
            session, project, stream, path.name, user=user, options=options, progress=progress
        )


def _paired_brat(files: tuple[str, ...], folder: str) -> list[str]:
    """brat's ``x.txt`` + ``x.ann`` given side by side become one zip, read as a pair."""
    import zipfile

    paths = [Path(f) for f in files]
    out: list[str] = []
    for path in paths:
        text = path.with_suffix(".txt")
        if path.suffix == ".ann" and text.exists():
            bundle = Path(folder) / f"{path.stem}.zip"
            with zipfile.ZipFile(bundle, "w") as archive:
                archive.write(text, text.name)
                archive.write(path, path.name)
            out.append(str(bundle))
        elif not (path.suffix == ".txt" and path.with_suffix(".ann") in paths):
            out.append(str(path))
    return out


def summary_lines(result: ImportResult) -> list[str]:
    """Per kind: read, stored, not stored; then each thing not imported, named."""
    lines = [
        f"{kind.replace('_', ' ')}: read {c['read']}, stored {c['stored']}"
        + (f", not stored {c['not_stored']}" if c["not_stored"] else "")
        for kind, c in result.tally.counts().items()
    ]
    lines += [f"not imported: {row['message']}" for row in result.tally.not_imported()]
    lines += [f"note: {row['message']}" for row in result.tally.as_dict()["notes"]]
    return lines


def importing_user(session: Session, project: Project, username: str | None) -> User:
    """The account ``username``, or by default the project's first manager."""
    from sqlalchemy import select

    from textlabel.auth.service import find_user
    from textlabel.errors import NotFound
    from textlabel.models import Membership, User

    if username:
        return find_user(session, username)
    manager = session.scalar(
        select(User)
        .join(Membership)
        .where(Membership.project_id == project.id, Membership.role == "manager")
        .order_by(Membership.id)
    )
    if manager is None:
        raise NotFound(f"project {project.name!r} has no manager; name the importer with --user")
    return manager


@click.command("import")
@click.argument("project_key", metavar="PROJECT")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", *READERS], case_sensitive=False),
    help="auto: from each file's name and content.",
)
@click.option("--text-field", help="Column or key holding the text.")
@click.option(
    "--meta-fields",
    help="Comma-separated columns / keys kept as metadata (default: every other column).",
)
@click.option("--encoding", help="The files' encoding when not UTF-8 / UTF-16.")
@click.option("--split", type=click.Choice(SPLITS), default="document")
@click.option("--password", help="For encrypted PDFs.")
@click.option(
    "--keep-headers", is_flag=True, help="PDF: keep lines repeated at the top / bottom of pages."
)
@click.option("--keep-good-rows", is_flag=True, help="Store good rows, report bad ones.")
@click.option(
    "--dedupe/--no-dedupe",
    default=None,
    help="Skip documents whose text is already in the project "
    "[default: yes, except for CoNLL-U, whose repeated sentences are kept].",
)
@click.option(
    "--as-annotator",
    "annotator",
    help="Store the files' annotations as this account's work (default: as model suggestions).",
)
@click.option("--add-labels", is_flag=True, help="Add labels the project lacks.")
@click.option("--tags", help="Comma-separated names of integer ner_tags (Hugging Face).")
@click.option(
    "--user",
    "username",
    help="Who imports (for the audit trail); default: the project's first manager.",
)
def import_cli(
    project_key: str,
    files: tuple[str, ...],
    fmt: str,
    text_field: str | None,
    meta_fields: str | None,
    encoding: str | None,
    split: str,
    password: str | None,
    keep_headers: bool,
    keep_good_rows: bool,
    dedupe: bool | None,
    annotator: str | None,
    add_labels: bool,
    tags: str | None,
    username: str | None,
) -> None:
    """Import FILES into PROJECT, each file all-or-nothing (unless --keep-good-rows)."""
    from textlabel.ingest.base import ReadOptions, caps_from
    from textlabel.ingest.service import ImportOptions
    from textlabel.projects.service import find_project

    app = create_app()
    read = ReadOptions(
        text_field=text_field,
        meta_fields=None
        if meta_fields is None
        else tuple(name.strip() for name in meta_fields.split(",") if name.strip()),
        encoding=encoding,
        split=split,
        password=password,
        tags=tuple(t.strip() for t in tags.split(",")) if tags else None,
        keep_headers=keep_headers,
        caps=caps_from(app.config),
    )
    options = ImportOptions(
        format=fmt,
        read=read,
        keep_good_rows=keep_good_rows,
        dedupe=dedupe,
        annotations="annotator" if annotator else "predictions",
        annotator=annotator,
        add_labels=add_labels,
        max_chars=app.config["MAX_DOCUMENT_CHARS"],
    )
    failed = False
    with session_of(app) as session:
        try:
            project = find_project(session, project_key)
            user = importing_user(session, project, username)
        except TextlabelError as e:
            fail(e)
        # the project's language picks the PDF word list
        options = replace(options, read=replace(read, language=project.language))
        for path in _paired_brat(files, tempfile.mkdtemp(prefix="textlabel-brat-")):
            try:
                result = import_path(session, project, Path(path), user=user, options=options)
            except TextlabelError as e:
                click.secho(f"{path}: nothing imported: {e.message}", fg="red", err=True)
                failed = True
                continue
            click.echo(
                f"{path}: imported {result.imported}, skipped {result.skipped} duplicates, "
                f"{result.annotations} annotations, {len(result.errors)} rejected, "
                f"{len(result.warnings)} warnings"
            )
            for line in summary_lines(result):
                click.echo(f"  {line}")
            for warning in result.warnings:
                click.secho(f"  {warning['where']}: {warning['message']}", fg="yellow", err=True)
            for error in result.errors:
                click.secho(f"  {error['where']}: {error['message']}", fg="yellow", err=True)
    if failed:
        sys.exit(2)
