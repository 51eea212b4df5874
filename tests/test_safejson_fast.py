"""``safejson``'s look at the JSON text that lets ``raw_decode`` skip walking the value: it
must never pass a text whose value ``problem_in`` refuses, and it must pass the common case
(a pre-tokenized JSONL line), which is what makes such files quick to read."""

from __future__ import annotations

import json

import pytest

from textlabel import safejson
from textlabel.ingest.storable import record_problem
from textlabel.records import DocumentRecord, TokenLayers
from textlabel.safejson import problem_in, surely_storable

UNSAFE = [
    "[" * 65 + "]" * 65,
    '{"a":' * 65 + "1" + "}" * 65,
    '[{"x": ' + "[" * 64 + "]" * 64 + "}]",
    '"a\\u0000b"',
    '{"k\\u0000": 1}',
    '"\\ud800"',
    '["a", "raw \ud800 surrogate"]',  # a surrogate character in the text itself
    '["x", "\\uDC00"]',
    "9223372036854775808",
    "-9223372036854775809",
    '{"tokens": [{"start": 123456789012345678901234, "end": 1}]}',
]
SAFE_BUT_WALKED = [
    "[" * 64 + "]" * 64,  # 64 levels are allowed
    '"\\ud83d\\ude00"',  # a surrogate pair: one character
    "9223372036854775807",
    '"\\\\u0000"',  # an escaped backslash, then text
]


@pytest.mark.parametrize("text", UNSAFE)
def test_what_problem_in_refuses_is_never_passed(text) -> None:
    assert problem_in(json.loads(text)) is not None
    assert not surely_storable(text)
    with pytest.raises(safejson.UnsafeJSON):
        safejson.parse(text)


@pytest.mark.parametrize("text", SAFE_BUT_WALKED)
def test_doubtful_texts_are_walked_and_kept(text) -> None:
    assert not surely_storable(text)
    assert safejson.parse(text) == json.loads(text)


def test_a_pre_tokenized_line_is_passed_without_a_walk() -> None:
    text = 'Ada said "]]}" and {left} caf\u00e9 \u4e2d at 10:30.'
    tokens = [
        {"text": w, "start": text.index(w), "end": text.index(w) + len(w), "id": i, "ws": True}
        for i, w in enumerate(text.split(" "))
    ]
    line = json.dumps({"text": text, "tokens": tokens, "meta": {"deep": [[[{"a": [1]}]]]}})
    assert surely_storable(line)
    assert surely_storable(json.dumps(json.loads(line), ensure_ascii=False))
    assert safejson.parse(line) == json.loads(line)


def test_brackets_in_strings_do_not_count() -> None:
    inside = json.dumps(["[" * 100, '\\"' + "{" * 100, "}" * 100])
    assert surely_storable(inside)


_NUL_LEMMA = TokenLayers(lemmas=["ok", "a\x00"])
_SURROGATE_EXTRA = TokenLayers(extra=[{"k": "\udc00"}])


@pytest.mark.parametrize(
    ("record", "named"),
    [
        (DocumentRecord(text="plain ascii\x00here"), "the text: text contains a NUL character"),
        (DocumentRecord(text="caf\u00e9 \ud800"), "the text: text contains a lone surrogate"),
        (DocumentRecord(text="ok", layers=_NUL_LEMMA), "lemmas[1]: text contains a NUL"),
        (DocumentRecord(text="ok", layers=_SURROGATE_EXTRA), "extra[0].k: text contains a lone"),
        (DocumentRecord(text="ok", layers=TokenLayers(heads=[0], deps=["root"])), None),
        # a CSV row's meta (flat ASCII strings) is joined and scanned, not walked
        (DocumentRecord(text="ok", meta={"id": "1", "note": "a\x00b"}), "meta.note: text cont"),
        (DocumentRecord(text="ok", meta={"id\x00": "1"}), "meta: a key contains a NUL"),
        (DocumentRecord(text="ok", meta={"id": "1", "n": "\udc00"}), "meta.n: text contains a"),
        (DocumentRecord(text="ok", meta={"id": "1", "n": 2**70}), "meta.n: the integer"),
        (DocumentRecord(text="ok", meta={"id": "1", "category": "c1"}), None),
    ],
)
def test_a_record_names_what_cannot_be_stored_in_ascii_text_and_every_layer(
    record: DocumentRecord, named: str | None
) -> None:
    """ASCII text skips the regex but not the NUL; a layer given is walked, absent ones not."""
    found = record_problem(record)
    assert (found is None) if named is None else (found is not None and found.startswith(named))
