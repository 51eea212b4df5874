"""``tokenize_text`` runs spaCy's sentencizer rule on token arrays (three times fewer Python
objects than the pipeline): checked against spaCy's own tokenizer + ``sentencizer`` pipeline
on real treebank text and on edge cases."""

from __future__ import annotations

from pathlib import Path

import pytest
import spacy

from textlabel.nlp import pipeline
from textlabel.nlp.pipeline import tokenize_text

UD = Path(__file__).parent / "data" / "ud"


def reference(nlp: spacy.language.Language, text: str) -> tuple[list[int], list[int], list[int]]:
    """spaCy's pipeline, read token by token (what tokenize_text did before)."""
    starts: list[int] = []
    ends: list[int] = []
    sent_starts: list[int] = []
    for sent in nlp(text).sents:
        first = True
        for token in sent:
            if token.is_space:
                continue
            if first:
                sent_starts.append(len(starts))
                first = False
            starts.append(token.idx)
            ends.append(token.idx + len(token.text))
    return starts, ends, sent_starts or [0]


def _texts() -> list[str]:
    lines = []
    for path in sorted(UD.glob("*.conllu")):
        with path.open(encoding="utf-8") as handle:
            lines += [line[9:].rstrip("\n") for line in handle if line.startswith("# text = ")]
    # Documents of a few sentences each, joined with varied whitespace.
    joins = [" ", "  ", "\n", "\n\n", "\t"]
    return [joins[k % 5].join(lines[k : k + 4]) for k in range(0, min(len(lines), 4000), 4)]


EDGE_CASES = ["", "   ", "Hi!!  \n\n What?? yes.", "a . . . b", "End.\n", "“Quoted.” Next?! ok",
              "x\t\ty", "...", "Mr. Smith went. He left!", "。中文。句子", "!"]  # fmt: skip


@pytest.mark.parametrize("texts", [EDGE_CASES, _texts()], ids=["edge cases", "UD treebanks"])
def test_same_tokens_and_sentences_as_spacys_sentencizer(texts: list[str]) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    assert len(texts) > 5
    for text in texts:
        tokens = tokenize_text(text)
        assert (tokens.starts, tokens.ends, tokens.sent_starts) == reference(nlp, text), text
        assert tokens.sents_guessed and tokens.text_length == len(text)


def test_a_full_vocabulary_is_replaced_and_tokens_stay_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every new word stays in a tokenizer's vocabulary; past ``MAX_STRINGS`` a fresh
    tokenizer takes over (bounded memory in a long-running server), with the same tokens and
    sentences across the change."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    first = pipeline._tokenizer()
    monkeypatch.setattr(pipeline, "MAX_STRINGS", len(first.vocab.strings) + 200)
    texts = [f"Word{k}a and word{k}b. Then “quoted{k}”!" for k in range(120)] + _texts()[:40]
    for text in texts:
        tokens = tokenize_text(text)
        assert (tokens.starts, tokens.ends, tokens.sent_starts) == reference(nlp, text), text
        assert len(pipeline._tokenizer().vocab.strings) <= pipeline.MAX_STRINGS + 400
    assert pipeline._tokenizer() is not first
