"""CoNLL-2003's usual case (no POS exported, no whitespace in a token) puts rows in place by
slice assignment; it must write what a plain loop over sentences and tokens writes."""

from __future__ import annotations

import pytest

from textlabel.errors import InvalidInput
from textlabel.export.conll import DOCSTART, write_document
from textlabel.formats.alignment import entity_tags, sentence_ranges
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import DocumentRecord, SpanRecord, TokenColumns


def _looped(record: DocumentRecord) -> str:
    """The reference: each sentence's rows ``word _ _ TAG`` and a blank line."""
    tokens = record.tokens
    assert tokens is not None
    tags = entity_tags(record, tokens, 1)
    lines = [DOCSTART]
    for start, end in sentence_ranges(record, len(tokens)):
        for index in range(start, end):
            token = tokens[index]
            lines.append(f"{record.text[token.start : token.end]} _ _ {tags[index]}\n")
        lines.append("\n")
    return "".join(lines)


@pytest.mark.parametrize(
    "sent_starts", [[0], [0, 4, 9], [0, 1], [3, 0, 3, 99], None]
)  # fmt: skip
def test_rows_are_what_a_loop_writes(sent_starts: list[int] | None) -> None:
    text = "Ada Lovelace met Bob in Paris. Then she left for Rome, alone."
    tokens = tokenize_text(text).columns()
    spans = [SpanRecord(0, 12, "PER"), SpanRecord(24, 29, "LOC"), SpanRecord(49, 53, "LOC")]
    record = DocumentRecord(text=text, tokens=tokens, sent_starts=sent_starts, spans=spans)
    written = write_document(record, number=1, layers=("entities",))
    assert written == _looped(record)
    assert "Lovelace _ _ I-PER\n" in written and written.endswith("_ O\n\n")


def test_a_document_without_tokens_is_its_docstart_alone() -> None:
    record = DocumentRecord(text="", tokens=tokenize_text("").columns(), sent_starts=[0])
    assert write_document(record, number=1, layers=("entities",)) == DOCSTART


def test_columns_from_offsets_work_out_ws_when_read_and_conll_never_reads_it() -> None:
    """An export's token columns (``TokenColumns.from_offsets``) give each token's ``ws`` from
    the gap after it (the last one's from the text's end or the stored flag) when it is first
    read; CoNLL-2003, which has no column for it, writes without reading it."""
    text = "Ada met Bob.  Then  left"
    starts, ends = [0, 4, 8, 11, 14, 20], [3, 7, 11, 12, 18, 24]
    gaps = [True, True, False, True, True]
    for length, last_ws, last in ((24, False, False), (24, True, True), (25, False, True)):
        columns = TokenColumns.from_offsets(starts, ends, text_length=length, last_ws=last_ws)
        assert columns.ws == [*gaps, last]
        assert columns == TokenColumns(starts, ends, [*gaps, last])
    columns = TokenColumns.from_offsets(starts, ends, text_length=len(text))
    record = DocumentRecord(text=text, tokens=columns, spans=[SpanRecord(8, 11, "PER")])
    written = write_document(record, number=1, layers=("entities",))
    assert columns._ws is None  # not worked out
    assert written == _looped(record)
    assert [t.ws for t in columns] == [*gaps, False]
    assert TokenColumns.from_offsets([], [], text_length=0).ws == []


def test_a_label_with_whitespace_is_refused_after_others_were_written() -> None:
    """Labels are checked once a process; one with whitespace is refused whenever it comes."""
    text = "Ada met Bob in Paris."
    tokens = tokenize_text(text).columns()
    good = DocumentRecord(text=text, tokens=tokens, spans=[SpanRecord(0, 3, "PER")])
    write_document(good, number=1, layers=("entities",))
    spans = [SpanRecord(0, 3, "PER"), SpanRecord(15, 20, "NEW PLACE")]
    bad = DocumentRecord(text=text, tokens=tokens, spans=spans)
    with pytest.raises(InvalidInput, match="contains whitespace"):
        write_document(bad, number=2, layers=("entities",))
    with pytest.raises(InvalidInput, match="contains whitespace"):
        write_document(bad, number=3, layers=("entities",))
