"""The agreement service end to end on both databases: three real accounts, annotations stored
as rows, the numbers checked against krippendorff / sklearn / statsmodels / scorch computed
here from the same token labels; the per-document cache reused and invalidated per document."""

from __future__ import annotations

import pickle
import random
import warnings
from collections import Counter
from dataclasses import asdict
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from scorch import scores as scorch_scores
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select, update
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from tests.factories import add_documents, make_project, make_user, make_users
from textlabel.agreement.service import project_agreement
from textlabel.errors import InvalidInput
from textlabel.models import AgreementStats, Annotation, Document, ReportCache, Span

TOLERANCE = 1e-9
LABELS = ["PER", "ORG", "LOC"]
TAGS = ["NOUN", "VERB", "ADJ", "DET", "PROPN"]
ANNOTATORS = ["ann1", "ann2", "ann3"]
N_DOCUMENTS = 5


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        "".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 6))) for _ in range(n)
    )


def _offsets(text: str) -> list[tuple[int, int]]:
    tokens, position = [], 0
    for word in text.split(" "):
        tokens.append((position, position + len(word)))
        position += len(word) + 1
    return tokens


def _noisy_spans(rng: random.Random, gold: list[tuple[int, int, str]]) -> list:
    """Token-index spans, never overlapping one another (so 'the label covering a token' is
    unambiguous for the hand computation)."""
    out, last_end = [], 0
    for start, end, label in gold:
        roll = rng.random()
        if roll < 0.15:
            continue
        if roll < 0.3:
            label = rng.choice(LABELS)
        elif roll < 0.4:
            start = max(last_end, start - 1)
        out.append((start, end, label))
        last_end = end
    if gold and rng.random() < 0.5:  # an extra entity after the last one
        out.append((gold[-1][1] + 1, gold[-1][1] + 2, "LOC"))
    return [s for s in out if s[0] < s[1]]


def _accounts(session, admin: str, names) -> tuple:
    """An administrator and plain users sharing one password hash (see ``make_users``)."""
    first = make_user(session, admin, admin=True)
    others = make_users(session, *names)
    return first, {user.username: user for user in others}


@pytest.fixture
def corpus(session):
    """Five documents; ann3 did not submit the last one, ann3's draft and ann2's skip of it
    must not count; POS tags on top of a prediction; coreference chains."""
    rng = random.Random(7)
    admin, users = _accounts(session, "admin", ANNOTATORS)
    project = make_project(
        session, admin, labels=tuple(LABELS), members=dict.fromkeys(ANNOTATORS, "annotator"),
        layers=["entities", "pos", "coref"], overlap=3,
    )  # fmt: skip
    texts = [_words(rng, rng.randint(12, 30)) for _ in range(N_DOCUMENTS)]
    documents = add_documents(session, project, texts)
    truth: dict = {"tokens": {}, "spans": {}, "pos": {}, "chains": {}, "predicted": {}}
    for document in documents:
        tokens = _offsets(document.text)
        document.tokens = {
            "offsets": [x for token in tokens for x in token], "sent_starts": [0]
        }  # fmt: skip
        truth["tokens"][document.id] = tokens
        n = len(tokens)
        predicted = [rng.choice(TAGS) for _ in range(n)]
        truth["predicted"][document.id] = predicted
        session.add(Annotation(document_id=document.id, kind="prediction", status="submitted",
                               pos=predicted))  # fmt: skip
        gold, position = [], rng.randint(0, 2)
        while position < n - 4:
            length = rng.randint(1, 3)
            gold.append((position, position + length, rng.choice(LABELS)))
            position += length + rng.randint(1, 4)
        submitters = ANNOTATORS if document is not documents[-1] else ANNOTATORS[:2]
        for name in ANNOTATORS:
            submitted = name in submitters
            spans = _noisy_spans(rng, gold)
            # ann1 keeps the prediction everywhere (no POS saved); others retag a few tokens
            pos = None if name == "ann1" else [
                rng.choice(TAGS) if rng.random() < 0.2 else None for _ in range(n)
            ]  # fmt: skip
            chains = [[(s, e)] for s, e, _ in spans[:4]]
            if len(chains) > 2 and rng.random() < 0.7:
                chains = [chains[0] + chains[1], *chains[2:]]
            status = "submitted" if submitted else "draft"
            _store(session, document, users[name], tokens, spans, pos, chains, status=status)
            if submitted:
                truth["spans"][(document.id, name)] = spans
                truth["pos"][(document.id, name)] = [
                    tag if tag is not None else predicted[i]
                    for i, tag in enumerate(pos or [None] * n)
                ]
                truth["chains"][(document.id, name)] = chains
    session.commit()
    return project, documents, users, truth


