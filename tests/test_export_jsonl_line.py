"""The JSONL writer spells each line out for speed; it must be exactly ``json.dumps`` of the
record's JSON object (same keys, order, escapes and separators) on real and awkward text."""

from __future__ import annotations

import json

from textlabel.export.jsonl import record_to_json, record_to_line
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import DocumentRecord, SpanRecord

TEXTS = [
    'He said "no" \\ then left.\tTabs\x01 and café, 東京 \U0001f600 ok!\n\nNext  one.',
    "The annotator met Ada Lovelace in London on Monday.",
    "x",
    "\u2028line\u2029 sep",
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
