"""The ``textlabel`` command: thin wrappers that call services."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.orm import Session

from textlabel.errors import TextlabelError


def _app(**overrides: Any) -> Flask:
    from textlabel.app import create_app

    return create_app(overrides or None)


@contextmanager
def _session(app: Flask) -> Iterator[Session]:
    from textlabel.extensions import db

    with app.app_context(), db.new_session() as session:
        yield session


def _fail(error: TextlabelError) -> None:
    click.secho(f"error: {error.message}", fg="red", err=True)
    sys.exit(2)


def _instance_ready() -> Path:
    from textlabel.config import ensure_secret_key, load_settings

    instance = Path(load_settings()["INSTANCE"])
    ensure_secret_key(instance)
    return instance


def _migrate(app: Flask) -> None:
    from textlabel import migrate

    migrate.upgrade(app.extensions["textlabel.db"])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """textlabel: a text annotation server for linguists."""


@main.command()
def init() -> None:
    """Create the instance folder and secret key, and migrate the database (idempotent)."""
    instance = _instance_ready()
    app = _app()
    _migrate(app)
    click.echo(f"database ready: {app.config['DATABASE_URL']} (instance {instance})")


def _serve(app: Flask, host: str, port: int, threads: int) -> None:
    from waitress import serve

    from textlabel.jobs import recover_interrupted

    interrupted = recover_interrupted(app.extensions["textlabel.db"])
    if interrupted:
        click.echo(
            f"{interrupted} job(s) interrupted by the last shutdown; run them again to resume"
        )

    click.echo(f"serving on http://{host}:{port}/  (Ctrl+C to stop)")
    serve(app, host=host, port=port, threads=threads, ident="textlabel")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app and API with waitress."""
    _serve(_app(), host, port, threads)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the demo, print credentials, and exit.")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Create ./instance with SQLite, demo accounts and a project of real news text; serve it."""
    from textlabel.demo import seed_demo
    from textlabel.nlp.preannotate import preannotate_project
    from textlabel.projects.service import find_project

    _instance_ready()
    app = _app()
    _migrate(app)
    with _session(app) as session, _progress_bar("pre-annotating the demo") as progress:
        info = seed_demo(session)
        preannotated = preannotate_project(
            session, find_project(session, info.project_id), progress=progress
        )
    click.echo(
        f"demo project {info.project_id} ready ({info.new_documents} new documents, "
        f"{preannotated.done} pre-annotated)"
    )
    click.echo(f"open http://{host}:{port}/ and sign in as:")
    for username, password in info.credentials.items():
        click.echo(f"  {username:<12} {password}")
    if not no_serve:
        _serve(app, host, port, 8)


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("create")
@click.argument("name")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--admin", is_flag=True, help="Make the user an administrator.")
def user_create(name: str, password: str, admin: bool) -> None:
    """Create the user NAME."""
    from textlabel.auth import service

    with _session(_app()) as session:
        try:
            service.create_user(session, name, password, is_admin=admin)
        except TextlabelError as e:
            _fail(e)
    click.echo(f"created {'administrator' if admin else 'user'} {name}")


@main.group()
def project() -> None:
    """Manage projects."""


@project.command("create")
@click.argument("name")
@click.option("--owner", required=True, help="Username of the project's first manager.")
@click.option("--label", "labels", multiple=True, help="NAME[:#color[:hotkey]]; repeatable.")
@click.option("--layers", default="entities", show_default=True, help="Comma-separated.")
@click.option("--overlap", default=1, show_default=True, type=int)
@click.option("--blind/--open", default=True, show_default=True)
@click.option("--description", default="")
def project_create(
    name: str, owner: str, labels: tuple[str, ...], layers: str, overlap: int, blind: bool,
    description: str,
) -> None:  # fmt: skip
    """Create the project NAME."""
    from textlabel.auth import service as auth
    from textlabel.errors import NotFound
    from textlabel.projects import service
    from textlabel.projects.service import LabelSpec

    specs = []
    for raw in labels:
        parts = raw.split(":")
        specs.append(LabelSpec(parts[0], parts[1] if len(parts) > 1 and parts[1] else None,
                               parts[2] if len(parts) > 2 else None))  # fmt: skip
    with _session(_app()) as session:
        try:
            creator = auth.get_user(session, owner)
            if creator is None:
                raise NotFound(f"no user named {owner!r}")
            created = service.create_project(
                session, name=name, created_by=creator, labels=specs,
                layers=[layer.strip() for layer in layers.split(",") if layer.strip()],
                overlap=overlap, blind=blind, description=description,
            )  # fmt: skip
        except TextlabelError as e:
            _fail(e)
    click.echo(f"created project {created.id}: {created.name}")


@contextmanager
def _progress_bar(label: str) -> Iterator[Any]:
    """A click progress bar fed by (done, total) callbacks."""
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


