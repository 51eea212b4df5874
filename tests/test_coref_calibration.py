"""Chain confidence is a calibrated probability from a shipped logistic model: the file matches
the code, the map rises with the weakest link's score and falls as a chain gathers unrelated
heads, and the component writes both the calibrated and the raw figure."""

from __future__ import annotations

import json

import pytest
import spacy
from spacy.tokens import Doc

from textlabel.nlp.coref.calibration import (
    FEATURES,
    TABLE,
    Calibration,
    chain_features,
    load_calibration,
    read_calibration,
)

VOCAB = spacy.blank("en").vocab


def _doc() -> Doc:
    words = ["Anna", "met", "Anna", ".", "She", "saw", "the", "dog", "and", "the", "cat", "."]
    tags = ["NNP", "VBD", "NNP", ".", "PRP", "VBD", "DT", "NN", "CC", "DT", "NN", "."]
    heads = [1, 1, 1, 1, 5, 5, 7, 5, 7, 10, 7, 5]
    deps = ["nsubj", "ROOT", "dobj", "punct", "nsubj", "ROOT", "det", "dobj", "cc", "det"]
    deps += ["conj", "punct"]
    return Doc(VOCAB, words=words, tags=tags, heads=heads, deps=deps)


def test_shipped_model_matches_the_code():
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    assert tuple(data["features"]) == FEATURES and len(data["weights"]) == len(FEATURES)
    assert "LitBank" in data["trained_on"]
    assert load_calibration().weights


def test_a_model_with_other_features_is_refused(tmp_path):
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps({"features": ["bias"], "weights": [1.0], "trained_on": ""}))
    with pytest.raises(ValueError, match="calibration features differ"):
        read_calibration(path)


def test_confidence_rises_with_the_link_score_and_falls_with_unrelated_heads():
    doc, model = _doc(), load_calibration()
    names = [(0, 1), (2, 3)]
    assert chain_features(doc, names, 0.9)[FEATURES.index("heads_log")] == pytest.approx(
        0.693, 0.01
    )
    low, high = model(doc, names, 0.3), model(doc, names, 0.95)
    assert 0 < low < high < 1
    # "Anna ... Anna ... the dog ... the cat": three different heads, a doubtful chain
    mixed = model(doc, [(0, 1), (2, 3), (6, 8), (9, 11)], 0.95)
    assert mixed < high
    # a chain that opens with a pronoun is less sure than one that opens with the name
    assert model(doc, [(4, 5), (2, 3)], 0.9) < model(doc, [(2, 3), (4, 5)], 0.9)


def test_without_a_model_the_raw_score_is_kept():
    assert Calibration()(_doc(), [(0, 1), (2, 3)], 0.42) == 0.42


def test_component_writes_calibrated_and_raw_confidence(coref_nlp):
    doc = coref_nlp("Marie Curie lived in Paris. Marie Curie loved the city, and she stayed.")
    assert doc.spans
    for group in doc.spans.values():
        raw, calibrated = group.attrs["raw_confidence"], group.attrs["confidence"]
        spans = [(span.start, span.end) for span in group]
        assert calibrated == load_calibration()(doc, spans, raw)
        assert 0 < calibrated < 1 and 0 < raw <= 1
