"""The default model's lemmatizer holds its word lists as ``lemma_index.Words`` (one string
each), answers as the lists do and is saved as the same bytes."""

from __future__ import annotations

import pytest
from spacy.language import Language

from tests.helpers import MODEL
from textlabel.nlp.lemma_index import Words, compact
from textlabel.nlp.pipeline import load_pipeline

AWKWARD = [[], [""], ["a"], ["a", ""], ["ab", "b"], ["x", "y", "z"], ["é", "naïve", "中文"]]


def _index(nlp: Language) -> dict[int, object]:
    return dict(nlp.get_pipe("lemmatizer").lookups.get_table("lemma_index").items())


@pytest.mark.parametrize("words", AWKWARD)
def test_words_answer_as_the_list(words: list[str]) -> None:
    held = Words(words)
    asked = ["", "a", "b", "ab", "x", "z", "a\n", "\n", "y\nz", "é", "naïve", "中", 1, None]
    for form in [*asked, *words]:
        assert (form in held) == (form in words), form
    assert (len(held), bool(held), list(held)) == (len(words), bool(words), words)


def test_the_loaded_model_holds_words_that_answer_as_its_lists(nlp: Language) -> None:
    lean, full = _index(load_pipeline(MODEL)), _index(nlp)
    assert lean.keys() == full.keys() and len(full) == 4
    for key, words in full.items():
        held = lean[key]
        assert isinstance(words, list) and isinstance(held, Words)
        assert list(held) == words
        forms = words[::97] + [w + "s" for w in words[::89]] + [w[:-1] for w in words[::83]]
        assert [f in held for f in forms] == [f in words for f in forms]


def test_saved_as_the_same_bytes(nlp: Language) -> None:
    lean = load_pipeline(MODEL).get_pipe("lemmatizer").lookups
    assert lean.to_bytes() == nlp.get_pipe("lemmatizer").lookups.to_bytes()


def test_lists_holding_a_newline_stay_lists() -> None:
    blank = Language()
    lemmatizer = blank.add_pipe("lemmatizer", config={"mode": "rule"})
    lemmatizer.lookups.add_table("lemma_index", {"noun": ["a\nb", "c"], "verb": ["go"]})
    assert compact(blank) == 1
    table = lemmatizer.lookups.get_table("lemma_index")
    assert table["noun"] == ["a\nb", "c"] and isinstance(table["verb"], Words)
