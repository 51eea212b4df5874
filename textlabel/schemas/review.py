"""The review queue, adjudication view, gold, settings, feedback and history at the API."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.models.review import REVIEW_STATES
from textlabel.review.settings import AUTO_ACCEPT
from textlabel.schemas.annotations import AnnotationIn, AnnotationOut
from textlabel.schemas.documents import MentionOut, RelationOut, TokenOut


class QueueQuery(Schema):
    state = fields.Str(
        load_default="open",
        validate=validate.OneOf([*REVIEW_STATES, "all"]),
        metadata={"description": "open (to review, default), reviewed, auto_accepted or all"},
    )
    label = fields.Str(load_default=None, metadata={"description": "disputed label"})
    annotator = fields.Str(load_default=None, metadata={"description": "an annotator's name"})


class NextQuery(Schema):
    label = fields.Str(load_default=None)
    annotator = fields.Str(load_default=None)


class QueueEntryOut(Schema):
    document_id = fields.Int()
    state = fields.Str()
    score = fields.Float(metadata={"description": "the document's agreement; lower = disputed"})
    disputed = fields.Int(metadata={"description": "candidates not everyone agreed on"})
    labels = fields.List(fields.Str(), metadata={"description": "labels of disputed spans"})
    annotators = fields.List(fields.Str())
    reviewer = fields.Str(allow_none=True, metadata={"description": "who holds it now"})
    decided_by = fields.Str(allow_none=True)


class QueueCountsOut(Schema):
    to_review = fields.Int()
    in_review = fields.Int()
    reviewed = fields.Int()
    auto_accepted = fields.Int()
    waiting = fields.Int(metadata={"description": "started, still short of submissions"})


class QueueOut(Schema):
    counts = fields.Nested(QueueCountsOut)
    items = fields.List(fields.Nested(QueueEntryOut))


class NextReviewOut(Schema):
    document_id = fields.Int(allow_none=True, metadata={"description": "null: queue empty"})


class SpanCandidateOut(Schema):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()
    votes = fields.Int()
    voters = fields.List(fields.Str())
    accepted = fields.Bool()


class TagCandidateOut(Schema):
    index = fields.Int(metadata={"description": "token index"})
    votes = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()))
    accepted = fields.Str(allow_none=True)


class LinkCandidateOut(Schema):
    a = fields.Nested(MentionOut)
    b = fields.Nested(MentionOut)
    votes = fields.Int()
    voters = fields.List(fields.Str())
    accepted = fields.Bool()


class _ItemVotes(Schema):
    key = fields.Str(metadata={"description": "its name in gold.info.decisions"})
    votes = fields.Int()
    voters = fields.List(fields.Str())
    accepted = fields.Bool()


class RelationCandidateOut(_ItemVotes):
    head = fields.Nested(MentionOut)
    child = fields.Nested(MentionOut)
    label = fields.Str()


class CatCandidateOut(_ItemVotes):
    label = fields.Str()


class SpanCatCandidateOut(_ItemVotes):
    start = fields.Int()
    end = fields.Int()
    label = fields.Str()


class CandidatesOut(Schema):
    spans = fields.List(fields.Nested(SpanCandidateOut))
    pos = fields.List(fields.Nested(TagCandidateOut))
    links = fields.List(fields.Nested(LinkCandidateOut))
    relations = fields.List(fields.Nested(RelationCandidateOut))
    cats = fields.List(fields.Nested(CatCandidateOut))
    span_cats = fields.List(fields.Nested(SpanCatCandidateOut))


class GoldOut(AnnotationOut):
    """Gold has no annotator: ``updated_by`` says who saved it last."""

    class Meta:
        exclude = ("user",)

    info = fields.Dict(metadata={"description": "auto_accepted, decisions (who decided what)"})
    undecided = fields.Dict(
        keys=fields.Str(), values=fields.Int(),
        metadata={"description": "{pos, links}: candidates the gold left undecided"},
    )  # fmt: skip
    updated_by = fields.Str(allow_none=True)


class GoldIn(AnnotationIn):
    """Gold as `annotations/me`, plus the open candidates the reviewer leaves undecided."""

    undecided = fields.List(
        fields.Str(), load_default=None, allow_none=True,
        metadata={"description": "keys of open candidates left undecided (pos:INDEX, "
                  "link:START:END:START:END); omitted: a gold that would settle open "
                  "candidates nobody decided is refused (422 undecided); [] decides them all"},
    )  # fmt: skip


class ReviewDocumentOut(Schema):
    class DocumentPart(Schema):
        id = fields.Int()
        project_id = fields.Int()
        text = fields.Str()
        tokens = fields.List(fields.Nested(TokenOut), allow_none=True)
        sent_starts = fields.List(fields.Int(), allow_none=True)

    class AnnotatorPart(Schema):
        user = fields.Str()
        annotation_id = fields.Int()
        version = fields.Int()
        spans = fields.List(fields.Dict())
        pos = fields.List(fields.Str(allow_none=True), allow_none=True)
        coref = fields.List(fields.List(fields.Nested(MentionOut)))
        relations = fields.List(fields.Nested(RelationOut))
        cats = fields.Dict(keys=fields.Str(), values=fields.Float())
        span_cats = fields.List(fields.Dict())

    class DraftPart(Schema):
        spans = fields.List(fields.Dict())
        pos = fields.List(fields.Str(allow_none=True), allow_none=True)
        coref = fields.List(fields.List(fields.Nested(MentionOut)))
        relations = fields.List(fields.Nested(RelationOut))
        cats = fields.Dict(keys=fields.Str(), values=fields.Float())
        span_cats = fields.List(fields.Dict())

    class ReviewPart(Schema):
        state = fields.Str()
        score = fields.Float()
        reviewer = fields.Str(allow_none=True)
        claimed_at = fields.Str(allow_none=True)
        decided_by = fields.Str(allow_none=True)
        decided_at = fields.Str(allow_none=True)

    document = fields.Nested(DocumentPart)
    min_share = fields.Float()
    annotators = fields.List(fields.Nested(AnnotatorPart))
    candidates = fields.Nested(CandidatesOut)
    draft = fields.Nested(DraftPart)
    unanimous = fields.Bool()
    score = fields.Float()
    gold = fields.Nested(GoldOut)
    review = fields.Nested(ReviewPart, allow_none=True)


class ReviewSettingsIO(Schema):
    min_share = fields.Float(validate=validate.Range(min=0, max=1, min_inclusive=False))
    auto_accept = fields.Str(validate=validate.OneOf(AUTO_ACCEPT))
    threshold = fields.Float(validate=validate.Range(min=0, max=1))


class PRFOut(Schema):
    tp = fields.Int()
    fp = fields.Int()
    fn = fields.Int()
    precision = fields.Float(allow_none=True)
    recall = fields.Float(allow_none=True)
    f1 = fields.Float(allow_none=True)


class FeedbackOut(PRFOut):
    annotator = fields.Str()
    n_documents = fields.Int()
    per_label = fields.Dict(keys=fields.Str(), values=fields.Nested(PRFOut))


class HistoryOut(Schema):
    id = fields.Int()
    at = fields.DateTime()
    user = fields.Str(allow_none=True)
    action = fields.Str()
    subject = fields.Str(allow_none=True)
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)


class ChangeLineOut(Schema):
    sign = fields.Str(metadata={"description": "+ added, - removed, ~ changed"})
    layer = fields.Str(metadata={"description": "entity | mention | tag | decision"})
    words = fields.Str(metadata={"description": "the words of the text it is about"})
    detail = fields.Str(metadata={"description": "label, chain, old → new tag, or decision"})


class ChangeOut(Schema):
    first_event = fields.Int(metadata={"description": "id of the first audit event merged"})
    since = fields.DateTime()
    at = fields.DateTime()
    user = fields.Str(allow_none=True)
    action = fields.Str()
    subject = fields.Str(allow_none=True)
    summary = fields.Str(metadata={"description": "status and versions, for saves"})
    saves = fields.Int(metadata={"description": "autosaves merged into this change"})
    lines = fields.List(fields.Nested(ChangeLineOut))
    hidden = fields.Int(metadata={"description": "lines the `match` filter left out"})


class ChangesQuery(Schema):
    user = fields.Str(load_default=None, metadata={"description": "one person's changes only"})
    match = fields.Str(
        load_default="",
        metadata={
            "description": "only lines naming these words or this label / tag (whole words, "
            "any case), and the changes that have such lines"
        },
    )
