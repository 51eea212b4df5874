"""Per-document sufficient statistics: the cacheable half of the agreement report.

``document_stats`` turns one document's submitted annotations into small count matrices
(coincidences, per-pair confusions, span match counts, coreference counts) plus the
document's own score. It is pure and depends only on its input, so the service can cache
its result keyed by the document's annotation versions; ``report.combine`` then pools the
cached statistics of a whole project by addition, which is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from textlabel.agreement import coref
from textlabel.agreement.categorical import (
    MISSING,
    coincidence_from_counts,
    confusion_matrix,
    krippendorff_alpha,
    unit_counts,
)
from textlabel.agreement.registry import LAYERS
from textlabel.agreement.spancats import spancat_counts
from textlabel.agreement.spans import exact_prf, match_counts, n_spans
from textlabel.agreement.units import (
    OUTSIDE,
    Span,
    check_spans,
    span_array,
    token_bounds,
    token_codes,
)
from textlabel.errors import InvalidInput

FEWER_THAN_TWO = "fewer than two annotators submitted this document"
Mention = tuple[int, int]
Relation = tuple[int, int, int, int, str]  # head start, end, child start, end, label
YES, NO, NONE = "yes", "no", "(none)"  # document-label values (multi: per label; single)


@dataclass(slots=True)
class DocumentAnnotations:
    """One document's submitted annotations, by annotator name; the report's only input.

    ``tokens`` are (start, end) character offsets. An annotator appears in a layer's dict
    only if they submitted that layer: an empty span list means "submitted, no entities".
    A ``None`` POS tag is a token that annotator left untagged (a missing value).
    """

    doc_id: int
    tokens: list[tuple[int, int]]
    spans: dict[str, list[Span]] = field(default_factory=dict)
    pos: dict[str, list[str | None]] = field(default_factory=dict)
    coref: dict[str, list[list[Mention]]] = field(default_factory=dict)
    relations: dict[str, list[Relation]] = field(default_factory=dict)
    # document labels that apply, by annotator; ``categories`` are the project's, in order
    cats: dict[str, list[str]] = field(default_factory=dict)
    span_cats: dict[str, list[Span]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    cats_single: bool = False


@dataclass(frozen=True, slots=True)
class CorefPairCounts:
    """Coreference counts of one annotator pair (first = key) on one or more documents."""

    muc: coref.Counts = coref.Counts()
    b_cubed: coref.Counts = coref.Counts()
    ceaf_e: coref.Counts = coref.Counts()
    mentions: np.ndarray = field(default_factory=lambda: np.zeros(3, dtype=np.int64))

    def __add__(self, other: CorefPairCounts) -> CorefPairCounts:
        return CorefPairCounts(
            self.muc + other.muc,
            self.b_cubed + other.b_cubed,
            self.ceaf_e + other.ceaf_e,
            self.mentions + other.mentions,
        )


@dataclass(frozen=True, slots=True)
class PairStats:
    """One annotator pair's counts on one document (``a`` < ``b`` by name).

    ``confusion`` is over ``DocumentStats.values`` (rows: a); ``spans`` is the
    ``spans.span_counts`` array (entities); ``coref`` the coreference counts (coref).
    """

    a: str
    b: str
    confusion: np.ndarray
    spans: np.ndarray | None = None
    coref: CorefPairCounts | None = None


@dataclass(frozen=True, slots=True)
class DocumentStats:
    """Everything the project report needs from one document, and its own score.

    ``values`` is the vocabulary the matrices are indexed by (entities: "O" first, then
    the labels in order; POS: the tags). ``outside`` is the part of ``coincidence[0, 0]``
    that comes from tokens every annotator left outside (entities only), so the report can
    leave those tokens out. ``raters`` is the number of annotators on every pairable unit,
    or None when it varies (Fleiss' kappa needs it constant).
    """

    doc_id: int
    layer: str
    annotators: tuple[str, ...]
    values: tuple[str, ...]
    coincidence: np.ndarray
    n_units: int
    n_units_labelled: int
    outside: float
    raters: int | None
    pairs: tuple[PairStats, ...]
    score: float | None
    score_undefined: str | None


def document_stats(
    doc: DocumentAnnotations, *, layer: str, labels: Sequence[str] = ()
) -> DocumentStats:
    """Sufficient statistics of one document for ``layer`` ("entities", "pos", "coref",
    "relations", "cats" or "spans").

    ``labels`` fixes the order of the first values of the vocabulary (e.g. the project's
    labels); values found in the annotations but not listed are appended in sorted order.
    The score is the document's own Krippendorff's alpha (POS), pooled pairwise exact span
    F1 (entities), pooled pairwise CoNLL F1 (coref), pooled pairwise relation F1
    (relations), the document's own alpha over its document labels (cats) or pooled
    pairwise exact F1 of span categories (spans); lower means more disagreement.
    """
    if layer == "entities":
        return _entity_stats(doc, labels)
    if layer == "pos":
        return _pos_stats(doc, labels)
    if layer == "coref":
        return _coref_stats(doc)
    if layer == "relations":
        return _relation_stats(doc, labels)
    if layer == "cats":
        return _cats_stats(doc)
    if layer == "spans":
        return _span_cat_stats(doc, labels)
    raise InvalidInput(f"unknown agreement layer {layer!r}; expected one of {', '.join(LAYERS)}")


def _vocabulary(first: Sequence[str], found: set[str]) -> tuple[str, ...]:
    listed = list(dict.fromkeys(first))
    return (*listed, *sorted(found - set(listed)))


def _entity_stats(doc: DocumentAnnotations, labels: Sequence[str]) -> DocumentStats:
    annotators = tuple(sorted(doc.spans))
    found = {span[2] for name in annotators for span in doc.spans[name]}
    values = _vocabulary([OUTSIDE, *labels], found)
    codes = {value: index for index, value in enumerate(values)}
    arrays = [
        span_array(doc.spans[name], codes=codes, where=f"document {doc.doc_id}, annotator {name!r}")
        for name in annotators
    ]
    starts, ends = token_bounds(doc.tokens)
    coded = np.array(
        [token_codes(starts, ends, array, codes=codes) for array in arrays], dtype=np.int64
    ).reshape(len(annotators), len(doc.tokens))
    pairs = tuple(
        PairStats(
            annotators[i],
            annotators[j],
            confusion_matrix(coded[i], coded[j], n_values=len(values)),
            spans=match_counts(arrays[i], arrays[j], n_values=len(values)),
        )
        for i, j in combinations(range(len(annotators)), 2)
    )
    stats = _unit_stats(coded, len(values), outside_code=0)
    counts = [pair.spans for pair in pairs if pair.spans is not None]
    pooled = np.sum(counts, axis=0) if counts else None
    if pooled is None:
        score, why = None, FEWER_THAN_TWO
    elif n_spans(pooled) == 0:
        score, why = None, "no annotator marked an entity"
    else:
        score, why = exact_prf(pooled).f1, None
    return DocumentStats(doc.doc_id, "entities", annotators, values, *stats, pairs, score, why)


def _pos_stats(doc: DocumentAnnotations, labels: Sequence[str]) -> DocumentStats:
    annotators = tuple(sorted(doc.pos))
    for name in annotators:
        if len(doc.pos[name]) != len(doc.tokens):
            raise InvalidInput(
                f"document {doc.doc_id}, annotator {name!r}: {len(doc.pos[name])} POS tags "
                f"for {len(doc.tokens)} tokens"
            )
    found = {tag for name in annotators for tag in doc.pos[name] if tag is not None}
    values = _vocabulary(labels, found)
    codes = {value: index for index, value in enumerate(values)}
    coded = np.array(
        [[MISSING if tag is None else codes[tag] for tag in doc.pos[name]] for name in annotators],
        dtype=np.int64,
    ).reshape(len(annotators), len(doc.tokens))
    pairs = tuple(
        PairStats(
            annotators[i],
            annotators[j],
            confusion_matrix(coded[i], coded[j], n_values=len(values)),
        )
        for i, j in combinations(range(len(annotators)), 2)
    )
    stats = _unit_stats(coded, len(values), outside_code=None)
    alpha = krippendorff_alpha(stats[0])
    return DocumentStats(
        doc.doc_id, "pos", annotators, values, *stats, pairs, alpha.value, alpha.undefined
    )


def _unit_stats(
    coded: np.ndarray, n_values: int, *, outside_code: int | None
) -> tuple[np.ndarray, int, int, float, int | None]:
    """(coincidence, pairable units, pairable units someone labelled, outside part, raters)."""
    counts = unit_counts(coded, n_values=n_values)
    coders = counts.sum(axis=1)
    pairable = coders >= 2
    n_units = int(pairable.sum())
    coincidence = coincidence_from_counts(counts)
    if outside_code is None:
        return coincidence, n_units, n_units, 0.0, _constant(coders[pairable])
    all_outside = pairable & (counts[:, outside_code] == coders)
    outside = float(coders[all_outside].sum())
    n_labelled = n_units - int(all_outside.sum())
    return coincidence, n_units, n_labelled, outside, _constant(coders[pairable])


def _constant(coders: np.ndarray) -> int | None:
    if coders.size == 0 or coders.min() != coders.max():
        return None
    return int(coders[0])


def _coref_stats(doc: DocumentAnnotations) -> DocumentStats:
    annotators = tuple(sorted(doc.coref))
    # mentions may arrive as JSON lists: tuples make them hashable
    clusters = {
        name: [[(int(m[0]), int(m[1])) for m in cluster] for cluster in doc.coref[name]]
        for name in annotators
    }
    for name in annotators:
        coref.as_partition(clusters[name], side=f"document {doc.doc_id}, annotator {name!r}")
    pairs = []
    for a, b in combinations(annotators, 2):
        key, response = clusters[a], clusters[b]
        mentions_a = {m for cluster in key for m in cluster}
        mentions_b = {m for cluster in response for m in cluster}
        counts = CorefPairCounts(
            coref.muc_counts(key, response),
            coref.b_cubed_counts(key, response),
            coref.ceaf_e_counts(key, response),
            np.array([len(mentions_a), len(mentions_b), len(mentions_a & mentions_b)]),
        )
        pairs.append(PairStats(a, b, np.zeros((0, 0), dtype=np.int64), coref=counts))
    pooled = sum((pair.coref for pair in pairs if pair.coref is not None), CorefPairCounts())
    if not pairs:
        score, why = None, FEWER_THAN_TWO
    elif pooled.mentions[:2].sum() == 0:
        score, why = None, "no annotator marked a mention"
    else:
        score = coref.conll_f1_of(pooled.muc.prf(), pooled.b_cubed.prf(), pooled.ceaf_e.prf())
        why = None
    return DocumentStats(
        doc.doc_id,
        "coref",
        annotators,
        (),
        np.zeros((0, 0)),
        0,
        0,
        0.0,
        None,
        tuple(pairs),
        score,
        why,
    )


def _relation_stats(doc: DocumentAnnotations, labels: Sequence[str]) -> DocumentStats:
    """Relations as exact-match "spans": each (head, child) pair of entity offsets gets one
    number, so that two relations match when both ends and the label are the same; the span
    counts then give F1 per label, pooled by addition like entity spans."""
    annotators = tuple(sorted(doc.relations))
    found = {r[4] for name in annotators for r in doc.relations[name]}
    values = _vocabulary(labels, found)
    codes = {value: index for index, value in enumerate(values)}
    ends: dict[tuple[int, int, int, int], int] = {}
    arrays = []
    for name in annotators:
        rows = sorted({(ends.setdefault(r[:4], len(ends)), codes[r[4]])
                       for r in doc.relations[name]})  # fmt: skip
        arrays.append(np.array([(n, n + 1, code) for n, code in rows], dtype=np.int64)
                      .reshape(len(rows), 3))  # fmt: skip
    empty = np.zeros((0, 0), dtype=np.int64)
    pairs = tuple(
        PairStats(annotators[i], annotators[j], empty,
                  spans=match_counts(arrays[i], arrays[j], n_values=len(values)))
        for i, j in combinations(range(len(annotators)), 2)
    )  # fmt: skip
    score, why = _pooled_f1(pairs, nothing="no annotator linked two entities")
    return DocumentStats(doc.doc_id, "relations", annotators, values, np.zeros((0, 0)), 0, 0,
                         0.0, None, pairs, score, why)  # fmt: skip


def _pooled_f1(pairs: Sequence[PairStats], *, nothing: str) -> tuple[float | None, str | None]:
    """Exact F1 of the pairs' match counts added up, or why there is none."""
    counts = [pair.spans for pair in pairs if pair.spans is not None]
    if not counts:
        return None, FEWER_THAN_TWO
    pooled = np.sum(counts, axis=0)
    if n_spans(pooled) == 0:
        return None, nothing
    return exact_prf(pooled).f1, None


def _cats_stats(doc: DocumentAnnotations) -> DocumentStats:
    """Document labels as coded items: one item per category valued "yes" / "no" in
    multi-choice projects, one item valued with the chosen category (or "(none)") in
    single-choice ones; every annotator who submitted the document codes every item."""
    annotators = tuple(sorted(doc.cats))
    if doc.cats_single:
        values = (*doc.categories, NONE)
        rows = [[next((c for c in doc.categories if c in doc.cats[name]), NONE)]
                for name in annotators]  # fmt: skip
    else:
        values = (NO, YES)
        rows = [[YES if c in doc.cats[name] else NO for c in doc.categories]
                for name in annotators]  # fmt: skip
    codes = {value: index for index, value in enumerate(values)}
    n_items = len(rows[0]) if rows else 0
    coded = np.array([[codes[v] for v in row] for row in rows], dtype=np.int64).reshape(
        len(annotators), n_items
    )
    pairs = tuple(
        PairStats(annotators[i], annotators[j],
                  confusion_matrix(coded[i], coded[j], n_values=len(values)))
        for i, j in combinations(range(len(annotators)), 2)
    )  # fmt: skip
    stats = _unit_stats(coded, len(values), outside_code=None)
    alpha = krippendorff_alpha(stats[0])
    why = alpha.undefined if len(annotators) > 1 else FEWER_THAN_TWO
    return DocumentStats(doc.doc_id, "cats", annotators, values, *stats, pairs, alpha.value, why)


def _span_cat_stats(doc: DocumentAnnotations, labels: Sequence[str]) -> DocumentStats:
    """Span categories: per pair, ``spancats.spancat_counts`` (exact and one-to-one
    overlap matches per label), pooled by addition like entity spans."""
    annotators = tuple(sorted(doc.span_cats))
    for name in annotators:
        check_spans(doc.span_cats[name], where=f"document {doc.doc_id}, annotator {name!r}")
    values = _vocabulary(labels, {s[2] for name in annotators for s in doc.span_cats[name]})
    codes = {value: index for index, value in enumerate(values)}
    empty = np.zeros((0, 0), dtype=np.int64)
    spans = doc.span_cats
    pairs = tuple(
        PairStats(a, b, empty, spans=spancat_counts(spans[a], spans[b], codes=codes))
        for a, b in combinations(annotators, 2)
    )
    score, why = _pooled_f1(pairs, nothing="no annotator marked a span category")
    return DocumentStats(doc.doc_id, "spans", annotators, values, np.zeros((0, 0)), 0, 0,
                         0.0, None, pairs, score, why)  # fmt: skip