def _store(session, document, user, tokens, spans, pos, chains, *, status="submitted"):
    annotation = Annotation(document_id=document.id, user_id=user.id, kind="manual",
                            status=status, pos=pos)  # fmt: skip
    for start, end, label in spans:
        annotation.spans.append(Span(layer="ent", start_char=tokens[start][0],
                                     end_char=tokens[end - 1][1], start_token=start,
                                     end_token=end, label=label))  # fmt: skip
    for cluster, chain in enumerate(chains, start=1):
        for start, end in chain:
            annotation.spans.append(Span(layer="coref", start_char=tokens[start][0],
                                         end_char=tokens[end - 1][1], start_token=start,
                                         end_token=end, cluster=cluster))  # fmt: skip
    session.add(annotation)
    session.flush()
    return annotation


def _entity_labels(truth, doc_id: int, name: str) -> list[str]:
    labels = ["O"] * len(truth["tokens"][doc_id])
    for start, end, label in truth["spans"][(doc_id, name)]:
        for i in range(start, end):
            labels[i] = label
    return labels


def _token_values(truth, layer: str) -> dict:
    """(document, annotator) -> the value of each token, from the test's own records."""
    out = {}
    for doc_id, name in truth["spans"]:
        out[(doc_id, name)] = (
            _entity_labels(truth, doc_id, name) if layer == "entities"
            else truth["pos"][(doc_id, name)]
        )  # fmt: skip
    return out


def _alpha(values: dict, vocabulary: list[str], *, keep=None) -> float:
    """krippendorff.alpha over all tokens of all documents (NaN = did not submit)."""
    code = {value: i for i, value in enumerate(vocabulary)}
    columns = []
    for doc_id in sorted({d for d, _ in values}):
        n = len(next(v for (d, _), v in values.items() if d == doc_id))
        for i in range(n):
            column = [
                code[values[(doc_id, a)][i]] if (doc_id, a) in values else np.nan
                for a in ANNOTATORS
            ]
            if keep is None or keep(column):
                columns.append(column)
    data = np.array(columns, dtype=float).T
    return krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def _pair_tokens(values: dict, a: str, b: str) -> tuple[list[str], list[str]]:
    xs, ys = [], []
    for doc_id in sorted({d for d, _ in values}):
        if (doc_id, a) in values and (doc_id, b) in values:
            xs += values[(doc_id, a)]
            ys += values[(doc_id, b)]
    return xs, ys


