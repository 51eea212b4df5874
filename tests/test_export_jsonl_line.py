"""The JSONL writer spells each line out for speed; it must be exactly ``json.dumps`` of the
record's JSON object (same keys, order, escapes and separators) on real and awkward text."""

from __future__ import annotations

import json

from textlabel.export.jsonl import record_to_json, record_to_line
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    RelationRecord,
    SpanRecord,
    TokenRecord,
)

TEXTS = [
    'He said "no" \\ then left.\tTabs\x01 and café, 東京 \U0001f600 ok!\n\nNext  one.',
    "The annotator met Ada Lovelace in London on Monday.",
    "x",
    "\u2028line\u2029 sep",
    "Offsets past the first 4,096 pieces made: " + "ab, " * 3_000,  # the pieces grow
    "Offsets past 65,536 are formatted, not looked up: " + "word, " * 11_000,
]


def test_a_line_is_json_dumps_of_the_record() -> None:
    for text in TEXTS:
        tokens = tokenize_text(text)
        record = DocumentRecord(
            text=text, meta={"id": 7, "note": "é\n"}, tokens=tokens.records(),
            spans=[SpanRecord(tokens.starts[0], tokens.ends[0], "ORG")],
        )  # fmt: skip
        layers = ("entities", "pos", "coref", "relations", "cats", "spans")
        expected = json.dumps(record_to_json(record, layers=layers), ensure_ascii=False) + "\n"
        assert record_to_line(record, layers=layers) == expected


def test_token_texts_are_escaped_where_json_escapes_them() -> None:
    """Token texts are written unescaped but for the tokens that hold a character JSON
    escapes (found from where those are in the text): such characters inside a token, as a
    whole token, several in one token, in neighbouring tokens, and between or before tokens
    (in no token), against ``json.dumps`` of the record."""
    text = '\x01 "q" a\\b \t\n "" x\x1fy\x02 \\"end\n'
    # (start, end) of each token; the gaps are in no token
    cuts = [(2, 3), (3, 4), (4, 5), (6, 9), (13, 15), (16, 20), (21, 26)]
    record = DocumentRecord(
        text=text, meta={"id": 1},
        tokens=[TokenRecord(start, end, text[end : end + 1] == " ") for start, end in cuts],
    )  # fmt: skip
    expected = json.dumps(record_to_json(record, layers=()), ensure_ascii=False) + "\n"
    assert record_to_line(record, layers=()) == expected
    assert '{"text": "\\"", "start": 2' in expected  # a quote as a whole token
    assert '{"text": "x\\u001fy\\u0002", "start": 16' in expected


def test_spans_and_later_layers_are_spelt_as_json_dumps_spells_them() -> None:
    """Entity spans are spelt out without dicts: on token boundaries and not, scored (a
    reader's record keeps scores), awkward labels, no tokens at all; the later layers keep
    their order after them."""
    text = 'Ada "the" Lovelace met Bob.'
    tokens = tokenize_text(text)
    spans = [
        SpanRecord(0, 3, 'P"E\\R'),  # on a token: token_start and token_end
        SpanRecord(1, 3, "東京", 0.25),  # inside a token: no token range; a score
        SpanRecord(4, 18, "X", 1e-07),
    ]
    layers = ("entities", "pos", "coref", "relations", "cats", "spans")
    full = DocumentRecord(
        text=text, meta={"id": 1}, tokens=tokens.records(), spans=spans,
        coref=[[MentionRecord(0, 3), MentionRecord(23, 26)]],
        relations=[RelationRecord((0, 3), (23, 26), "knows")],
        cats={"A": 1.0}, span_cats=[SpanRecord(0, 18, "NAME")],
    )  # fmt: skip
    for record in (
        full,
        DocumentRecord(text=text, meta={}, spans=spans),  # no tokens
        DocumentRecord(text=text, meta={}, tokens=tokens.records()),  # no spans
    ):  # fmt: skip
        for chosen in (layers, ("entities",), ("cats", "coref"), ()):
            expected = json.dumps(record_to_json(record, layers=chosen), ensure_ascii=False)
            assert record_to_line(record, layers=chosen) == expected + "\n"
    line = record_to_line(full, layers=layers)  # the awkward parts are there
    assert '"label": "P\\"E\\\\R", "token_start": 0, "token_end": 0}' in line
    assert '{"start": 1, "end": 3, "label": "東京", "score": 0.25}' in line


def test_values_are_spelt_as_json_dumps_spells_them() -> None:
    """``_dumps`` (json's C encoder made once, no cycle check) on the values a line holds:
    metadata and layers as decoded from the database, awkward ones included."""
    from textlabel.export.jsonl import _dumps

    values = [
        {"id": 7, "note": 'é\n"\\\x01\u2028', "score": 0.1, "big": 2**63 - 1,
         "nested": {"k": [1.5e-7, None, True, False]}, "東京": []},
        [{"start": 0, "end": 3, "label": "ORG", "token_start": 0, "token_end": 0}],
        {},
        [],
        "plain",
        -0.0,
    ]  # fmt: skip
    for value in values:
        assert _dumps(value) == json.dumps(value, ensure_ascii=False)
