"""Pure parts of the loop: scores checked against spaCy's own scorer, label spaces, margins,
the queue's ranking."""

from __future__ import annotations

import spacy
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example

from textlabel.annotate.queue import Candidate, rank_candidates
from textlabel.layers import SPANS_KEY
from textlabel.nlp.model_layers import model_span_cats
from textlabel.nlp.uncertainty import (
    TokenScores,
    disagreement,
    document_uncertainty,
    entity_doubt,
)
from textlabel.records import DocumentRecord, SpanRecord, TokenRecord
from textlabel.training.categories import phrase_lookup, score_cats, train_layers
from textlabel.training.finetune import TrainSettings
from textlabel.training.labels import canonical_model_labels, to_model_labels, trained_label_map
from textlabel.training.scoring import score_spans

WORDS = ["Ada", "Lovelace", "met", "Charles", "Babbage", "in", "London", "and", "Paris"]
GOLD = [(0, 2, "PER"), (3, 5, "PER"), (6, 7, "LOC"), (8, 9, "LOC")]
PREDICTED = [(0, 2, "PER"), (3, 4, "PER"), (6, 7, "ORG"), (8, 9, "LOC"), (5, 6, "MISC")]


def _doc(nlp: spacy.Language, ents: list[tuple[int, int, str]]) -> Doc:
    doc = Doc(nlp.vocab, words=WORDS)
    doc.ents = [doc.char_span(doc[s].idx, doc[e - 1].idx + len(doc[e - 1]), label=lab)
                for s, e, lab in ents]  # fmt: skip
    return doc


def _spans(doc: Doc) -> list[SpanRecord]:
    return [SpanRecord(e.start_char, e.end_char, e.label_) for e in doc.ents]


def test_scores_match_spacys_scorer() -> None:
    nlp = spacy.blank("en")
    gold, predicted = _doc(nlp, GOLD), _doc(nlp, PREDICTED)
    ours = score_spans([_spans(gold)], [_spans(predicted)])
    theirs = Scorer.score_spans([Example(predicted, gold)], "ents")
    assert ours.total.precision == theirs["ents_p"] == 2 / 5
    assert ours.total.recall == theirs["ents_r"] == 2 / 4
    assert abs(ours.total.f1 - theirs["ents_f"]) < 1e-12
    for label, prf in theirs["ents_per_type"].items():
        assert abs(ours.per_label[label].f1 - prf["f"]) < 1e-12, label


