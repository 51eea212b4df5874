"""One JSON object -> one record: textlabel / Prodigy / doccano shapes, and what is rejected."""

from __future__ import annotations

import pytest

from textlabel.ingest.annotated import find_text_field, record_from_object
from textlabel.ingest.base import Rejected
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    RelationRecord,
    SourceRef,
    SpanRecord,
    TokenRecord,
)

SOURCE = SourceRef("t.jsonl", "line", 7)
TEXT = "Ada Lovelace met Babbage in London."


def _tokens(text: str) -> list[dict]:
    """Whitespace tokens with the final period split off, built independently of the reader."""
    out, start = [], 0
    for word in text.split(" "):
        pieces = [word[:-1], "."] if word.endswith(".") else [word]
        for piece in pieces:
            out.append({"text": piece, "start": start, "end": start + len(piece), "id": len(out)})
            start += len(piece)
        start += 1
    return out


def _record(obj: dict) -> DocumentRecord:
    record = record_from_object(obj, source=SOURCE)
    assert isinstance(record, DocumentRecord), record
    return record


def test_textlabel_format_keeps_tokens_spans_pos_coref_and_meta() -> None:
    tokens = _tokens(TEXT)
    obj = {
        "text": TEXT,
        "meta": {"source": "wiki"},
        "tokens": tokens,
        "spans": [
            {"start": 0, "end": 12, "label": "PERSON", "token_start": 0, "token_end": 1},
            {"start": 28, "end": 34, "label": "GPE", "token_start": 5, "token_end": 5},
        ],
        "pos": ["PROPN", "PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"],
        "coref": [[{"start": 0, "end": 12}, {"start": 17, "end": 24}]],
        "annotator": "alice",
        "extra": 1,
    }
    record = _record(obj)
    assert record.text == TEXT
    assert record.source == SOURCE
    assert record.meta == {"source": "wiki", "extra": 1}
    assert [(t.start, t.end) for t in record.tokens] == [(t["start"], t["end"]) for t in tokens]
    # ws follows the text: a space after every token except before "." and at the end.
    assert [t.ws for t in record.tokens] == [True, True, True, True, True, False, False]
    assert record.spans == [SpanRecord(0, 12, "PERSON"), SpanRecord(28, 34, "GPE")]
    assert record.layers.pos == obj["pos"]
    assert record.coref == [[MentionRecord(0, 12), MentionRecord(17, 24)]]
    assert record.annotator == "alice"


def test_explicit_ws_is_kept() -> None:
    obj = {"text": "a b", "tokens": [{"start": 0, "end": 1, "ws": False}, {"start": 2, "end": 3}]}
    assert _record(obj).tokens == [TokenRecord(0, 1, False), TokenRecord(2, 3, False)]


@pytest.mark.parametrize(
    ("answer", "expected_labels"),
    [("accept", ["ORG"]), ("reject", []), ("ignore", []), (None, ["ORG"])],
)
def test_prodigy_answer_decides_whether_spans_count(answer, expected_labels) -> None:
    obj = {"text": "Apple rose", "spans": [{"start": 0, "end": 5, "label": "ORG", "score": 0.9}]}
    if answer:
        obj["answer"] = answer
    record = _record(obj)
    assert [span.label for span in record.spans] == expected_labels
    assert record.text == "Apple rose"
    if answer:
        assert record.meta["answer"] == answer


def test_a_rejected_span_inside_an_accepted_task_is_dropped() -> None:
    obj = {
        "text": "Apple and Pear",
        "answer": "accept",
        "spans": [
            {"start": 0, "end": 5, "label": "ORG", "answer": "accept"},
            {"start": 10, "end": 14, "label": "ORG", "answer": "reject"},
        ],
    }
    assert _record(obj).spans == [SpanRecord(0, 5, "ORG")]


def test_span_score_is_kept() -> None:
    obj = {"text": "Apple rose", "spans": [{"start": 0, "end": 5, "label": "ORG", "score": 0.25}]}
    assert _record(obj).spans[0].score == 0.25


def test_doccano_triples_and_entities() -> None:
    triples = _record({"text": TEXT, "label": [[0, 12, "PER"], [28, 34, "LOC"]]})
    assert triples.spans == [SpanRecord(0, 12, "PER"), SpanRecord(28, 34, "LOC")]
    assert "label" not in triples.meta
    entities = _record(
        {
            "text": TEXT,
            "entities": [{"id": 0, "start_offset": 17, "end_offset": 24, "label": "PER"}],
            "relations": [{"from_id": 0, "to_id": 0, "type": "self"}],
        }
    )
    assert entities.spans == [SpanRecord(17, 24, "PER")]
    assert entities.relations == [RelationRecord((17, 24), (17, 24), "self")]
    assert entities.meta == {}


def test_doccano_classification_label_is_a_document_label() -> None:
    record = _record({"text": "Great price.", "label": ["positive"]})
    assert record.spans == []
    assert record.cats == {"positive": 1.0} and record.meta == {}
    assert record.losses == []


def test_exact_duplicate_spans_collapse() -> None:
    record = _record({"text": "exampleA", "label": [[0, 1, "LOC"], [0, 1, "LOC"]]})
    assert record.spans == [SpanRecord(0, 1, "LOC")]