@main.command()
@click.argument("project_key", metavar="PROJECT")
@click.option("--processes", default=1, show_default=True, type=int, help="spaCy processes.")
@click.option("--batch-size", default=64, show_default=True, type=int)
def preannotate(project_key: str, processes: int, batch_size: int) -> None:
    """Pre-annotate PROJECT's documents that have no prediction yet (resumable)."""
    from textlabel.nlp.preannotate import preannotate_project
    from textlabel.projects.service import find_project

    with _session(_app()) as session, _progress_bar("pre-annotating") as progress:
        try:
            found = find_project(session, project_key)
            result = preannotate_project(
                session, found, progress=progress, n_process=processes, batch_size=batch_size
            )
        except TextlabelError as e:
            _fail(e)
    click.echo(f"pre-annotated {result.done} documents ({result.entities} entities)")
    if result.dropped_labels:
        dropped = ", ".join(f"{k} x{v}" for k, v in result.dropped_labels.most_common())
        click.echo(f"model labels not in the project's label map, dropped: {dropped}")
    for error in result.errors:
        click.secho(f"document {error['document']}: {error['message']}", fg="yellow", err=True)


@main.command("import")
@click.argument("project_key", metavar="PROJECT")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", default="auto", show_default=True, help="Or: csv, tsv, json, "
              "jsonl, txt, pdf, conll, conllu.")  # fmt: skip
@click.option("--text-field", help="Column or key holding the text.")
@click.option("--encoding", help="The files' encoding when not UTF-8 / UTF-16.")
@click.option("--split", type=click.Choice(["document", "paragraph", "page"]), default="document")
@click.option("--password", help="For encrypted PDFs.")
@click.option("--keep-good-rows", is_flag=True, help="Store good rows, report bad ones.")
@click.option("--no-dedupe", is_flag=True, help="Import duplicates of existing documents too.")
@click.option("--as-annotator", "annotator", help="Store the files' annotations as this account's "
              "work (default: as model suggestions).")  # fmt: skip
@click.option("--add-labels", is_flag=True, help="Add labels the project lacks.")
@click.option("--user", "username", help="Who imports (for the audit trail); default: the "
              "project's first manager.")  # fmt: skip
def import_files(
    project_key: str, files: tuple[str, ...], fmt: str, text_field: str | None,
    encoding: str | None, split: str, password: str | None, keep_good_rows: bool,
    no_dedupe: bool, annotator: str | None, add_labels: bool, username: str | None,
) -> None:  # fmt: skip
    """Import FILES into PROJECT, each file all-or-nothing (unless --keep-good-rows)."""
    from textlabel.ingest.base import ReadOptions
    from textlabel.ingest.service import ImportOptions, import_file
    from textlabel.projects.service import find_project

    app = _app()
    options = ImportOptions(
        format=fmt,
        read=ReadOptions(text_field=text_field, encoding=encoding, split=split, password=password),
        keep_good_rows=keep_good_rows,
        dedupe=not no_dedupe,
        annotations="annotator" if annotator else "predictions",
        annotator=annotator,
        add_labels=add_labels,
        max_chars=app.config["MAX_DOCUMENT_CHARS"],
    )
    failed = False
    with _session(app) as session:
        try:
            found = find_project(session, project_key)
            user = _importing_user(session, found, username)
        except TextlabelError as e:
            _fail(e)
        for path in files:
            size = Path(path).stat().st_size
            with (
                open(path, "rb") as stream,
                click.progressbar(
                    length=max(size, 1), label=Path(path).name, file=sys.stderr
                ) as bar,
            ):

                def progress(_records: int, stream: Any = stream, bar: Any = bar) -> None:
                    bar.update(stream.tell() - bar.pos)

                try:
                    result = import_file(
                        session, found, stream, Path(path).name, user=user, options=options,
                        progress=progress,
                    )  # fmt: skip
                except TextlabelError as e:
                    click.secho(f"{path}: nothing imported: {e.message}", fg="red", err=True)
                    failed = True
                    continue
            click.echo(
                f"{path}: imported {result.imported}, skipped {result.skipped} duplicates, "
                f"{result.annotations} annotations, {len(result.errors)} rejected"
            )
            for error in result.errors:
                click.secho(f"  {error['where']}: {error['message']}", fg="yellow", err=True)
    if failed:
        sys.exit(2)


@main.command("export")
@click.argument("project_key", metavar="PROJECT")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["jsonl", "conll", "conllu", "spacy"]))  # fmt: skip
@click.option("--source", default="gold", show_default=True,
              type=click.Choice(["gold", "predictions", "annotations",
                                 "gold_or_majority"]))  # fmt: skip
