"""``textlabel agreement PROJECT``: the agreement report as tables, or as the API's JSON.

What the tables show is the measure registry's (``textlabel.agreement.registry``): each
layer's headline measures with their titles and readings, its per-pair and per-label
measures, and the measure documents are ranked by.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from textlabel.agreement.registry import (
    DEFAULT_MIN_ITEMS,
    LAYERS,
    MEASURES,
    get_measure,
    headline,
    layer_measures,
)
from textlabel.cli._util import command_session, listing, table

if TYPE_CHECKING:
    from textlabel.agreement.results import AgreementReport


def _epilog() -> str:
    layers = listing(
        "Measures by layer",
        ((layer, "; ".join(m.title for m in headline(layer))) for layer in LAYERS),
    )
    scales = {m.scale.name: m.scale for m in MEASURES.values()}
    readings = listing("Readings", ((name, scale.describe()) for name, scale in scales.items()))
    return f"{layers}\n\n{readings}"


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_lines(report: AgreementReport, *, project_name: str, n_documents: int) -> list[str]:
    """The report as text tables: headline numbers with their readings, then per pair, per
    label, and the ``n_documents`` most disputed documents."""
    view = layer_measures(report.layer)
    lines = [
        f"{project_name}: {report.layer} agreement on {report.n_documents} documents "
        f"({report.n_documents_compared} with 2+ annotators), annotators: "
        f"{', '.join(report.annotators) or 'none'}"
    ]
    body = []
    for measure in headline(report.layer):
        value = measure.value_in(report)
        too_few = "too few items" if measure.name in report.too_few else ""
        note = report.undefined.get(measure.name, too_few)
        body.append([measure.title, _cell(value), measure.read(value), note])
    lines += table(["measure", "value", "reading", "note"], body)
    if report.pairwise:
        pairs = [get_measure(name) for name in view.pairs]
        lines += [""] + table(
            ["pair", *(m.short for m in pairs), "items"],
            [
                [f"{p.a} / {p.b}", *(_cell(m.value_in(p)) for m in pairs), str(p.n_items)]
                for p in report.pairwise
            ],
        )
    if report.per_label and view.per_label:
        per_label = [get_measure(name) for name in view.per_label]
        lines += [""] + table(
            ["label", *(m.short for m in per_label), "items"],
            [
                [label, *(_cell(m.value_in(s)) for m in per_label), str(s.n_items)]
                for label, s in report.per_label.items()
            ],
        )
    shown = [d for d in report.documents if d.score is not None][:n_documents]
    if shown:
        lines += ["", f"most disputed documents ({get_measure(report.score_kind).title})"]
        lines += table(
            ["document", "score", "annotators", "items"],
            [[str(d.id), _cell(d.score), str(d.n_annotators), str(d.n_items)] for d in shown],
        )
    return lines


@click.command("agreement", epilog=_epilog())
@click.argument("project_key", metavar="PROJECT")
@click.option("--layer", type=click.Choice(LAYERS), help="Default: the project's first layer.")
@click.option("--json", "as_json", is_flag=True, help="Print the report JSON (as the API).")
@click.option(
    "--min-items",
    default=DEFAULT_MIN_ITEMS,
    show_default=True,
    type=click.IntRange(min=1),
    help="Numbers on fewer items are marked as too few.",
)
@click.option(
    "--documents",
    "n_documents",
    default=10,
    show_default=True,
    type=int,
    help="How many of the most disputed documents to list.",
)
def agreement_cli(
    project_key: str, layer: str | None, as_json: bool, min_items: int, n_documents: int
) -> None:
    """Print PROJECT's inter-annotator agreement: headline numbers, pairs, labels, documents."""
    from textlabel.agreement.service import project_agreement
    from textlabel.projects.service import find_project

    with command_session() as session:
        project = find_project(session, project_key)
        result = project_agreement(session, project, layer=layer, min_items=min_items)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    lines = report_lines(result.report, project_name=project.name, n_documents=n_documents)
    click.echo("\n".join(lines))