def test_top_level_key_colliding_with_meta_is_kept() -> None:
    record = _record({"text": "x", "meta": {"source": "a"}, "source": "b"})
    assert record.meta == {"source": "a", "_source": "b"}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        ([1, 2], "expected a JSON object, found an array"),
        ({"body2": "x"}, "no text field (text / content / body / sentence)"),
        ({"text": 5}, "field 'text' must be a string, found a number"),
        ({"text": "  "}, "field 'text' is empty"),
        ({"text": "abc", "label": [[1, 9, "X"]]}, "span [1, 9) X is outside the text (length 3)"),
        ({"text": "abc", "label": [[2, 1, "X"]]}, "span [2, 1) X is outside the text"),
        ({"text": "abc", "label": [[0, "1", "X"]]}, "needs integer offsets"),
        ({"text": "abc", "spans": [{"start": 0, "end": 2}]}, "span [0, 2) has no label"),
        (
            {
                "text": "ab cd",
                "tokens": _tokens("ab cd"),
                "spans": [{"start": 0, "end": 1, "label": "X"}],
            },
            "span [0, 1) X 'a' is not on token boundaries",
        ),
        (
            {"text": "ab cd", "tokens": _tokens("ab cd"), "coref": [[{"start": 1, "end": 5}]]},
            "coref mention [1, 5) 'b cd' is not on token boundaries",
        ),
        (
            {"text": "ab", "tokens": [{"text": "xy", "start": 0, "end": 2}]},
            "token 0 'xy' does not match the text at [0, 2): 'ab'",
        ),
        ({"text": "ab", "tokens": [{"start": 0, "end": 5}]}, "token 0 [0, 5) is outside the text"),
        ({"text": "ab", "pos": ["X"]}, "'pos' needs 'tokens'"),
        ({"text": "ab", "tokens": _tokens("ab"), "pos": ["X", "Y"]}, "'pos' must be a list of 1"),
    ],
)
def test_bad_objects_are_rejected_with_a_message(obj, message) -> None:
    result = record_from_object(obj, source=SOURCE)
    assert isinstance(result, Rejected)
    assert result.source == SOURCE
    assert message in result.message
    assert str(result).startswith("t.jsonl, line 7: ")


@pytest.mark.parametrize(
    ("keys", "text_field", "expected"),
    [
        (["id", "text"], None, "text"),
        (["Content", "x"], None, "Content"),
        (["body", "sentence"], None, "body"),
        (["sentence", "text"], None, "text"),
        (["column_data"], "column_data", "column_data"),
        (["Column_Data"], "column_data", "Column_Data"),
        (["text"], "column_data", None),
        (["a", "b"], None, None),
    ],
)
def test_find_text_field(keys, text_field, expected) -> None:
    assert find_text_field(keys, text_field=text_field) == expected


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ([{"start": 0, "end": 2}, {"start": 1, "end": 5}], "token 1 [1, 5) is outside the text"),
        ([{"start": 0, "end": 2}, {"start": 3, "end": 3}], "token 1 [3, 3) is outside the text"),
        ([{"start": -1, "end": 2}], "token 0 [-1, 2) is outside the text"),
        ([{"start": 0, "end": 2}, {"start": 3, "end": 6}], "token 1 [3, 6) is outside the text"),
        ([{"start": 0, "end": 2}, {"start": True, "end": 5}], "token 1 needs integer 'start'"),
        ([{"start": 0, "end": 2.0}], "token 0 needs integer 'start' and 'end'"),
        ([{"start": 0}], "token 0 needs integer 'start' and 'end'"),
        ([{"start": 0, "end": 2}, "cd"], "token 1 must be an object, found a string"),
        (
            [{"start": 0, "end": 2}, {"text": "cx", "start": 3, "end": 5}],
            "token 1 'cx' does not match the text at [3, 5): 'cd'",
        ),
        ([{"start": 0, "end": 2, "text": None}], "token 0 None does not match the text"),
    ],
)
def test_a_bad_token_among_good_ones_is_named(tokens, message) -> None:
    """Well-formed token lists are checked a column at a time; any fault falls back to the
    per-token checks, whose message names the token."""
    result = record_from_object({"text": "ab cd", "tokens": tokens}, source=SOURCE)
    assert isinstance(result, Rejected)
    assert message in result.message


def test_column_checked_tokens_are_the_per_token_ones() -> None:
    """The fast path (columns) gives what the per-token reader gives, ws included."""
    from textlabel.ingest.annotated import _checked_tokens, _well_formed_tokens

    text = "Ada met  Babbage.\tThen left"
    raw = [
        {"text": "Ada", "start": 0, "end": 3, "ws": True},
        {"start": 4, "end": 7},  # ws from the text: a space follows
        {"text": "Babbage", "start": 9, "end": 16, "ws": "yes"},  # not a bool: from the text
        {"text": ".", "start": 16, "end": 17},  # a tab follows: no ws
        {"start": 18, "end": 22, "ws": False, "id": 4},
        {"text": "left", "start": 23, "end": 27},  # the end of the text
    ]
    columns = _well_formed_tokens(raw, text)
    assert columns is not None
    assert list(columns) == _checked_tokens(raw, text)
    assert [t.ws for t in columns] == [True, True, False, False, False, False]


def test_a_plain_record_gets_the_payload_an_empty_one_builds() -> None:
    """The storing side hands plain records one prebuilt payload: the value the general path
    builds from a record with no annotations."""
    from textlabel.annotate.payload import Payload, cats_of
    from textlabel.ingest.service import _NO_ANNOTATIONS
    from textlabel.records import DocumentRecord

    record = DocumentRecord(text="Plain text.")
    built = Payload(
        spans=tuple(record.spans), coref=tuple(map(tuple, record.coref)),
        relations=tuple(record.relations), cats=cats_of(record.cats),
        span_cats=tuple(record.span_cats),
    )  # fmt: skip
    assert built == _NO_ANNOTATIONS