@click.option("--out", required=True, type=click.Path(), help="File; for spacy a folder (or .zip).")
@click.option("--layers", default="", help="Comma-separated (default: the project's layers).")
@click.option("--labels", default="", help="Comma-separated labels to keep (default: all).")
@click.option("--dev", default=0.2, show_default=True, type=float, help="spaCy dev share.")
@click.option("--seed", default=0, show_default=True, type=int)
def export_project(
    project_key: str, fmt: str, source: str, out: str, layers: str, labels: str, dev: float,
    seed: int,
) -> None:  # fmt: skip
    """Export PROJECT to --out (spaCy: train/ and dev/ DocBins plus config.cfg)."""
    from textlabel.export.docbin import write_docbin_dir
    from textlabel.export.service import (
        ExportRequest,
        check,
        count_documents,
        project_records,
        stream_export,
        write_options,
    )
    from textlabel.projects.service import find_project

    def names(value: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in value.split(",") if part.strip())

    request = ExportRequest(format=fmt, source=source, layers=names(layers) or None,
                            labels=names(labels), dev=dev, seed=seed)  # fmt: skip
    target = Path(out)
    with _session(_app()) as session:
        try:
            found = find_project(session, project_key)
            check(found, request)
            total = count_documents(session, found)
            with click.progressbar(length=max(total, 1), label="exporting", file=sys.stderr) as bar:

                def progress(done: int) -> None:
                    bar.update(done - bar.pos)

                if fmt == "spacy" and target.suffix != ".zip":
                    records = project_records(session, found, request, progress=progress)
                    summary = write_docbin_dir(records, target, write_options(found, request))
                    written = f"{summary.docs['train']} train and {summary.docs['dev']} dev docs"
                else:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with target.open("wb") as stream:
                        for chunk in stream_export(session, found, request):
                            stream.write(chunk)
                    bar.update(total - bar.pos)
                    written = f"{target.stat().st_size:,} bytes"
        except TextlabelError as e:
            _fail(e)
    click.echo(f"exported {found.name} ({source}) to {target}: {written}")
    if fmt == "spacy" and target.suffix != ".zip":
        click.echo(f"train with: cd {target} && python -m spacy train config.cfg --output model")


@main.command("agreement")
@click.argument("project_key", metavar="PROJECT")
@click.option("--layer", type=click.Choice(["entities", "pos", "coref"]),
              help="Default: the project's first layer.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report JSON (as the API).")
@click.option("--min-items", default=50, show_default=True, type=click.IntRange(min=1),
              help="Numbers on fewer items are marked as too few.")  # fmt: skip
@click.option("--documents", "n_documents", default=10, show_default=True, type=int,
              help="How many of the most disputed documents to list.")  # fmt: skip
def agreement(
    project_key: str, layer: str | None, as_json: bool, min_items: int, n_documents: int
) -> None:
    """Print PROJECT's inter-annotator agreement: headline numbers, pairs, labels, documents."""
    import json

    from textlabel.agreement.explain import interpret
    from textlabel.agreement.service import HEADLINES, TITLES, project_agreement
    from textlabel.projects.service import find_project

    with _session(_app()) as session:
        try:
            found = find_project(session, project_key)
            result = project_agreement(session, found, layer=layer, min_items=min_items)
        except TextlabelError as e:
            _fail(e)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    report = result.report

    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    def rows(header: list[str], body: list[list[str]]) -> None:
        widths = [max(len(str(r[i])) for r in [header, *body]) for i in range(len(header))]
        for line in [header, *body]:
            click.echo("  ".join(str(v).ljust(w) for v, w in zip(line, widths, strict=True)))

    click.echo(
        f"{found.name}: {report.layer} agreement on {report.n_documents} documents "
        f"({report.n_documents_compared} with 2+ annotators), annotators: "
        f"{', '.join(report.annotators) or 'none'}"
    )
    body = []
    for name in HEADLINES[report.layer]:
        value = getattr(report, name)
        note = report.undefined.get(name, "too few items" if name in report.too_few else "")
        body.append([TITLES[name], cell(value), interpret(name, value), note])
    rows(["measure", "value", "reading", "note"], body)
    measure = {"entities": "span_f1", "pos": "cohen_kappa", "coref": "conll_f1"}[report.layer]
    if report.pairwise:
        click.echo("")
        rows(
            ["pair", "kappa" if report.layer != "coref" else "MUC F1", TITLES[measure], "items"],
            [
                [f"{p.a} / {p.b}", cell(p.cohen_kappa if report.layer != "coref" else
                                        (p.muc.f1 if p.muc else None)),
                 cell(getattr(p, measure)), str(p.n_items)]
                for p in report.pairwise
            ],
        )  # fmt: skip
    if report.per_label:
        click.echo("")
        rows(
            ["label", "alpha", "span F1", "items"],
            [[label, cell(s.krippendorff_alpha), cell(s.span_f1), str(s.n_items)]
             for label, s in report.per_label.items()],
        )  # fmt: skip
    shown = [d for d in report.documents if d.score is not None][:n_documents]
    if shown:
        click.echo(
            f"\nmost disputed documents ({TITLES.get(report.score_kind, report.score_kind)})"
        )
        rows(
            ["document", "score", "annotators", "items"],
            [[str(d.id), cell(d.score), str(d.n_annotators), str(d.n_items)] for d in shown],
        )


def _importing_user(session: Session, project: Any, username: str | None) -> Any:
    from sqlalchemy import select

    from textlabel.auth import service as auth
    from textlabel.errors import NotFound
    from textlabel.models import Membership, User

    if username:
        user = auth.get_user(session, username)
        if user is None:
            raise NotFound(f"no user named {username!r}")
        return user
    return session.scalar(
        select(User)
        .join(Membership)
        .where(Membership.project_id == project.id, Membership.role == "manager")
        .order_by(Membership.id)
    )


if __name__ == "__main__":
    main()