def test_gold_trains_in_the_models_label_space() -> None:
    label_map = {"PERSON": "PER", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
    canonical = canonical_model_labels(label_map, ["PER", "LOC", "DRUG"])
    assert canonical == {"PER": "PERSON", "LOC": "GPE", "DRUG": "DRUG"}
    text = "Ada saw the Louvre and Aspirin"
    record = DocumentRecord(text=text, tokens=[TokenRecord(0, 3)],
                            spans=[SpanRecord(0, 3, "PER"), SpanRecord(12, 18, "LOC"),
                                   SpanRecord(23, 30, "DRUG")])  # fmt: skip
    # the base model called the Louvre a FAC: that mapped label is kept, the rest canonical
    base = [SpanRecord(12, 18, "FAC"), SpanRecord(0, 3, "ORG")]
    out = to_model_labels(record, label_map, canonical, base)
    assert [s.label for s in out.spans] == ["PERSON", "FAC", "DRUG"]
    assert trained_label_map(label_map, ["PER", "LOC", "DRUG"])["DRUG"] == "DRUG"


def test_margins_and_disagreement() -> None:
    sure = TokenScores(chosen=[1.0, 0.99], margins=[1.0, 0.98])
    torn = TokenScores(chosen=[0.5, 0.99], margins=[0.0, 0.98])
    assert document_uncertainty(sure) < document_uncertainty(torn) == (1.0 + 0.02) / 2
    assert document_uncertainty(TokenScores([], [])) == 0.0
    # one doubtful token in a short document outranks the same token in a long one, though
    # the long one's total doubt is larger: annotation costs tokens
    short = TokenScores([0.6, 1.0, 1.0], [0.2, 1.0, 1.0])
    long = TokenScores([0.6, 0.9, *[1.0] * 10], [0.2, 0.8, *[1.0] * 10])
    assert document_uncertainty(short) > document_uncertainty(long)
    assert sum(1 - m for m in short.margins) < sum(1 - m for m in long.margins)
    a = [SpanRecord(0, 3, "PER"), SpanRecord(5, 9, "LOC")]
    assert disagreement(a, a) == 0.0 and disagreement([], []) == 0.0
    assert disagreement(a, a[:1]) == 1 - 2 * 1 / 3


def test_entity_doubt_counts_each_entity_once_and_possible_starts() -> None:
    # one three-token entity the model hesitates over: a token-level mean counts its doubt
    # three times, entity-level doubt once (its weakest action)
    torn_name = TokenScores([0.6, 0.7, 0.6, 1.0], [0.2, 0.4, 0.2, 1.0],
                            ["B-PER", "I-PER", "L-PER", "O"], [0.6, 0.0, 0.0, 0.0])  # fmt: skip
    # no entity found, but each token could start one with probability 0.3
    maybe_names = TokenScores([0.7] * 4, [0.5] * 4, ["O"] * 4, [0.3] * 4)
    assert entity_doubt(torn_name) == (1 - 0.6) / 4
    assert entity_doubt(maybe_names) == 4 * 0.3 / 4
    assert document_uncertainty(torn_name) > document_uncertainty(maybe_names)
    assert entity_doubt(maybe_names) > entity_doubt(torn_name)  # the order flips
    two = TokenScores([0.9, 0.8], [0.8, 0.6], ["U-LOC", "U-PER"], [0.9, 0.8])
    assert entity_doubt(two) == ((1 - 0.9) + (1 - 0.8)) / 2
    assert entity_doubt(TokenScores([], [])) == 0.0


def test_ranking_keeps_completion_first_then_uncertainty() -> None:
    candidates = [Candidate(1, 0, None, 0.1), Candidate(2, 0, None, 0.9),
                  Candidate(3, 1, None, 0.0), Candidate(4, 0, None, None),
                  Candidate(5, 1, 1, 0.99)]  # fmt: skip
    # 5 is routed to one annotator and has it: closed
    assert rank_candidates(candidates, overlap=2, by_uncertainty=True) == [3, 2, 1, 4]
    assert rank_candidates(candidates, overlap=2) == [3, 1, 2, 4]


def test_document_label_scores_match_spacys_scorer_in_both_modes() -> None:
    nlp = spacy.blank("en")
    labels = ["sport", "money", "war"]
    gold = [
        {"sport": 1.0, "money": 0.0, "war": 0.0},
        {"sport": 0.0, "money": 1.0, "war": 1.0},
        {"sport": 0.0, "money": 0.0, "war": 1.0},
        {"sport": 1.0, "money": 1.0, "war": 0.0},
    ]
    predicted = [
        {"sport": 0.9, "money": 0.6, "war": 0.1}, {"sport": 0.2, "money": 0.3, "war": 0.7},
        {"sport": 0.5, "money": 0.1, "war": 0.4}, {"sport": 0.8, "money": 0.7, "war": 0.2},
    ]  # fmt: skip
    examples = []
    for truth, guess in zip(gold, predicted, strict=True):
        reference, doc = nlp("a b c"), nlp("a b c")
        reference.cats, doc.cats = truth, guess
        examples.append(Example(doc, reference))
    for mode, multi in (("multi", True), ("single", False)):
        if not multi:  # single-choice gold has one label that applies
            for example, truth in zip(examples, gold, strict=True):
                top = next(label for label in labels if truth[label])
                example.reference.cats = {label: float(label == top) for label in labels}
        ours = score_cats([e.reference.cats for e in examples], predicted, labels=labels, mode=mode)
        theirs = Scorer.score_cats(examples, "cats", labels=labels, multi_label=multi)
        assert abs(ours.total.f1 - theirs["cats_micro_f"]) < 1e-9, mode
        for label in labels:
            mine, spacys = ours.per_label[label], theirs["cats_f_per_type"][label]
            assert (mine.precision, mine.recall) == (spacys["p"], spacys["r"]), (mode, label)
            assert abs(mine.f1 - spacys["f"]) < 1e-9
    assert ours.per_label["sport"].tp == 2  # single: the top label is the answer


def test_phrase_lookup_baseline_finds_training_phrases_with_their_label() -> None:
    nlp = spacy.blank("en")
    train = [DocumentRecord("Acme Corp hired Ann .", spans=[], span_cats=[
        SpanRecord(0, 9, "company"), SpanRecord(16, 19, "person")])]  # fmt: skip
    dev = [DocumentRecord("Ann left Acme Corp for Acme .")]
    for record in train + dev:
        doc = nlp.make_doc(record.text)
        record.tokens = [TokenRecord(t.idx, t.idx + len(t), bool(t.whitespace_)) for t in doc]
    found = phrase_lookup(nlp, train, dev)
    assert sorted((dev[0].text[s.start : s.end], s.label) for s in found[0]) == [
        ("Acme Corp", "company"), ("Ann", "person")]  # fmt: skip


def test_span_category_suggestions_keep_apart_when_the_project_says_so() -> None:
    nlp = spacy.blank("en")
    doc = nlp.make_doc("New York City Hall opened")
    bounds = [(0, 2, "place"), (0, 4, "place"), (2, 4, "building"), (4, 5, "event")]
    spans = [Span(doc, start, end, label=label) for start, end, label in bounds]
    group = SpanGroup(doc, name=SPANS_KEY, spans=spans)
    group.attrs["scores"] = [0.7, 0.9, 0.8, 0.6]
    doc.spans[SPANS_KEY] = group
    labels = {"place", "building"}  # "event" is not the project's
    every = model_span_cats(doc, labels)
    assert [(doc.text[s.start : s.end], s.score) for s in every] == [
        ("New York", 0.7), ("New York City Hall", 0.9), ("City Hall", 0.8)]  # fmt: skip
    apart = model_span_cats(doc, labels, apart=True)
    assert [(doc.text[s.start : s.end], s.label) for s in apart] == [
        ("New York City Hall", "place")]  # fmt: skip


def test_a_single_choice_project_with_one_document_label_trains_a_multilabel_textcat() -> None:
    nlp = spacy.blank("en")  # spaCy's exclusive textcat refuses fewer than two labels
    records = []
    for i, text in enumerate(["great match today", "stocks fell", "we won the cup", "rates up"]):
        doc = nlp.make_doc(text)
        tokens = [TokenRecord(t.idx, t.idx + len(t), bool(t.whitespace_)) for t in doc]
        records.append(DocumentRecord(text, tokens=tokens, cats={"sport": float(i % 2 == 0)}))
    scores = train_layers(nlp, records, records, cats=["sport"], cats_mode="single", spans=None,
                          settings=TrainSettings(max_steps=1))  # fmt: skip
    assert scores["cats"]["component"] == "textcat_multilabel" and "span_cats" not in scores
    assert "textcat_multilabel" in nlp.pipe_names and scores["cats"]["train_documents"] == 4


def test_cli_prints_document_label_and_span_category_scores_beside_the_baseline() -> None:
    from textlabel.cli.training import layer_lines

    prf = {"p": 0.5, "r": 1.0, "f": 0.6667, "support": 2}
    scores = {"model": {}, "base": {}, "cats": {
        "component": "textcat", "baseline_kind": "majority label",
        "model": {**prf, "per_label": {"sport": prf}},
        "baseline": {"p": 0.25, "r": 0.5, "f": 0.3333, "per_label": {}}}}  # fmt: skip
    lines = layer_lines(scores)
    assert lines[0] == "document labels (textcat; baseline: majority label):"
    text = "\n".join(lines)
    assert "0.667" in text and "0.333" in text and "sport" in text and "span categories" not in text
