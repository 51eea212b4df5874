"""CoNLL-2003's usual case (no POS exported, no whitespace in a token) puts rows in place by
slice assignment; it must write what a plain loop over sentences and tokens writes."""

from __future__ import annotations

import pytest

from textlabel.export.conll import DOCSTART, write_document
from textlabel.formats.alignment import entity_tags, sentence_ranges
from textlabel.nlp.pipeline import tokenize_text
from textlabel.records import DocumentRecord, SpanRecord


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
