"""CoNLL-U writes a record not read from CoNLL-U a column at a time (``conllu._plain``); it
must write exactly what the token loop writes for the same record, on awkward text: tabs and
newlines in tokens' text, several spaces or a newline between tokens, non-ASCII gaps, no
space at the end, entities, coreference, a parse, and the fallbacks (blank tokens, a head
outside its sentence)."""

from __future__ import annotations

import copy

import pytest

from textlabel.errors import InvalidInput
from textlabel.export.conllu import _ROW_ENDS_KEPT, _single_spaced, write_document
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import (
    DocumentRecord,
    MentionRecord,
    SpanRecord,
    TokenColumns,
    TokenLayers,
)

TEXTS = [
    "Ada met Bob in Paris. Then she left\u00a0 for Rome.\nBob stayed.",
    'He said "no" \\ then left.\tTabs\x01 and café, 東京 \U0001f600 ok!\n\nNext  one.',
    "One sentence without a final space",
    "x",
    "Trailing space. ",
    'Single "quoted" words, a \\ backslash\x01 and caf\u00e9 \u6771\u4eac \U0001f600 here.',
    "A tab\tgap and a no-break\u00a0gap, one character each.",
]
LAYERS = ("entities", "pos", "coref")


def _record(text: str, *, parsed: bool) -> DocumentRecord:
    tokens = tokenize_text(text)
    columns = tokens.columns()
    count = len(columns)
    sent_starts = [0] + [i for i in range(1, count) if text[tokens.ends[i - 1] - 1] in ".!\n"]
    layers = TokenLayers()
    if parsed:
        starts = sorted(set(sent_starts))
        first = [max(s for s in starts if s <= i) for i in range(count)]
        layers = TokenLayers(
            pos=["NOUN" if i % 2 else None for i in range(count)],
            tags=["NN"] * count,
            lemmas=[f"l\t{i}" if i == 1 else None for i in range(count)],
            morphs=["Number=Sing"] * count,
            heads=first,
            deps=[
                "ROOT" if first[i] == i else ("prep" if i % 3 else "nsubj") for i in range(count)
            ],
        )
    spans = [SpanRecord(columns.starts[0], columns.ends[0], "PER")]
    coref = []
    if count > 3:
        spans.append(SpanRecord(columns.starts[2], columns.ends[3], "LOC"))
        coref = [[MentionRecord(columns.starts[0], columns.ends[0]),
                  MentionRecord(columns.starts[count - 2], columns.ends[count - 2])]]  # fmt: skip
    return DocumentRecord(
        text=text, meta={"id": 3}, tokens=columns, sent_starts=sent_starts, spans=spans,
        coref=coref, layers=layers,
    )  # fmt: skip


def _token_loop(record: DocumentRecord) -> str:
    """The same record through ``write_document``'s token loop: empty ``extra`` entries
    (what a CoNLL-U import with nothing else to keep would carry) turn the columns off."""
    looped = copy.deepcopy(record)
    looped.layers.extra = [{} for _ in looped.tokens or ()]
    return write_document(looped, number=1, layers=LAYERS)


@pytest.mark.parametrize("parsed", [False, True])
@pytest.mark.parametrize("text", TEXTS)
def test_columns_write_what_the_token_loop_writes(text: str, parsed: bool) -> None:
    record = _record(text, parsed=parsed)
    written = write_document(record, number=1, layers=LAYERS)
    assert written == _token_loop(record)
    assert written.count("\n# text = ") == len(set(record.sent_starts or [0]))
    for layers in (("entities",), ("pos",), ()):
        looped = copy.deepcopy(record)
        looped.layers.extra = [{} for _ in looped.tokens or ()]
        expected = write_document(looped, number=1, layers=layers)
        assert write_document(record, number=1, layers=layers) == expected


def test_the_awkward_parts_are_there() -> None:
    """The cases above reach what they are meant to: a tab in a lemma, a newline gap, a
    no-break space gap, entities and coreference in MISC, a blank token folded away."""
    first = write_document(_record(TEXTS[0], parsed=True), number=1, layers=LAYERS)
    assert "SpacesAfter=\\u00A0\\s" in first and "SpacesAfter=\\n" in first
    assert "\tl 1\t" in first and "Entity=(e1" in first and "NE=B-LOC" in first
    second = write_document(_record(TEXTS[1], parsed=False), number=1, layers=LAYERS)
    assert "SpacesAfter=\\n\\n" in second and "\tTabs\x01\t" in second


def test_a_head_outside_its_sentence_is_refused_the_same_way() -> None:
    record = _record(TEXTS[0], parsed=True)
    assert record.layers.heads is not None
    record.layers.heads[0] = len(record.layers.heads) - 1  # into the last sentence
    with pytest.raises(InvalidInput) as columns:
        write_document(record, number=1, layers=LAYERS)
    with pytest.raises(InvalidInput) as looped:
        _token_loop(record)
    assert str(columns.value) == str(looped.value)
    assert "outside its sentence" in str(columns.value)


