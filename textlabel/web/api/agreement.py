"""GET /projects/{pid}/agreement: the inter-annotator agreement report of one layer."""

from __future__ import annotations

from typing import Any

from textlabel.agreement.registry import DEFAULT_MIN_ITEMS
from textlabel.agreement.service import project_agreement
from textlabel.auth.permissions import Action
from textlabel.extensions import db
from textlabel.models import Project
from textlabel.schemas.agreement import AgreementOut, AgreementQuery
from textlabel.web.api import route


@route("/projects/<int:pid>/agreement", tag="agreement", query=AgreementQuery(),
       response=AgreementOut(), allow=Action.VIEW_AGREEMENT)  # fmt: skip
def agreement(project: Project, args: dict[str, Any]) -> dict[str, Any]:
    """The project's inter-annotator agreement report (`?layer=entities|pos|coref`).

    Numbers the data cannot define are null with the reason in `undefined`; numbers on
    fewer than `min_items` items are listed in `too_few`; documents come most disputed first.
    """
    result = project_agreement(
        db.session, project, layer=args["layer"], min_items=args["min_items"] or DEFAULT_MIN_ITEMS
    )
    return result.as_dict()