def test_entity_report_matches_reference_packages(session, corpus) -> None:
    project, documents, _, truth = corpus
    report = project_agreement(session, project, layer="entities").report
    values = _token_values(truth, "entities")
    vocabulary = ["O", *LABELS]
    assert report.n_documents == N_DOCUMENTS and report.annotators == ANNOTATORS
    assert report.krippendorff_alpha == pytest.approx(_alpha(values, vocabulary), abs=TOLERANCE)

    def someone_labelled(column: list[float]) -> bool:
        return any(v == v and v != 0 for v in column)  # v == v: not NaN (did not submit)

    assert report.krippendorff_alpha_labelled == pytest.approx(
        _alpha(values, vocabulary, keep=someone_labelled), abs=TOLERANCE
    )
    assert report.fleiss_kappa is None and "fleiss_kappa" in report.undefined
    pairs = {(p.a, p.b): p for p in report.pairwise}
    assert set(pairs) == set(combinations(ANNOTATORS, 2))
    f1s = []
    for a, b in combinations(ANNOTATORS, 2):
        xs, ys = _pair_tokens(values, a, b)
        assert pairs[(a, b)].n_items == len(xs)
        assert pairs[(a, b)].cohen_kappa == pytest.approx(cohen_kappa_score(xs, ys), abs=TOLERANCE)
        common = total = 0
        for doc_id in (d.id for d in documents):
            if (doc_id, a) in truth["spans"] and (doc_id, b) in truth["spans"]:
                mine, theirs = set(truth["spans"][(doc_id, a)]), set(truth["spans"][(doc_id, b)])
                common, total = common + len(mine & theirs), total + len(mine) + len(theirs)
        f1s.append(2 * common / total)
        assert pairs[(a, b)].span_f1 == pytest.approx(f1s[-1], abs=TOLERANCE)
    assert report.span_f1 == pytest.approx(np.mean(f1s), abs=TOLERANCE)
    for index, label in enumerate(LABELS, start=1):
        binary = {key: [v if v == label else "rest" for v in row] for key, row in values.items()}
        expected = _alpha(binary, [label, "rest"])
        got = report.per_label[label].krippendorff_alpha
        assert got == pytest.approx(expected, abs=TOLERANCE), (index, label)


def test_document_scores_sorted_by_disagreement(session, corpus) -> None:
    project, documents, _, truth = corpus
    report = project_agreement(session, project, layer="entities").report
    expected = {}
    for document in documents:
        names = [n for n in ANNOTATORS if (document.id, n) in truth["spans"]]
        common = total = 0
        for a, b in combinations(names, 2):
            mine, theirs = (
                set(truth["spans"][(document.id, a)]),
                set(truth["spans"][(document.id, b)]),
            )
            common, total = common + len(mine & theirs), total + len(mine) + len(theirs)
        expected[document.id] = 2 * common / total
    got = {d.id: d.score for d in report.documents}
    assert got == pytest.approx(expected, abs=TOLERANCE)
    scores = [d.score for d in report.documents]
    assert scores == sorted(scores)
    assert [d.n_annotators for d in report.documents if d.id == documents[-1].id] == [2]


def test_pos_uses_prediction_for_unchanged_tags(session, corpus) -> None:
    project, _, _, truth = corpus
    report = project_agreement(session, project, layer="pos").report
    values = _token_values(truth, "pos")
    assert report.krippendorff_alpha == pytest.approx(_alpha(values, TAGS), abs=TOLERANCE)
    pairs = {(p.a, p.b): p for p in report.pairwise}
    expected_confusion: Counter = Counter()
    for a, b in combinations(ANNOTATORS, 2):
        xs, ys = _pair_tokens(values, a, b)
        assert pairs[(a, b)].cohen_kappa == pytest.approx(cohen_kappa_score(xs, ys), abs=TOLERANCE)
        expected_confusion.update(zip(xs, ys, strict=True))
        expected_confusion.update(zip(ys, xs, strict=True))
    table = report.confusion
    got = {
        (x, y): table.counts[i][j]
        for i, x in enumerate(table.labels)
        for j, y in enumerate(table.labels)
        if table.counts[i][j]
    }
    assert got == dict(expected_confusion)


