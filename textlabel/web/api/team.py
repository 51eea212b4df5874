"""Per-annotator statistics for managers."""

from __future__ import annotations

from typing import Any

from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.review.team import TeamStats, team_stats
from textlabel.schemas.team import TeamOut, TeamQuery
from textlabel.web.api import route


@route("/projects/<int:pid>/annotators", tag="agreement", query=TeamQuery(), response=TeamOut(),
       allow=Action.MANAGE)  # fmt: skip
def annotators(project: Project, args: dict[str, Any]) -> TeamStats:
    """Per annotator: done, in progress, skipped, median seconds per document, agreement with
    each other annotator, accuracy against gold and submissions per day (managers)."""
    return team_stats(db.session, project, layer=args["layer"])
