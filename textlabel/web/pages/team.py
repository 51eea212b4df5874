"""The per-annotator page for managers: a table and a chart of submissions per day."""

from __future__ import annotations

from flask import render_template, request
from flask.typing import ResponseReturnValue

from textlabel.agreement.registry import get_measure
from textlabel.auth.permissions import Action, require
from textlabel.extensions import db
from textlabel.review.team import team_stats
from textlabel.web.charts import line_chart
from textlabel.web.guard import current_user
from textlabel.web.pages import bp


@bp.get("/projects/<int:pid>/annotators")
def annotators_page(pid: int) -> ResponseReturnValue:
    project = require(db.session, current_user(), pid, Action.MANAGE)
    stats = team_stats(db.session, project, layer=request.args.get("layer") or None)
    chart = line_chart(
        [day.strftime("%b %d") for day in stats.days],
        {row.annotator: row.per_day for row in stats.annotators},
    )
    return render_template(
        "team/annotators.html", project=project, stats=stats, chart=chart,
        measure=get_measure(stats.measure), layers=project.layers,
    )  # fmt: skip