def test_coreference_matches_scorch_on_the_pooled_corpus(session, corpus) -> None:
    project, _, _, truth = corpus
    report = project_agreement(session, project, layer="coref").report
    pairs = {(p.a, p.b): p for p in report.pairwise}
    for a, b in combinations(ANNOTATORS, 2):
        # documents are disjoint, so one partition of (document, mention) pools them as the
        # CoNLL scorer does: counts summed over documents
        key, response = [], []
        for (doc_id, name), chains in truth["chains"].items():
            if (doc_id, a) not in truth["chains"] or (doc_id, b) not in truth["chains"]:
                continue
            tokens = truth["tokens"][doc_id]
            clusters = [
                {(doc_id, tokens[s][0], tokens[e - 1][1]) for s, e in chain} for chain in chains
            ]
            (key if name == a else response if name == b else []).extend(clusters)
        pair = pairs[(a, b)]
        for ours, theirs in [
            (pair.muc, scorch_scores.muc),
            (pair.b_cubed, scorch_scores.b_cubed),
            (pair.ceaf_e, scorch_scores.ceaf_e),
        ]:
            recall, precision, f1 = theirs(key, response)
            assert (ours.recall, ours.precision, ours.f1) == pytest.approx(
                (recall, precision, f1), abs=TOLERANCE
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scorch's own numpy deprecations
            expected = scorch_scores.conll2012(key, response)
        assert pair.conll_f1 == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize("layer", ["entities", "pos"])
def test_fleiss_when_every_document_has_three_annotators(session, corpus, layer) -> None:
    project, documents, users, truth = corpus
    last = documents[-1].id
    draft = session.scalar(
        select(Annotation).where(Annotation.document_id == last,
                                 Annotation.user_id == users["ann3"].id)
    )  # fmt: skip
    session.execute(
        update(Annotation).where(Annotation.id == draft.id).values(status="submitted", version=2)
    )
    session.commit()
    draft_pos = session.get(Annotation, draft.id).pos
    truth["spans"][(last, "ann3")] = [
        (s.start_token, s.end_token, s.label) for s in draft.spans if s.layer == "ent"
    ]
    truth["pos"][(last, "ann3")] = [
        tag if tag is not None else truth["predicted"][last][i] for i, tag in enumerate(draft_pos)
    ]
    report = project_agreement(session, project, layer=layer).report
    values = _token_values(truth, layer)
    vocabulary = ["O", *LABELS] if layer == "entities" else TAGS
    rows = []
    for doc_id in sorted({d for d, _ in values}):
        columns = zip(*(values[(doc_id, a)] for a in ANNOTATORS), strict=True)
        rows += [[vocabulary.index(v) for v in column] for column in columns]
    table, _ = aggregate_raters(np.array(rows))
    assert report.fleiss_kappa == pytest.approx(fleiss_kappa(table), abs=TOLERANCE)


def _rows(session) -> dict:
    return {
        (row.document_id, row.layer): (row.fingerprint, row.computed_at)
        for row in session.scalars(select(AgreementStats))
    }


def test_second_report_reuses_the_cache_and_a_save_invalidates_its_document(
    session, corpus
) -> None:
    project, documents, users, _ = corpus
    first = project_agreement(session, project, layer="entities")
    assert (first.reused, first.computed) == (0, N_DOCUMENTS)
    before = _rows(session)
    assert set(before) == {(d.id, "entities") for d in documents}
    second = project_agreement(session, project, layer="entities")
    assert (second.reused, second.computed) == (N_DOCUMENTS, 0)
    assert asdict(second.report) == asdict(first.report)
    assert _rows(session) == before

    changed = documents[1]
    annotation = session.scalar(
        select(Annotation).where(Annotation.document_id == changed.id,
                                 Annotation.user_id == users["ann2"].id)
    )  # fmt: skip
    session.execute(
        update(Span)
        .where(Span.annotation_id == annotation.id, Span.layer == "ent")
        .values(label="ORG")
    )
    session.execute(
        update(Annotation).where(Annotation.id == annotation.id)
        .values(version=Annotation.version + 1)
    )  # fmt: skip
    third = project_agreement(session, project, layer="entities")
    assert (third.reused, third.computed) == (N_DOCUMENTS - 1, 1)
    after = _rows(session)
    assert {key for key in before if after[key] != before[key]} == {(changed.id, "entities")}
    # the incremental report equals one computed from scratch (no stored report, no rows)
    session.execute(AgreementStats.__table__.delete())
    session.execute(ReportCache.__table__.delete())
    fresh = project_agreement(session, project, layer="entities")
    assert fresh.computed == N_DOCUMENTS
    assert asdict(fresh.report) == asdict(third.report)
    assert asdict(fresh.report) != asdict(first.report)


def test_layers_are_cached_apart_and_a_new_prediction_refreshes_pos(session, corpus) -> None:
    project, documents, _, _ = corpus
    project_agreement(session, project, layer="entities")
    assert project_agreement(session, project, layer="pos").computed == N_DOCUMENTS
    assert project_agreement(session, project, layer="entities").computed == 0
    prediction = session.scalar(
        select(Annotation).where(Annotation.document_id == documents[0].id,
                                 Annotation.kind == "prediction")
    )  # fmt: skip
    session.execute(update(Annotation).where(Annotation.id == prediction.id).values(version=2))
    assert project_agreement(session, project, layer="pos").computed == 1
    assert project_agreement(session, project, layer="entities").computed == 0


class _Boom:
    def __reduce__(self):
        return (print, ("this must never run",))


@pytest.mark.parametrize("blob", [b"not a pickle", pickle.dumps(_Boom())])
def test_unreadable_or_foreign_cache_rows_are_recomputed(session, corpus, blob, capsys) -> None:
    project, documents, _, _ = corpus
    expected = asdict(project_agreement(session, project, layer="entities").report)
    session.execute(
        update(AgreementStats).where(AgreementStats.document_id == documents[0].id)
        .values(stats=blob)
    )  # fmt: skip
    session.execute(ReportCache.__table__.delete())  # the stored report would answer first
    again = project_agreement(session, project, layer="entities")
    assert (again.reused, again.computed) == (N_DOCUMENTS - 1, 1)
    assert asdict(again.report) == expected
    assert "must never run" not in capsys.readouterr().out


def test_layer_checks(session, corpus) -> None:
    project, _, _, _ = corpus
    with pytest.raises(InvalidInput, match="unknown agreement layer"):
        project_agreement(session, project, layer="sentiment")
    project.layers = ["pos"]
    session.commit()
    with pytest.raises(InvalidInput, match="no entities layer"):
        project_agreement(session, project, layer="entities")
    assert project_agreement(session, project).report.layer == "pos"


def test_one_annotator_and_no_submissions(session) -> None:
    admin, users = _accounts(session, "admin", ["ann1"])
    ann = users["ann1"]
    project = make_project(session, admin, members={"ann1": "annotator"})
    empty = project_agreement(session, project, layer="entities").report
    assert empty.n_documents == 0 and empty.krippendorff_alpha is None
    assert empty.pairwise == [] and "pairwise" in empty.undefined
    (document,) = add_documents(session, project, ["Ada met Bob"])
    document.tokens = {"offsets": [0, 3, 4, 7, 8, 11], "sent_starts": [0]}
    _store(session, document, ann, _offsets(document.text), [(0, 1, "PER")], None, [])
    session.commit()
    alone = project_agreement(session, project, layer="entities").report
    assert alone.n_documents == 1 and alone.n_documents_compared == 0
    assert alone.krippendorff_alpha is None and alone.undefined["krippendorff_alpha"]
    assert alone.documents[0].score is None and alone.documents[0].undefined
    assert session.get(Document, document.id) is not None


@pytest.mark.parametrize("layer", ["entities", "pos", "coref"])
def test_cache_rows_round_trip(layer) -> None:
    from textlabel.agreement import DocumentAnnotations, combine, document_stats
    from textlabel.agreement.caching import decode_stats, encode_stats

    doc = DocumentAnnotations(
        3, [(0, 3), (4, 7), (8, 9), (10, 14)],
        spans={"a": [(0, 3, "PER"), (8, 14, "LOC")], "b": [(0, 7, "PER")], "c": []},
        pos={"a": ["NOUN", None, "X", "VERB"], "b": ["NOUN", "VERB", "X", "VERB"]},
        coref={"a": [[(0, 3), (8, 9)]], "b": [[(0, 3)], [(10, 14)]], "c": []},
    )  # fmt: skip
    stats = document_stats(doc, layer=layer)
    decoded = decode_stats(encode_stats(stats))
    assert decoded is not None and decoded.pairs and decoded.layer == layer
    assert asdict(combine([decoded], layer=layer, min_items=1)) == asdict(
        combine([stats], layer=layer, min_items=1)
    )
    # a pickle of the classes themselves (what a row of another layout might hold) is refused
    assert decode_stats(pickle.dumps(stats)) is None
