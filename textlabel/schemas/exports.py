"""Export requests (query string of GET /projects/{pid}/export)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, post_load, validate

from textlabel.export.registry import FORMATS, SOURCES
from textlabel.export.request import ExportRequest
from textlabel.models.project import LAYERS


def _names(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


class ExportQuery(Schema):
    format = fields.Str(required=True, validate=validate.OneOf(sorted(FORMATS)))
    source = fields.Str(load_default="gold", validate=validate.OneOf(list(SOURCES)))
    layers = fields.Str(
        load_default="", metadata={"description": f"comma-separated subset of {LAYERS}"}
    )
    labels = fields.Str(load_default="", metadata={"description": "comma-separated labels"})
    statuses = fields.Str(
        load_default="",
        metadata={"description": "comma-separated: new, in progress, annotated, reviewed"},
    )
    dev = fields.Float(load_default=0.2, validate=validate.Range(min=0, max=1))
    negatives = fields.Bool(
        load_default=True,
        metadata={
            "description": "include documents without entities (training negatives); "
            "false leaves them out when entities are exported"
        },
    )
    seed = fields.Int(load_default=0)
    ids = fields.Str(
        load_default="",
        validate=validate.Regexp(r"^[0-9,\s]*$", error="comma-separated document ids"),
        metadata={"description": "comma-separated document ids: export this selection only"},
    )

    @post_load
    def _request(self, data: dict[str, Any], **_: Any) -> ExportRequest:
        layers = _names(data["layers"])
        unknown = sorted(set(layers) - set(LAYERS))
        if unknown:
            from marshmallow import ValidationError

            raise ValidationError({"layers": [f"unknown layers: {', '.join(unknown)}"]})
        return ExportRequest(
            format=data["format"],
            source=data["source"],
            layers=tuple(layers) or None,
            labels=tuple(_names(data["labels"])),
            statuses=tuple(_names(data["statuses"])),
            dev=data["dev"],
            seed=data["seed"],
            negatives=data["negatives"],
            ids=tuple(int(part) for part in _names(data["ids"])),
        )
