"""What no written chain may ever hold, under every scheme, checked on real text (GAP snippets,
two GUM documents) parsed by the real en_core_web_sm: a mention of punctuation only or a piece
of a word ("e" of "e-mail"), a mention inside another mention of its own chain (i-within-i),
one mention in two chains, a chain of one mention, a confidence outside (0, 1]."""

from __future__ import annotations

import csv

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from tests.helpers import DATA
from textlabel.nlp.coref.schemes import SCHEMES


def _texts() -> list[str]:
    with (DATA / "coref" / "gap-validation.tsv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    texts = [row["Text"] for row in rows[:150]]
    for name in ("en_gum-ud-test.GUM_news_nasa.conllu", "en_gum-ud-test.wikinews.conllu"):
        lines = (DATA / "ud" / name).read_text(encoding="utf-8").splitlines()
        texts.append(
            " ".join(line[len("# text = ") :] for line in lines if line.startswith("# text = "))
        )
    return texts


@pytest.fixture(scope="module")
def parsed(nlp: Language) -> list[Doc]:
    return list(nlp.pipe(_texts()))


def _inside_word(doc: Doc, left: int, right: int) -> bool:
    """True when a mention boundary cuts a written word: tokens joined without a space by letters
    or digits ("e-mail" split as e | - | mail, "U.S.-based"), a single hyphen counting as part
    of the word and a dash ("--") not."""

    def glued(a: int, b: int) -> bool:
        return a >= 0 and b < len(doc) and not doc[a].whitespace_

    def joined(a: int, b: int) -> bool:
        if not glued(a, b):
            return False
        x, y = doc[a].text, doc[b].text
        if x[-1].isalnum() and y[0].isalnum():
            return True
        if y == "-":
            return x[-1].isalnum() and glued(b, b + 1) and doc[b + 1].text[0].isalnum()
        if x == "-":
            return y[0].isalnum() and glued(a - 1, a) and doc[a - 1].text[-1].isalnum()
        return False

    return joined(left - 1, left) or joined(right - 1, right)


@pytest.mark.parametrize("scheme", sorted(SCHEMES))
def test_written_chains_keep_the_invariants(coref_nlp: Language, parsed: list[Doc], scheme):
    coref = coref_nlp.get_pipe("textlabel_coref")
    chains_seen = 0
    for original in parsed:
        doc = coref(original.copy(), scheme=scheme)
        seen: dict[tuple[int, int], str] = {}
        for key, group in doc.spans.items():
            if not key.startswith("coref_clusters_"):
                continue
            chains_seen += 1
            assert len(group) > 1, (key, [s.text for s in group])
            assert 0.0 < group.attrs["confidence"] <= 1.0
            bounds = [(span.start, span.end) for span in group]
            for span in group:
                where = f"{scheme}: {span.text!r} at token {span.start} of {doc.text[:60]!r}"
                assert any(char.isalnum() for char in span.text), where
                # a possessor may keep its marker ("[Ilves ']", gum scheme), a mention the
                # bracket or quotation mark it opened ("[St Alfege's Church (now London)]",
                # '[the "Bully Pulpit"]')
                last = span[-1]
                inner = span[:-1].text
                if len(span) > 1 and (
                    last.dep_ == "case"
                    or (last.text == ")" and "(" in inner)
                    or (last.text == '"' and inner.count('"') % 2)
                    or (last.text in ("\u201d", "''") and ("\u201c" in inner or "``" in inner))
                ):
                    last = span[-2]
                assert not span[0].is_punct and not last.is_punct, where
                assert not _inside_word(doc, span.start, span.end), where
                assert (span.start, span.end) not in seen, f"{where} in {key} and {seen}"
                seen[(span.start, span.end)] = key
                assert not any(
                    (s, e) != (span.start, span.end) and s <= span.start and span.end <= e
                    for s, e in bounds
                ), f"{where} inside another mention of its chain"
    assert chains_seen > 200  # the text holds chains to check, under every scheme