def test_single_spaced_text_takes_gaps_from_ws_only_when_every_gap_is_one_space() -> None:
    """``_single_spaced`` lets the columns read a gap off ``ws``: true for text whose gaps
    are one space or none, false for a one-character gap that is a tab or a no-break space
    (the tests above then compare both kinds with the token loop)."""
    for text, expected in ((TEXTS[2], True), (TEXTS[5], True), (TEXTS[6], False),
                           (TEXTS[0], False)):  # fmt: skip
        tokens = tokenize_text(text)
        columns = tokens.columns()
        forms = [text[start:end] for start, end in zip(columns.starts, columns.ends, strict=True)]
        assert _single_spaced(text, columns, "".join(forms)) is expected, text


@pytest.mark.parametrize("ending", [" ", ""])
def test_a_tab_inside_a_token_and_made_up_comments(ending: str) -> None:
    """Tokens made elsewhere (an import) may hold a tab or a space; the comments are made up
    for an annotator, kept where a sentence has its own, and empty sentences are skipped."""
    text = "a\tb c d\te f" + ending
    starts, ends = [0, 4, 6, 10], [3, 5, 9, 11]  # "a\tb", "c", "d\te", "f"
    columns = TokenColumns.from_offsets(starts, ends, text_length=len(text))
    spans = [SpanRecord(4, 5, "ORG")]
    for sentences in (None, [{}, {"sent_id": "own", "comments": ["# own = yes"]}]):
        meta: dict[str, object] = {"id": 9, "annotator": "ann\tx"}
        if sentences is not None:
            meta["sentences"] = sentences
        record = DocumentRecord(
            text=text, meta=meta, tokens=columns, sent_starts=[0, 2, 2], spans=spans
        )
        written = write_document(record, number=1, layers=LAYERS)
        assert written == _token_loop(record)
        assert "\ta b\t" in written and "\td e\t" in written
        assert "# annotator = ann x\n" in written
        assert "NE=B-ORG" in written and written.count("# text = ") == 2


def test_row_ends_past_the_kept_table_and_after_it_grew() -> None:
    """Row ends come from a table kept per shape of record up to ``_ROW_ENDS_KEPT`` next IDs:
    a sentence longer than that (made for the document alone) and a short one after it (the
    kept table) write what the token loop writes, as do rows with and without a space after
    them and an entity at a sentence's end."""
    words = ["w", ","] * ((_ROW_ENDS_KEPT + 40) // 2)
    text = " ".join(words).replace(" ,", ",")
    for sentence_starts in ([0], [0, 3, 3 + _ROW_ENDS_KEPT // 3]):
        tokens = tokenize_text(text).columns()
        last = len(tokens) - 1
        spans = [SpanRecord(tokens.starts[0], tokens.ends[0], "A"),
                 SpanRecord(tokens.starts[last], tokens.ends[last], "B")]  # fmt: skip
        record = DocumentRecord(
            text=text, meta={"id": 4}, tokens=tokens, sent_starts=sentence_starts, spans=spans
        )
        written = write_document(record, number=1, layers=LAYERS)
        assert written == _token_loop(record)
        assert "SpaceAfter=No" in written and "NE=B-B|SpaceAfter=No\n\n" in written
        longest = max(
            b - a for a, b in zip(sentence_starts, [*sentence_starts[1:], last + 1], strict=True)
        )
        assert f"\n{longest}\t" in written and longest > _ROW_ENDS_KEPT // 2
    short = _record(TEXTS[0], parsed=False)
    assert write_document(short, number=1, layers=LAYERS) == _token_loop(short)


@pytest.mark.parametrize("bad", ["A|B", "A=B", "A B", "A\tB"])
def test_a_label_that_cannot_go_in_misc_is_refused_after_good_ones(bad: str) -> None:
    """Labels are checked once a process (``_MISC_LABELS``): a label that fits is written, one
    with a character MISC cannot hold is refused whatever was written before, naming the
    first such span's label."""
    record = _record(TEXTS[2], parsed=False)
    assert "NE=B-LOC" in write_document(record, number=1, layers=LAYERS)
    tokens = record.tokens
    assert isinstance(tokens, TokenColumns) and len(tokens) == 6
    record.spans = [record.spans[0], SpanRecord(tokens.starts[2], tokens.ends[3], bad),
                    SpanRecord(tokens.starts[5], tokens.ends[5], "C|D")]  # fmt: skip
    with pytest.raises(InvalidInput, match="cannot go in the MISC column") as refused:
        write_document(record, number=1, layers=LAYERS)
    assert f"label {bad!r} cannot" in str(refused.value)
