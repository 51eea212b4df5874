"""``textlabel train PROJECT`` and ``textlabel model ...``: the model in the loop from a shell.

``train`` runs the registered ``train`` job here and now (the same function the server's
runner and ``textlabel worker`` run), with a progress bar, and prints the scores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from textlabel.cli._util import command_session, create_app, fail, progress_bar, session_of, table
from textlabel.errors import TextlabelError


@click.command("train")
@click.argument("project_key", metavar="PROJECT")
@click.option("--source", type=click.Choice(["gold", "gold_or_majority"]), default="gold",
              show_default=True, help="What to learn from.")  # fmt: skip
@click.option("--dev", default=0.2, show_default=True, help="Share of documents held out.")
@click.option("--seed", default=0, show_default=True)
@click.option("--curve/--no-curve", default=True, show_default=True,
              help="Also train on 25/50/75 % of the data for the training curve.")  # fmt: skip
@click.option("--activate", is_flag=True, help="Make the new model the pre-annotation model.")
def train_cli(project_key: str, source: str, dev: float, seed: int, curve: bool,
              activate: bool) -> None:  # fmt: skip
    """Fine-tune PROJECT's NER on its gold, score it against the base model, register it."""
    from textlabel import jobs
    from textlabel.nlp.versions import activate as activate_version
    from textlabel.projects.service import find_project

    app = create_app()
    models_dir = Path(app.config["INSTANCE"]) / "models"
    with session_of(app) as session, progress_bar("training") as progress:
        try:
            project = find_project(session, project_key)
            params = {"models_dir": str(models_dir), "source": source, "dev": dev,
                      "seed": seed, "curve": curve}  # fmt: skip
            job = jobs.create(session, "train", project_id=project.id, params=params)
            stored = jobs.make_progress(session, job)  # the page shows it like any job's

            def both(done: int, total: int) -> None:
                stored(done, total)
                progress(done, total)

            job = jobs.run(session, job, both)
            if job.status != "done":
                fail(TextlabelError(job.error or job.status))
            if activate:
                activate_version(session, project, job.result["version"], None)
        except TextlabelError as e:
            fail(e)
    result = job.result
    click.echo(f"model version {result['version']} saved in {result['path']}")
    for line in score_lines(result["scores"]) + layer_lines(result["scores"]):
        click.echo(line)
    if result["curve"]:
        points = ", ".join(f"{p['share']:.0%}: {p['f']:.3f}" for p in result["curve"])
        click.echo(f"training curve (F1 by share of the training data): {points}")
    if activate:
        click.echo(f"version {result['version']} is now the pre-annotation model")


def score_lines(scores: dict[str, Any]) -> list[str]:
    """Per-label P / R / F of the trained model beside the base model's, as table lines."""
    model, base = scores["model"], scores["base"]
    rows = [["all", *_prf(model), *_prf(base)]]
    for label in sorted(set(model["per_label"]) | set(base["per_label"])):
        by_model, by_base = model["per_label"].get(label), base["per_label"].get(label)
        rows.append([label, *_prf(by_model), *_prf(by_base)])
    return table(["label", "P", "R", "F", "base P", "base R", "base F"], rows)


def layer_lines(scores: dict[str, Any]) -> list[str]:
    """Document-label and span-category scores (when trained) beside their baselines."""
    out = []
    for key, title in (("cats", "document labels"), ("span_cats", "span categories")):
        layer = scores.get(key)
        if not layer:
            continue
        model, baseline = layer["model"], layer["baseline"]
        rows = [["all", *_prf(model), *_prf(baseline)]]
        for label in sorted(model["per_label"]):
            rows.append([label, *_prf(model["per_label"][label]),
                         *_prf(baseline["per_label"].get(label))])  # fmt: skip
        out.append(f"{title} ({layer['component']}; baseline: {layer['baseline_kind']}):")
        out += table(["label", "P", "R", "F", "baseline P", "baseline R", "baseline F"], rows)
    return out


def _prf(score: object) -> list[str]:
    if not isinstance(score, dict):
        return ["-", "-", "-"]
    return [f"{score['p']:.3f}", f"{score['r']:.3f}", f"{score['f']:.3f}"]


@click.group("model")
def model_cli() -> None:
    """List, activate and roll back PROJECT's trained models."""


@model_cli.command("list")
@click.argument("project_key", metavar="PROJECT")
def model_list(project_key: str) -> None:
    """The trained versions, newest first (* = active)."""
    from textlabel.nlp.versions import list_versions
    from textlabel.projects.service import find_project

    with command_session() as session:
        versions = list_versions(session, find_project(session, project_key))
        rows = [[("*" if v.active else "") + str(v.version), f"{v.scores['model']['f']:.3f}",
                 f"{v.scores['base']['f']:.3f}", str(v.data.get("train_documents")),
                 v.created_at.strftime("%Y-%m-%d %H:%M")] for v in versions]  # fmt: skip
    if not rows:
        click.echo("no trained model yet: the base model pre-annotates")
        return
    for line in table(["version", "F", "base F", "train docs", "created"], rows):
        click.echo(line)


@model_cli.command("activate")
@click.argument("project_key", metavar="PROJECT")
@click.argument("version", required=False, type=int)
def model_activate(project_key: str, version: int | None) -> None:
    """Make VERSION the pre-annotation model (no VERSION: the base model)."""
    from textlabel.nlp.versions import activate
    from textlabel.projects.service import find_project

    with command_session() as session:
        activate(session, find_project(session, project_key), version, None)
    click.echo(f"pre-annotation model: {'version ' + str(version) if version else 'base model'}")


@model_cli.command("rollback")
@click.argument("project_key", metavar="PROJECT")
def model_rollback(project_key: str) -> None:
    """Re-activate the model that was active before the current one."""
    from textlabel.nlp.versions import rollback
    from textlabel.projects.service import find_project

    with command_session() as session:
        version = rollback(session, find_project(session, project_key), None)
        name = f"version {version.version}" if version else "base model"
    click.echo(f"pre-annotation model: {name}")
