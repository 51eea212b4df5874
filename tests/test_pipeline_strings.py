"""The default model is loaded without its vocab/strings.json (``pipeline.without_strings``:
~15 MiB less in every process holding it) and answers exactly as a full load, on real text."""

from __future__ import annotations

import csv
from typing import Any

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from tests.helpers import DATA, MODEL
from textlabel.nlp.docs import doc_to_record
from textlabel.nlp.pipeline import load_pipeline, without_strings

TOKEN_STRINGS = (
    "text", "lower_", "norm_", "shape_", "prefix_", "suffix_", "lemma_", "pos_", "tag_", "dep_",
    "ent_type_", "ent_iob_", "whitespace_",
)  # fmt: skip


def _texts() -> list[str]:
    """UD sentences (English and German) three at a time, tweets and CSV rows: real text with
    odd tokens (emoji, URLs, umlauts, numbers)."""
    texts: list[str] = []
    for path in sorted((DATA / "ud").glob("*.conllu")):
        sentences = [
            line[len("# text = ") :].rstrip("\n")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# text = ")
        ]
        texts += [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    words: list[str] = []
    for line in (DATA / "ner" / "wnut17_emerging.test.annotated").read_text("utf-8").splitlines():
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            texts.append(" ".join(words))
            words = []
    tweets = DATA / "csv" / "fivethirtyeight_twitter-ratio_BarackObama.csv"
    with open(tweets, encoding="utf-8", errors="replace") as f:
        texts += [" | ".join(row) for row, _ in zip(csv.reader(f), range(60), strict=False)]
    return texts


def _answers(doc: Doc) -> Any:
    """Everything a pre-annotation reads from a Doc and more, as strings."""
    tokens = [
        [getattr(t, name) for name in TOKEN_STRINGS] + [str(t.morph), t.head.i, t.is_sent_start]
        for t in doc
    ]
    ents = [(e.start, e.end, e.label_) for e in doc.ents]
    chunks = [(c.start, c.end) for c in doc.noun_chunks]
    return doc.to_json(), doc_to_record(doc), tokens, ents, chunks


@pytest.fixture(scope="module")
def texts() -> list[str]:
    found = _texts()
    assert len(found) > 300
    return found


def test_the_default_model_is_loaded_without_its_strings_file(nlp: Language) -> None:
    loaded = load_pipeline(MODEL)
    assert len(nlp.vocab.strings) > 80_000  # a full load: vocab/strings.json
    assert len(loaded.vocab.strings) < 10_000
    for name, pipe in loaded.pipeline:  # what a component predicts can be read back
        for label in getattr(pipe, "labels", ()) or ():
            assert label in loaded.vocab.strings, (name, label)


def test_it_answers_as_a_full_load(nlp: Language, texts: list[str]) -> None:
    loaded = load_pipeline(MODEL)
    pairs = zip(nlp.pipe(texts), loaded.pipe(texts), strict=True)
    for full, lean in pairs:
        assert _answers(lean) == _answers(full), full.text


def test_with_coreference_too(coref_nlp: Language, texts: list[str]) -> None:
    loaded = load_pipeline(MODEL, coref=True)
    some = texts[::4]
    for full, lean in zip(coref_nlp.pipe(some), loaded.pipe(some), strict=True):
        assert _answers(lean) == _answers(full), full.text


def test_other_pipelines_load_whole() -> None:
    assert without_strings(MODEL) == ["strings"]
    assert without_strings("en_core_web_sm") == ["strings"]
    assert without_strings("en_core_web_md") == []
