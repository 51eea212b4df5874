"""CoNLL files with more tag layers than the reader reads are refused, never misread.

LitBank (nested entities) writes a token and four IOB layers per line; read as
``token POS chunk NER`` it would yield 0 entities with no word. The refusal names the
column count and the line; the same file cut to one layer reads with every entity.
"""

from __future__ import annotations

import io

import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.conll import read
from textlabel.ingest.detect import detect_format
from textlabel.records import DocumentRecord

LITBANK = DATA / "ner" / "litbank_alice_nested.tsv"


def _cut(columns: int) -> bytes:
    """The LitBank file with only its first ``columns`` columns."""
    lines = LITBANK.read_text(encoding="utf-8").splitlines()
    return "".join(
        ("\t".join(line.rstrip("\t").split("\t")[:columns]) if line else "") + "\n"
        for line in lines
    ).encode()


def test_litbank_four_layers_refused_with_column_count_and_line() -> None:
    with pytest.raises(BadFormat) as caught:
        list(read(io.BytesIO(LITBANK.read_bytes()), LITBANK.name, ReadOptions()))
    assert "line 1:" in caught.value.message
    assert "5 columns" in caught.value.message
    assert caught.value.details == {"line": 1}


def test_two_tag_layers_in_three_columns_refused_at_first_entity_tag() -> None:
    data = _cut(3)
    first_tagged = next(
        number
        for number, line in enumerate(data.decode().splitlines(), start=1)
        if line and line.split("\t")[1] != "O"
    )
    with pytest.raises(BadFormat) as caught:
        list(read(io.BytesIO(data), "litbank3.tsv", ReadOptions()))
    assert f"line {first_tagged}:" in caught.value.message
    assert "column 2 of 3 holds the entity tag 'B-LOC'" in caught.value.message


def test_one_layer_cut_reads_every_entity_of_that_layer() -> None:
    records = list(read(io.BytesIO(_cut(2)), "litbank2.tsv", ReadOptions()))
    docs = [r for r in records if isinstance(r, DocumentRecord)]
    # counted independently: B- tags of layer 1 (IOB2, each B- starts one entity)
    expected = [
        line.split("\t")[1][2:]
        for line in LITBANK.read_text(encoding="utf-8").splitlines()
        if line and line.split("\t")[1].startswith("B-")
    ]
    assert [s.label for d in docs for s in d.spans] == expected
    assert [d.text[s.start : s.end] for d in docs for s in d.spans][-1] == "the house"


def test_docstart_file_is_conll_whatever_its_extension() -> None:
    data = (DATA / "ner" / "sec_filings_FIN3.conll").read_bytes()
    assert data.startswith(b"-DOCSTART-")
    for name in ("fin3.tsv", "fin3.txt", "fin3.csv", "fin3"):
        assert detect_format(name, data[:4096]) == "conll"
    assert detect_format("fin3.tsv", b"\xef\xbb\xbf\n" + data[:4096]) == "conll"
    assert detect_format("table.tsv", b"a\tb\n1\t2\n") == "tsv"


def test_sentence_without_entities_is_an_annotated_negative() -> None:
    records = list(read(io.BytesIO(_cut(2)), "litbank2.tsv", ReadOptions()))
    docs = [r for r in records if isinstance(r, DocumentRecord)]
    assert all(d.annotated and d.has_annotations for d in docs)
    negative = list(read(io.BytesIO(b"Nothing O\nhere O\n"), "neg.conll", ReadOptions()))
    assert isinstance(negative[0], DocumentRecord)
    assert negative[0].spans == [] and negative[0].has_annotations
