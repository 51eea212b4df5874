"""Doc <-> record conversion: real model output survives a round trip, whitespace included."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.language import Language
from spacy.tokens import Doc
from spacy.vocab import Vocab

from tests.helpers import DATA
from textlabel.errors import InvalidInput
from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.records import DocumentRecord, MentionRecord, SpanRecord, TokenLayers, TokenRecord

AWKWARD_TEXTS = [
    "Apple is buying U.K. startup Wayve for $1 billion.",
    "  Barack Obama met Angela Merkel in Berlin.  They talked about NATO.  ",
    "New York\n is big.\n\nSo is Los Angeles, California.\n",
    "\tTabs\tand  double  spaces\r\nand CRLF line ends at Google in London.",
    "\n\n\nLeading newlines only: Microsoft",
    "   ",
    "",
    "Wait...what?!Mr. Smith's dog--Rex--ran.",
]


def _real_tokens(doc: Doc) -> list:
    return [token for token in doc if not token.is_space]


def _stripped_ents(doc: Doc) -> list[tuple[int, int, str]]:
    """Entity offsets with edge whitespace removed, computed from the text alone."""
    out = []
    for ent in doc.ents:
        text = ent.text
        start = ent.start_char + len(text) - len(text.lstrip())
        end = ent.end_char - (len(text) - len(text.rstrip()))
        if start < end:
            out.append((start, end, ent.label_))
    return out


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_record_matches_the_doc_it_came_from(nlp: Language, text: str) -> None:
    doc = nlp(text)
    record, dropped = doc_to_record(doc)
    real = _real_tokens(doc)
    assert record.text == text
    assert [(t.start, t.end) for t in record.tokens] == [(t.idx, t.idx + len(t)) for t in real]
    for i, token in enumerate(record.tokens):
        after = record.tokens[i + 1].start if i + 1 < len(record.tokens) else len(text)
        assert token.ws == (token.end < after)
        assert text[token.end : after].strip() == ""
    if real:
        assert record.layers.pos == [t.pos_ for t in real]
        assert record.layers.tags == [t.tag_ for t in real]
        assert record.layers.lemmas == [t.lemma_ or None for t in real]
        assert record.layers.deps == [t.dep_ for t in real]
        index = {t.i: n for n, t in enumerate(real)}
        # Heads of real tokens whose head is real map one to one.
        for n, token in enumerate(real):
            if token.head.i in index:
                assert record.layers.heads[n] == index[token.head.i]
        first_real = [next((t for t in s if not t.is_space), None) for s in doc.sents]
        assert record.sent_starts == [index[t.i] for t in first_real if t is not None]
    assert [(s.start, s.end, s.label) for s in record.spans] == _stripped_ents(doc)
    assert not dropped


@pytest.mark.parametrize("text", AWKWARD_TEXTS)
def test_round_trip_keeps_text_offsets_pos_heads_ents_and_coref(nlp: Language, text: str) -> None:
    doc = nlp(text)
    real = _real_tokens(doc)
    if len(real) >= 4:
        doc.spans["coref_clusters_2"] = [
            doc[real[2].i : real[2].i + 1],
            doc[real[0].i : real[1].i + 1],
        ]
        doc.spans["coref_clusters_10"] = [doc[real[3].i : real[3].i + 1]]
    record = doc_to_record(doc).record
    rebuilt = record_to_doc(nlp.vocab, record)
    assert rebuilt.text == text
    for token in record.tokens:
        span = rebuilt.char_span(token.start, token.end, alignment_mode="strict")
        assert span is not None and len(span) == 1
    rebuilt_real = _real_tokens(rebuilt)
    assert [t.pos_ for t in rebuilt_real] == [t.pos_ for t in real]
    assert [t.head.idx for t in rebuilt_real if not t.head.is_space] == [
        t.head.idx for t in real if not t.head.is_space
    ]
    assert [(e.start_char, e.end_char, e.label_) for e in rebuilt.ents] == _stripped_ents(doc)
    expected_groups = {}
    if len(real) >= 4:
        # Numeric key order (2 before 10), renumbered from 1, mentions in text order.
        expected_groups = {
            "coref_clusters_1": sorted(
                [
                    (real[0].idx, real[1].idx + len(real[1])),
                    (real[2].idx, real[2].idx + len(real[2])),
                ]
            ),
            "coref_clusters_2": [(real[3].idx, real[3].idx + len(real[3]))],
        }
    assert {
        key: [(s.start_char, s.end_char) for s in group] for key, group in rebuilt.spans.items()
    } == expected_groups
    assert doc_to_record(rebuilt).record == record


def test_real_sentences_round_trip(nlp: Language) -> None:
    lines = (DATA / "ud" / "en_ewt-ud-test.conllu").read_text(encoding="utf-8").splitlines()
    sentences = [line[len("# text = ") :] for line in lines if line.startswith("# text = ")][:150]
    texts = ["\n\n".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5)]
    for doc in nlp.pipe(texts):
        record = doc_to_record(doc).record
        rebuilt = record_to_doc(nlp.vocab, record)
        assert rebuilt.text == doc.text
        assert doc_to_record(rebuilt).record == record


def test_label_map_renames_and_counts_what_it_drops(nlp: Language) -> None:
    doc = nlp("Barack Obama visited Microsoft in Seattle on Monday with 3 friends.")
    label_map = {"PERSON": "PER", "GPE": "LOC"}
    record, dropped = doc_to_record(doc, label_map=label_map)
    assert [(s.start, s.end, s.label) for s in record.spans] == [
        (e.start_char, e.end_char, label_map[e.label_]) for e in doc.ents if e.label_ in label_map
    ]
    assert dropped == Counter(e.label_ for e in doc.ents if e.label_ not in label_map)
    assert sum(dropped.values()) > 0
    assert all(span.score is None for span in record.spans)


def test_a_head_on_a_whitespace_token_moves_up_the_tree() -> None:
    vocab = Vocab()
    # "a \n b c": the parser hung "b" off the SPACE token, which hangs off "c" (the root).
    doc = Doc(
        vocab,
        words=["a", "\n", "b", "c"],
        spaces=[True, False, True, False],
        heads=[3, 3, 1, 3],
        deps=["dep", "dep", "dep", "ROOT"],
    )
    record = doc_to_record(doc).record
    assert [(t.start, t.end) for t in record.tokens] == [(0, 1), (3, 4), (5, 6)]
    assert record.layers.heads == [2, 2, 2]


def _record(text: str, words: list[tuple[int, int]], **kwargs) -> DocumentRecord:
    tokens = [TokenRecord(s, e, e < len(text) and text[e].isspace()) for s, e in words]
    return DocumentRecord(text=text, tokens=tokens, meta={"id": 7}, **kwargs)


def test_gaps_become_filler_tokens_and_offsets_survive() -> None:
    text = "  ab  cd\n\nef*gh "
    words = [(2, 4), (6, 8), (10, 12), (13, 15)]  # "*" is covered by no token
    record = _record(
        text,
        words,
        spans=[SpanRecord(6, 12, "X")],
        layers=TokenLayers(pos=["NOUN", "VERB", "ADJ", "NOUN"]),
        sent_starts=[0, 2],
        coref=[[MentionRecord(2, 4), MentionRecord(13, 15)]],
    )
    doc = record_to_doc(Vocab(), record, tags_from_pos=True)
    assert doc.text == text
    for (start, end), pos in zip(words, ["NOUN", "VERB", "ADJ", "NOUN"], strict=True):
        span = doc.char_span(start, end, alignment_mode="strict")
        assert span is not None and len(span) == 1
        assert span[0].pos_ == pos and span[0].tag_ == pos
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [(6, 12, "X")]
    assert [(s.start_char, s.end_char) for s in doc.spans["coref_clusters_1"]] == [(2, 4), (13, 15)]
    sentences = list(doc.sents)
    assert [s.text.strip() for s in sentences] == ["ab  cd", "ef*gh"]
    assert all(t.pos_ == "SPACE" for t in doc if t.is_space)


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (_record("ab cd", [(0, 2), (3, 5)], spans=[SpanRecord(1, 5, "X")]), "boundaries"),
        (_record("ab cd", [(0, 2), (3, 5)], spans=[SpanRecord(0, 4, "X")]), "boundaries"),
        (
            _record(
                "ab cd", [(0, 2), (3, 5)], spans=[SpanRecord(0, 5, "X"), SpanRecord(3, 5, "Y")]
            ),
            "overlap",
        ),
        (_record("ab cd", [(0, 2), (3, 5)], spans=[SpanRecord(0, 2, "")]), "no label"),
        (_record("ab cd", [(0, 2), (3, 5)], coref=[[MentionRecord(0, 3)]]), "mention"),
        (_record("ab cd", [(0, 2), (3, 5)], layers=TokenLayers(pos=["NOUN", "NN"])), "NN"),
        (_record("ab cd", [(0, 2), (3, 5)], layers=TokenLayers(pos=["NOUN"])), "1 values"),
        (_record("ab cd", [(0, 3), (2, 5)]), "overlaps"),
        (_record("ab", [(0, 2), (3, 5)]), "past the text"),
        (_record("ab", [(0, 0), (0, 2)]), "empty"),
        (_record("ab cd", [(0, 2), (3, 5)], sent_starts=[0, 2]), "sentence starts outside"),
        (
            _record(
                "ab cd", [(0, 2), (3, 5)], layers=TokenLayers(heads=[1, 2], deps=["x", "ROOT"])
            ),
            "head points outside",
        ),
        (DocumentRecord(text="ab", meta={"id": 7}), "no tokens"),
    ],
)
def test_bad_records_raise_invalid_input_naming_the_document(
    record: DocumentRecord, message: str
) -> None:
    with pytest.raises(InvalidInput, match="document 7") as caught:
        record_to_doc(Vocab(), record)
    assert message in caught.value.message


GAPS = st.sampled_from(["", " ", " ", " ", "  ", "\n", " \n", "\n\n ", "\t", "\r\n", "   "])
WORDS = st.text(alphabet="abcXYZ.,'-$0é", min_size=1, max_size=6)


@st.composite
def gapped_records(draw: st.DrawFn) -> DocumentRecord:
    """Random words between random whitespace gaps, with random token-aligned entities."""
    words = draw(st.lists(WORDS, min_size=1, max_size=25))
    parts, bounds = [draw(st.sampled_from(["", " ", "\n  "]))], []
    for n, word in enumerate(words):
        gap = draw(GAPS) if n else ""
        if n and not gap and (parts[-1][-1:].isalnum() or word[:1].isalnum()):
            gap = " "  # adjacent words would read as one; keep the tokens apart
        parts.append(gap)
        start = sum(map(len, parts))
        parts.append(word)
        bounds.append((start, start + len(word)))
    parts.append(draw(st.sampled_from(["", " ", "\n"])))
    text = "".join(parts)
    cut = sorted(draw(st.sets(st.integers(0, len(words)), max_size=6)))
    spans = [
        SpanRecord(bounds[a][0], bounds[b - 1][1], draw(st.sampled_from(["PER", "ORG"])))
        for a, b in zip(cut[::2], cut[1::2], strict=False)
        if a < b
    ]
    tokens = [
        TokenRecord(s, e, e < (bounds[i + 1][0] if i + 1 < len(bounds) else len(text)))
        for i, (s, e) in enumerate(bounds)
    ]
    return DocumentRecord(text=text, tokens=tokens, spans=spans, sent_starts=[0])


@settings(max_examples=60, deadline=None)
@given(record=gapped_records())
def test_any_whitespace_keeps_text_offsets_and_spans(record: DocumentRecord) -> None:
    doc = record_to_doc(Vocab(), record)
    assert doc.text == record.text
    for token in record.tokens:
        span = doc.char_span(token.start, token.end, alignment_mode="strict")
        assert span is not None and len(span) == 1
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
        (s.start, s.end, s.label) for s in record.spans
    ]
    again = doc_to_record(doc).record
    assert again.tokens == record.tokens
    assert again.spans == record.spans
