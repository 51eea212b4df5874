"""The agreement report as the API answers it: ``dataclasses.asdict(AgreementReport)`` plus
how much came from the cache. A measure's description is its registry explanation (the
dashboard's "what this measures"), the scale it is read on, and for project numbers whether
it is a mean over annotator pairs."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from textlabel.agreement.registry import LAYERS, get_measure


def _measure(name: str, extra: str = "", *, project: bool = False) -> fields.Float:
    """A measure's field, described by the registry (an unknown name raises)."""
    measure = get_measure(name)
    text = f"{measure.explain(project=project)}{extra} Read on: {measure.scale.name}."
    return fields.Float(allow_none=True, metadata={"description": text})


def _headline(name: str, extra: str = "") -> fields.Float:
    return _measure(name, extra, project=True)


class AgreementQuery(Schema):
    layer = fields.Str(
        load_default=None,
        validate=validate.OneOf(LAYERS),
        metadata={"description": f"{' | '.join(LAYERS)}; default: the project's first layer"},
    )
    min_items = fields.Int(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "numbers on fewer items are listed in too_few (default 50)"},
    )


class AgreementScoresOut(Schema):
    n_items = fields.Int(metadata={"description": "tokens (pairable units) the numbers stand on"})
    n_items_labelled = fields.Int(metadata={"description": "tokens not left O by everyone"})
    n_spans = fields.Int(
        metadata={"description": "entity spans the span F1 stands on (relations: relations)"}
    )
    n_mentions = fields.Int(metadata={"description": "coreference mentions"})
    too_few = fields.List(
        fields.Str(), metadata={"description": "numbers standing on fewer than min_items items"}
    )
    undefined = fields.Dict(
        keys=fields.Str(),
        values=fields.Str(),
        metadata={"description": "why a number is null, by its name"},
    )


class AgreementPRFOut(Schema):
    precision = fields.Float()
    recall = fields.Float()
    f1 = fields.Float()


class AgreementPairOut(AgreementScoresOut):
    a = fields.Str(metadata={"description": "first annotator (the key for precision/recall)"})
    b = fields.Str()
    n_documents = fields.Int(metadata={"description": "documents both submitted"})
    cohen_kappa = _measure("cohen_kappa")
    cohen_kappa_labelled = _measure("cohen_kappa_labelled")
    span_f1 = _measure("span_f1")
    overlap_span_f1 = _measure("overlap_span_f1")
    relation_f1 = _measure("relation_f1")
    spancat_f1 = _measure("spancat_f1")
    spancat_overlap_f1 = _measure("spancat_overlap_f1")
    exact = fields.Nested(AgreementPRFOut, allow_none=True)
    overlap = fields.Nested(AgreementPRFOut, allow_none=True)
    muc = fields.Nested(AgreementPRFOut, allow_none=True)
    b_cubed = fields.Nested(AgreementPRFOut, allow_none=True)
    ceaf_e = fields.Nested(AgreementPRFOut, allow_none=True)
    conll_f1 = _measure("conll_f1")
    mention_f1 = _measure("mention_f1")


class AgreementLabelOut(AgreementScoresOut):
    krippendorff_alpha = _measure("krippendorff_alpha", " This label against all others.")
    fleiss_kappa = _measure("fleiss_kappa")
    cohen_kappa = _measure("cohen_kappa")
    span_f1 = _measure("span_f1")
    overlap_span_f1 = _measure("overlap_span_f1")
    relation_f1 = _measure("relation_f1")
    spancat_f1 = _measure("spancat_f1")
    spancat_overlap_f1 = _measure("spancat_overlap_f1")


class AgreementDocumentOut(Schema):
    id = fields.Int()
    score = fields.Float(
        allow_none=True, metadata={"description": "the report's score_kind; lower = disagree"}
    )
    n_annotators = fields.Int()
    n_items = fields.Int()
    undefined = fields.Str(allow_none=True)


class AgreementConfusionOut(Schema):
    labels = fields.List(fields.Str())
    counts = fields.List(
        fields.List(fields.Int()),
        metadata={"description": "value pairs over all annotator pairs, both orders"},
    )


class AgreementCacheOut(Schema):
    reused = fields.Int(metadata={"description": "documents whose cached statistics were used"})
    computed = fields.Int(metadata={"description": "documents (re)computed by this request"})


class AgreementOut(AgreementScoresOut):
    layer = fields.Str()
    n_documents = fields.Int(metadata={"description": "documents with a submitted annotation"})
    n_documents_compared = fields.Int(metadata={"description": "of those, with 2+ annotators"})
    annotators = fields.List(fields.Str())
    units = fields.Str(metadata={"description": "what the items are"})
    krippendorff_alpha = _headline("krippendorff_alpha")
    krippendorff_alpha_labelled = _headline("krippendorff_alpha_labelled")
    fleiss_kappa = _headline("fleiss_kappa", " Null when raters differ per document.")
    cohen_kappa = _headline("cohen_kappa")
    cohen_kappa_labelled = _headline("cohen_kappa_labelled")
    span_f1 = _headline("span_f1")
    overlap_span_f1 = _headline("overlap_span_f1")
    relation_f1 = _headline("relation_f1")
    spancat_f1 = _headline("spancat_f1")
    spancat_overlap_f1 = _headline("spancat_overlap_f1")
    conll_f1 = _headline("conll_f1")
    muc_f1 = _headline("muc_f1")
    b_cubed_f1 = _headline("b_cubed_f1")
    ceaf_e_f1 = _headline("ceaf_e_f1")
    mention_f1 = _headline("mention_f1")
    min_items = fields.Int()
    pairwise = fields.List(fields.Nested(AgreementPairOut))
    pair_matrices = fields.Dict(
        keys=fields.Str(),
        values=fields.List(fields.List(fields.Float(allow_none=True))),
        metadata={"description": "measure -> annotators x annotators (order of annotators)"},
    )
    per_label = fields.Dict(keys=fields.Str(), values=fields.Nested(AgreementLabelOut))
    confusion = fields.Nested(AgreementConfusionOut, allow_none=True)
    score_kind = fields.Str(metadata={"description": "the measure of documents[].score"})
    documents = fields.List(
        fields.Nested(AgreementDocumentOut),
        metadata={"description": "every document, most disagreement first"},
    )
    cache = fields.Nested(AgreementCacheOut)
