"""The agreement dashboard: headline numbers with their reading, a per-label bar chart, an
annotator-pair heatmap, a confusion heatmap (SVG drawn by the templates) and the documents
most in dispute, each linked to its review. Layer tabs swap the report through HTMX."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import request
from flask.typing import ResponseReturnValue

from textlabel.agreement.registry import LAYER_MEASURES, get_measure, headline, layer_measures
from textlabel.agreement.results import AgreementReport, Scores
from textlabel.agreement.service import document_titles, layer_of, project_agreement
from textlabel.auth.permissions import Action, allowed, require
from textlabel.extensions import db
from textlabel.web.guard import current_user
from textlabel.web.htmx import render
from textlabel.web.pages import bp

DOCUMENTS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Number:
    """One number as the dashboard shows it: value, reading, and what it stands on."""

    name: str
    title: str
    value: float | None
    reading: str
    scale: str
    what: str
    n_items: int
    too_few: bool
    undefined: str | None


def number(scope: Scores, name: str, *, project: bool = False) -> Number:
    """The measure ``name`` in ``scope`` (``project``: the report's own number)."""
    measure = get_measure(name)
    value = measure.value_in(scope)
    return Number(
        name=name,
        title=measure.title,
        value=value,
        reading=measure.read(value),
        scale=f"{measure.scale.name}: {measure.scale.describe()}",
        what=measure.explain(project=project),
        n_items=getattr(scope, measure.stands_on),
        too_few=name in scope.too_few,
        undefined=scope.undefined.get(name),
    )


def heat(value: float | None) -> str:
    """Red (0.4 or below: moderate at best) through amber to green (1); grey when undefined.

    The scale starts at 0.4 because that is where the differences people act on lie; a
    linear 0..1 scale paints every usable value the same green.
    """
    if value is None:
        return "#e3e6ea"
    hue = 120 * min(1.0, max(0.0, (value - 0.4) / 0.6))
    return f"hsl({hue:.0f}, 65%, 72%)"


def count_heat(count: int, largest: int, *, diagonal: bool) -> str:
    """Agreements in blue, confusions in red, on a log scale of ``largest``."""
    if count == 0:
        return "#f6f7f9"
    share = math.log1p(count) / math.log1p(max(largest, 1))
    lightness = 95 - 45 * share
    return f"hsl({215 if diagonal else 5}, 70%, {lightness:.0f}%)"


def _largest(report: AgreementReport) -> tuple[int, int]:
    """Largest count on and off the diagonal of the confusion table."""
    if report.confusion is None:
        return 0, 0
    counts = report.confusion.counts
    size = len(counts)
    on = max((counts[i][i] for i in range(size)), default=0)
    off = max((counts[i][j] for i in range(size) for j in range(size) if i != j), default=0)
    return on, off


@bp.get("/projects/<int:pid>/agreement")
def agreement(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.VIEW_AGREEMENT)
    layer = layer_of(project, request.args.get("layer") or None)
    view = layer_measures(layer)
    result = project_agreement(db.session, project, layer=layer)
    report = result.report
    shown = report.documents[:DOCUMENTS_SHOWN]
    label_numbers = {
        label: [number(scores, name) for name in view.per_label]
        for label, scores in report.per_label.items()
    }
    lowest = min(
        (n.value for ns in label_numbers.values() for n in ns if n.value is not None), default=0.0
    )
    return render(
        "agreement/page.html",
        "agreement/_report.html",
        project=project,
        manages=allowed(db.session, current_user(), project, Action.MANAGE),
        layer=layer,
        layers=[tab for tab in LAYER_MEASURES.values() if project.has_layer(tab.layer)],
        report=report,
        cache=result,
        headline=[number(report, m.name, project=True) for m in headline(layer)],
        label_numbers=label_numbers,
        bar_floor=max(-1.0, math.floor(lowest * 10) / 10) if lowest < 0 else 0.0,
        pair_measures=[(name, get_measure(name).title) for name in view.pairs],
        largest=_largest(report),
        documents=shown,
        titles=document_titles(db.session, [d.id for d in shown]),
        heat=heat,
        count_heat=count_heat,
        score_title=get_measure(report.score_kind).title,
    )
