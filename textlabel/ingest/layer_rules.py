"""The API's rules for relations, document labels and span categories, applied to imported
records, so that a file cannot store what ``PUT annotations/me`` would refuse.

A record breaking them is rejected like any other unusable row, with the reason the API
gives (the relation's index, the labels at fault): a relation whose end is not an entity of
the record, that links an entity to itself or whose label does not allow its ends' labels;
several document labels in a single-choice project; overlapping span categories in a
project that keeps them apart. Labels the project does not have yet are the import's
``add_labels`` business (checked later), so here they get no restriction.
"""

from __future__ import annotations

from dataclasses import replace

from textlabel.annotate.layer_checks import (
    RelationRule,
    Rules,
    check_cats,
    check_relations,
    snap_span_cats,
)
from textlabel.annotate.payload import Payload
from textlabel.errors import InvalidInput
from textlabel.tokens import Tokens


def checked_layers(payload: Payload, tokens: Tokens, rules: Rules) -> Payload | str:
    """``payload`` with its relations checked (symmetric ones stored earlier entity first,
    as the API does), or the reason it breaks the project's rules.

    Args:
        payload: the record's annotations, on ``tokens``' boundaries.
        tokens: the record's tokens.
        rules: the project's (``annotate.service.rules_of``).
    """
    relations = payload.relations or ()
    cats = payload.cats or ()
    span_cats = payload.span_cats or ()
    if not (relations or cats or span_cats):
        return payload
    unknown_relations = {r.label for r in relations} - set(rules.relations)
    rules = replace(
        rules,
        relations={**rules.relations, **{n: RelationRule(n) for n in unknown_relations}},
        categories=(*rules.categories, *sorted({c for c, _ in cats} - set(rules.categories))),
        span_labels=rules.span_labels | {s.label for s in span_cats},
    )
    try:
        checked = tuple(check_relations(tokens, relations, payload.spans or (), rules))
        check_cats(cats, rules)
        snap_span_cats(tokens, span_cats, rules)
    except InvalidInput as e:  # the API's 422, reported as this row's reason
        return str(e)
    return replace(payload, relations=checked) if relations else payload
