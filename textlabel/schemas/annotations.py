"""Annotations as the API reads and writes them, and the task queue's answer."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from textlabel.models.annotation import STATUSES
from textlabel.schemas.documents import DocumentOut, MentionOut, RelationOut


class SpanIn(Schema):
    start = fields.Int(required=True)
    end = fields.Int(required=True)
    label = fields.Str(required=True)


class MentionIn(Schema):
    start = fields.Int(required=True)
    end = fields.Int(required=True)


def _check_item(item: Any, keys: dict[str, type]) -> dict[str, list[str]]:
    if not isinstance(item, dict):
        return {"_schema": ["Invalid input type."]}
    problems = {}
    for key, kind in keys.items():
        if key not in item:
            problems[key] = ["Missing data for required field."]
        elif not isinstance(item[key], kind) or isinstance(item[key], bool):
            problems[key] = [f"Not a valid {'integer' if kind is int else 'string'}."]
    return problems


class FlatObjects(fields.List[Any]):
    """A list of flat objects checked by hand: marshmallow's per-item ``Nested`` load costs
    tens of microseconds a span, most of an autosave of a long document. Keys other than
    ``keys`` are ignored (so a client may send back the spans it read, scores and all). The
    OpenAPI document shows it as the list of ``schema`` it stands for."""

    def __init__(self, schema: type[Schema], keys: dict[str, type], **kwargs: Any) -> None:
        super().__init__(fields.Nested(schema), **kwargs)
        self.keys = keys

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError("Not a valid list.")
        errors = {i: e for i, item in enumerate(value) if (e := _check_item(item, self.keys))}
        if errors:
            raise ValidationError(errors)
        return [{key: item[key] for key in self.keys} for item in value]


class Chains(fields.List[Any]):
    """Coreference chains: a list of ``FlatObjects`` of mentions."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(FlatObjects(MentionIn, {"start": int, "end": int}), **kwargs)


class EndIn(Schema):
    start = fields.Int(required=True)
    end = fields.Int(required=True)


class RelationIn(Schema):
    head = fields.Nested(EndIn, required=True, metadata={"description": "an entity's offsets"})
    child = fields.Nested(EndIn, required=True, metadata={"description": "an entity's offsets"})
    label = fields.Str(required=True)


class Relations(fields.List[Any]):
    """Relations checked by hand, for the reason ``FlatObjects`` gives; other keys (a model's
    score) are ignored."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(fields.Nested(RelationIn), **kwargs)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ValidationError("Not a valid list.")
        errors: dict[int, Any] = {}
        for i, item in enumerate(value):
            problems: dict[str, Any] = dict(_check_item(item, {"label": str}))
            if isinstance(item, dict):
                for end in ("head", "child"):
                    if end not in item:
                        problems[end] = ["Missing data for required field."]
                    elif found := _check_item(item[end], {"start": int, "end": int}):
                        problems[end] = found
            if problems:
                errors[i] = problems
        if errors:
            raise ValidationError(errors)
        return [
            {
                "head": {"start": item["head"]["start"], "end": item["head"]["end"]},
                "child": {"start": item["child"]["start"], "end": item["child"]["end"]},
                "label": item["label"],
            }
            for item in value
        ]


class AnnotationIn(Schema):
    version = fields.Int(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "the version you last read; 0 when you have none yet"},
    )
    status = fields.Str(load_default="draft", validate=validate.OneOf(STATUSES))
    spans = FlatObjects(
        SpanIn,
        {"start": int, "end": int, "label": str},
        load_default=None,
        allow_none=True,
        metadata={"description": "entity spans; omitted or null keeps the stored ones"},
    )
    pos = fields.List(
        fields.Str(allow_none=True),
        load_default=None,
        allow_none=True,
        metadata={"description": "one Universal POS tag per token, null = the prediction"},
    )
    coref = Chains(
        load_default=None,
        allow_none=True,
        metadata={"description": "chains of mentions; omitted or null keeps the stored chains"},
    )
    relations = Relations(
        load_default=None,
        allow_none=True,
        metadata={
            "description": "relations between entities of this annotation (by their offsets); "
            "omitted or null keeps the stored ones, except those whose entity a save removes"
        },
    )
    cats = fields.Dict(
        keys=fields.Str(),
        values=fields.Float(validate=validate.Range(min=0.0, max=1.0)),
        load_default=None,
        allow_none=True,
        metadata={"description": "document labels, {LABEL: 1.0}; omitted or null keeps them"},
    )
    span_cats = FlatObjects(
        SpanIn,
        {"start": int, "end": int, "label": str},
        load_default=None,
        allow_none=True,
        metadata={"description": "span categories (may overlap); omitted or null keeps them"},
    )


class AnnotatedSpanOut(Schema):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()
    score = fields.Float(allow_none=True)


class AnnotationOut(Schema):
    id = fields.Int(allow_none=True)
    document_id = fields.Int()
    user = fields.Str(allow_none=True)
    kind = fields.Str()
    version = fields.Int(metadata={"description": "0 when nothing is stored yet"})
    status = fields.Str()
    spans = fields.List(fields.Nested(AnnotatedSpanOut))
    pos = fields.List(fields.Str(allow_none=True), allow_none=True)
    coref = fields.List(fields.List(fields.Nested(MentionOut)))
    relations = fields.List(fields.Nested(RelationOut))
    cats = fields.Dict(keys=fields.Str(), values=fields.Float())
    span_cats = fields.List(fields.Nested(AnnotatedSpanOut))
    removed_relations = fields.List(
        fields.Nested(RelationOut),
        metadata={"description": "(PUT) relations removed because the save deleted their "
                  "entity", "x-optional": True},
    )  # fmt: skip
    updated_at = fields.DateTime(allow_none=True)


class ProgressOut(Schema):
    done = fields.Int(metadata={"description": "documents the caller submitted"})
    assigned = fields.Int(metadata={"description": "documents given to the caller so far"})
    total = fields.Int(metadata={"description": "documents in the project"})


class NextOut(Schema):
    document = fields.Nested(DocumentOut, allow_none=True)
    annotation = fields.Nested(AnnotationOut, allow_none=True)
    progress = fields.Nested(ProgressOut)


class AcceptChainsIn(Schema):
    version = fields.Int(
        required=True,
        validate=validate.Range(min=0),
        metadata={"description": "the version you last read; 0 when you have none yet"},
    )
    min_confidence = fields.Float(
        load_default=0.8,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "take the model's chains at least this confident (0..1)"},
    )


class AcceptChainsOut(Schema):
    accepted = fields.Int(metadata={"description": "chains added (0: nothing was saved)"})
    annotation = fields.Nested(AnnotationOut)
