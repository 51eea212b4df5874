"""Documents, their tokens and annotations."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.projects.search import SORTS
from textlabel.projects.status import STATUSES
from textlabel.schemas.common import PageQuery


class DocumentListQuery(PageQuery):
    after = fields.Int(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={
            "description": "keyset paging: documents after this id (ignores page); "
            "sort id or -id only"
        },
    )
    before = fields.Int(
        load_default=None,
        validate=validate.Range(min=0),
        metadata={
            "description": "keyset paging backwards: the page of documents just before this "
            "id, in the same order (ignores page; not with after); sort id or -id only"
        },
    )
    last = fields.Bool(
        load_default=False,
        metadata={
            "description": "the final page, read from the end by key (as fast as the first; "
            "ignores page, not with after or before; sort id or -id only). Its `page` is the "
            "last page's number when `total_exact`, else the page given"
        },
    )
    q = fields.Str(
        load_default=None,
        validate=validate.Length(max=500),
        metadata={
            "description": "words the text must all hold, as whole words, "
            "case-insensitively (full-text index)"
        },
    )
    status = fields.Str(load_default=None, validate=validate.OneOf(STATUSES))
    annotator = fields.Str(
        load_default=None,
        metadata={
            "description": "username: documents this annotator has a draft, submission "
            "or skip of (blind projects: reviewers and managers only)"
        },
    )
    label = fields.Str(
        load_default=None,
        metadata={
            "description": "documents with an entity of this label in any annotation "
            "(blind projects: reviewers and managers only)"
        },
    )
    gold = fields.Bool(load_default=None, metadata={"description": "has a gold annotation"})
    archived = fields.Bool(
        load_default=None,
        metadata={"description": "true: archived documents only; false: active ones only; "
                  "absent: both"},
    )  # fmt: skip
    meta = fields.Str(
        load_default=None,
        validate=validate.Length(max=500),
        metadata={
            "description": "FIELD=VALUE: documents whose top-level metadata field holds "
            "VALUE (strings as they are, numbers as written, true / false)"
        },
    )
    agreement_below = fields.Float(
        load_default=None,
        validate=validate.Range(min=0, max=1),
        metadata={
            "description": "documents whose agreement (the review queue's score: the lowest "
            "over the project's layers) is below this, 0 to 1; documents with fewer than two "
            "submitted annotations have none and are left out (blind projects: reviewers and "
            "managers only)"
        },
    )
    sort = fields.Str(load_default="id", validate=validate.OneOf(SORTS))


class DocumentRowOut(Schema):
    id = fields.Int()
    preview = fields.Str()
    source = fields.Str(allow_none=True)
    chars = fields.Int()
    submitted = fields.Int()
    drafts = fields.Int()
    has_prediction = fields.Bool()
    has_gold = fields.Bool()
    status = fields.Str(metadata={"description": "new | in progress | annotated | reviewed"})
    archived = fields.Bool(metadata={"description": "read-only, out of queues and exports"})


class DocumentPageOut(Schema):
    items = fields.List(fields.Nested(DocumentRowOut))
    page = fields.Int()
    per_page = fields.Int()
    total = fields.Int(metadata={"description": "documents that pass the filters"})
    total_exact = fields.Bool(
        metadata={"description": "false when more documents pass the filters than a listing "
                  "counts (10,000): total is then that cap (shown as 10,000+)"},
    )  # fmt: skip
    next_after = fields.Int(
        allow_none=True,
        metadata={"description": "pass as `after` for the next page; null on the last page"},
    )


class TokenOut(Schema):
    start = fields.Int()
    end = fields.Int()
    ws = fields.Bool()


class SpanOut(Schema):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()
    score = fields.Float(allow_none=True)


class MentionOut(Schema):
    start = fields.Int()
    end = fields.Int()
    score = fields.Float(
        metadata={
            "description": "the model's confidence in the mention's chain, 0..1; "
            "absent on human mentions",
            "x-optional": True,
        },
    )


class EndOut(Schema):
    start = fields.Int()
    end = fields.Int()


class RelationOut(Schema):
    head = fields.Nested(EndOut, metadata={"description": "the head entity's offsets"})
    child = fields.Nested(EndOut, metadata={"description": "the child entity's offsets"})
    label = fields.Str()
    score = fields.Float(
        metadata={
            "description": "a model's confidence; absent on a person's relations",
            "x-optional": True,
        },
    )


class PredictionOut(Schema):
    spans = fields.List(fields.Nested(SpanOut))
    pos = fields.List(fields.Str(allow_none=True), allow_none=True)
    coref = fields.List(fields.List(fields.Nested(MentionOut)))
    relations = fields.List(fields.Nested(RelationOut))
    cats = fields.Dict(keys=fields.Str(), values=fields.Float())
    span_cats = fields.List(fields.Nested(SpanOut))


class DocumentOut(Schema):
    id = fields.Int()
    project_id = fields.Int()
    text = fields.Str()
    meta = fields.Dict()
    source = fields.Dict()
    tokens = fields.List(fields.Nested(TokenOut), allow_none=True)
    sent_starts = fields.List(fields.Int(), allow_none=True)
    pages = fields.List(
        fields.List(fields.Int()),
        allow_none=True,
        metadata={"description": "[start, end) of each page of a PDF imported whole; else null"},
    )
    archived_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "when a manager archived it (read-only); null: active"},
    )
    prediction = fields.Nested(PredictionOut, allow_none=True)


class BulkIn(Schema):
    action = fields.Str(
        required=True,
        validate=validate.OneOf(("assign", "reset", "delete", "archive", "unarchive")),
        metadata={
            "description": "assign: an empty draft for each named "
            "annotator; reset: remove annotators' work and gold; delete: "
            "the documents; archive: read-only and out of the queues, agreement and "
            "exports (nothing removed); unarchive: back"
        },
    )
    ids = fields.List(fields.Int(), required=True, validate=validate.Length(min=1, max=5000))
    annotators = fields.List(fields.Str(), load_default=list)
    preview = fields.Bool(
        load_default=False, metadata={"description": "only say what the action would do"}
    )


class BulkOut(Schema):
    action = fields.Str()
    documents = fields.Int(metadata={"description": "documents selected"})
    annotations = fields.Dict(
        keys=fields.Str(),
        values=fields.Int(),
        metadata={"description": "reset / delete: annotations removed, per kind; archive / "
                  "unarchive: annotations kept, per status (draft, submitted, skipped) and gold"},
    )  # fmt: skip
    entities = fields.Int(metadata={"description": "entities in them"})
    comments = fields.Int(metadata={"description": "delete: comments and replies removed"})
    assigned = fields.Dict(
        keys=fields.Str(),
        values=fields.Int(),
        metadata={"description": "drafts created per annotator"},
    )
    already = fields.Dict(
        keys=fields.Str(),
        values=fields.Int(),
        metadata={"description": "documents each already had"},
    )
    full = fields.List(fields.Int(), metadata={"description": "documents at their overlap"})
    changed = fields.List(
        fields.Int(),
        metadata={"description": "archive / unarchive: documents whose state changes"},
    )
    drafts = fields.Dict(
        keys=fields.Str(),
        values=fields.Int(),
        metadata={"description": "archive: unfinished drafts per annotator (saves wait)"},
    )
    in_review = fields.Int(metadata={"description": "archive: open review items it sets aside"})
    done = fields.Bool(metadata={"description": "false for a preview"})


class ArchiveQuery(Schema):
    preview = fields.Bool(
        load_default=False, metadata={"description": "only say what (un)archiving affects"}
    )


class DeleteQuery(Schema):
    preview = fields.Bool(
        load_default=False, metadata={"description": "only say what deleting would remove"}
    )
