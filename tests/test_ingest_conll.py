"""The CoNLL-2003 / IOB reader on real files, counted independently by plain line reading."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from spacy.training.iob_utils import iob_to_biluo

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.conll import read
from textlabel.records import DocumentRecord


def read_all(data: bytes, name: str = "test.conll") -> list[DocumentRecord | Rejected]:
    return list(read(io.BytesIO(data), name, ReadOptions()))


def documents(data: bytes, name: str = "test.conll") -> list[DocumentRecord]:
    out = read_all(data, name)
    assert all(isinstance(record, DocumentRecord) for record in out), out
    return [record for record in out if isinstance(record, DocumentRecord)]


def count_by_lines(path: Path, *, token_col: int, tag_col: int, comments: bool = False) -> dict:
    """Documents, sentences, tokens and entities as the file's lines say, with spaCy
    converting each sentence's tags to BILUO to count entities (B- and U- each start one)."""
    docstarts = sentences = tokens = entities = 0
    before_first_marker = after_last_marker = 0
    sentence_tags: list[str] = []
    words: list[str] = []

    def close() -> None:
        nonlocal sentences, entities
        if sentence_tags:
            sentences += 1
            entities += sum(tag[:2] in ("B-", "U-") for tag in iob_to_biluo(sentence_tags))
            sentence_tags.clear()

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
        elif line.startswith("-DOCSTART-") or line.startswith("# newdoc"):
            close()
            docstarts += 1
            after_last_marker = 0
        elif comments and line.startswith("#"):
            continue
        else:
            fields = line.split("\t") if "\t" in line else line.split()
            if docstarts == 0:
                before_first_marker += 1
            after_last_marker += 1
            tokens += 1
            words.append(fields[token_col])
            sentence_tags.append(fields[tag_col])
    close()
    return {
        "docstarts": docstarts,
        "leading": before_first_marker,
        "trailing": after_last_marker,
        "sentences": sentences,
        "tokens": tokens,
        "entities": entities,
        "words": words,
    }


@pytest.mark.parametrize(
    ("name", "token_col", "tag_col", "marked"),
    [
        ("ner/sec_filings_FIN3.conll", 0, -1, True),
        ("ner/wikigold.conll.txt", 0, -1, True),
        ("ner/wnut17_emerging.test.annotated", 0, -1, False),
        ("ner/uner_en_ewt-ud-test.iob2", 1, 2, True),
        ("peer_formats/spacy/ner-token-per-line-conll2003.iob", 0, -1, True),
        ("peer_formats/spacy/ner-token-per-line-with-pos.iob", 0, -1, False),
        ("peer_formats/spacy/ner-token-per-line.iob", 0, -1, False),
        ("peer_formats/doccano/import_sequence_labeling_example.conll.txt", 0, -1, False),
        ("peer_formats/doccano/tests_sequence_labeling_example.conll", 0, -1, False),
        ("peer_formats/doccano/tests_labeling.trailing.conll", 0, -1, False),
    ],
)
def test_counts_equal_the_file(name, token_col, tag_col, marked) -> None:
    path = DATA / name
    expected = count_by_lines(path, token_col=token_col, tag_col=tag_col, comments="uner" in name)
    records = documents(path.read_bytes(), path.name)
    if marked:
        assert expected["docstarts"] > 0
        # text before the first marker is a document; a marker at the very end (wikigold)
        # opens none
        leading = 1 if expected["leading"] else 0
        ending = 1 if expected["trailing"] == 0 else 0
        assert len(records) == expected["docstarts"] + leading - ending
    else:
        assert len(records) == expected["sentences"]
    assert sum(len(r.sent_starts or []) for r in records) == expected["sentences"]
    assert sum(len(r.tokens or []) for r in records) == expected["tokens"]
    assert sum(len(r.spans) for r in records) == expected["entities"]
    words = [r.text[t.start : t.end] for r in records for t in r.tokens or []]
    assert words == expected["words"]


def test_entities_are_the_tagged_words() -> None:
    path = DATA / "peer_formats/spacy/ner-token-per-line-conll2003.iob"
    (record,) = documents(path.read_bytes())
    found = [(record.text[s.start : s.end], s.label) for s in record.spans]
    assert ("Sebastian Thrun", "PERSON") in found
    assert ("Google", "ORG") in found
    assert ("earlier this week", "DATE") in found
    assert record.layers.tags is not None and record.layers.tags[:2] == ["WRB", "NNP"]


def test_sentence_per_line_matches_token_per_line() -> None:
    folder = DATA / "peer_formats/spacy"
    per_sentence = documents((folder / "ner-sent-per-line.iob").read_bytes())
    (per_token,) = documents((folder / "ner-token-per-line-with-pos.iob").read_bytes())
    assert [r.text for r in per_sentence] != []
    assert " ".join(r.text for r in per_sentence) == per_token.text
    assert [t for r in per_sentence for t in r.layers.tags or []] == per_token.layers.tags
    labels = [(r.text[s.start : s.end], s.label) for r in per_sentence for s in r.spans]
    assert labels == [(per_token.text[s.start : s.end], s.label) for s in per_token.spans]


def test_iob1_and_iob2_and_biluo_read_alike() -> None:
    iob1 = b"Mad I-ORG\nCapsule I-ORG\nand O\nJo I-PER\nAnn B-PER\n"
    iob2 = b"Mad B-ORG\nCapsule I-ORG\nand O\nJo B-PER\nAnn B-PER\n"
    biluo = b"Mad B-ORG\nCapsule L-ORG\nand O\nJo U-PER\nAnn U-PER\n"
    spans = [
        [(s.start, s.end, s.label) for s in documents(data)[0].spans]
        for data in (iob1, iob2, biluo)
    ]
    assert spans[0] == spans[1] == spans[2] == [(0, 11, "ORG"), (16, 18, "PER"), (19, 22, "PER")]


def test_text_is_tokens_joined_by_spaces() -> None:
    (record,) = documents(b"-DOCSTART- -X- O O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n")
    assert record.text == "EU rejects Peter"
    assert record.sent_starts == [0, 2]
    assert [t.ws for t in record.tokens or []] == [True, True, False]


@pytest.mark.parametrize(
    ("name", "line_of"),
    [
        ("peer_formats/doccano/tests_labeling.invalid.conll", lambda lines: 1),
        (
            "ner/wnut17_emerging.test.multilabel.conll",
            lambda lines: next(n for n, x in enumerate(lines, 1) if "," in x.split("\t")[-1]),
        ),
    ],
)
def test_bad_real_files_name_the_line(name, line_of) -> None:
    path = DATA / name
    line = line_of(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(BadFormat, match=rf"{path.name}: line {line}: ") as caught:
        read_all(path.read_bytes(), path.name)
    assert caught.value.details == {"line": line}
    assert "tag" in caught.value.message


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"a O\nb\n", 2, "expected a token and a tag"),
        (b"a NN O\nb O\n", 2, "2 columns where line 1 has 3"),
        (b"a O\n\xff O\n", 2, "not valid utf-8: byte 0xff"),
        (b"a O\nb\x00 O\n", 2, "NUL byte"),
        (b"a O\nb B-PER,B-LOC\n", 2, "holds 2 labels"),
    ],
)
def test_bad_lines(data: bytes, line: int, fragment: str) -> None:
    with pytest.raises(BadFormat, match=rf"test.conll: line {line}") as caught:
        read_all(data)
    assert fragment in caught.value.message


def test_an_invalid_biluo_sequence_rejects_only_its_document() -> None:
    data = b"-DOCSTART- O\n\na B-PER\nb O\nc U-PER\n\n-DOCSTART- O\n\nd U-PER\n"
    first, second = read_all(data)
    assert isinstance(first, Rejected)
    assert (first.source.unit, first.source.number) == ("line", 4)
    assert isinstance(second, DocumentRecord) and len(second.spans) == 1


def test_empty_file_is_an_error() -> None:
    with pytest.raises(BadFormat, match="no tokens"):
        read_all(b"\n\n")


def test_uner_keeps_doc_and_sentence_ids() -> None:
    path = DATA / "ner/uner_en_ewt-ud-test.iob2"
    first = documents(path.read_bytes(), path.name)[0]
    head = path.read_text(encoding="utf-8").splitlines()[:2]
    assert head[0] == f"# newdoc id = {first.meta['newdoc_id']}"
    assert head[1] == f"# sent_id = {first.meta['sentences'][0]['sent_id']}"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xef\xbb\xbfEU B-ORG\r\nrejects O\r\n", None),
        ("EU\tB-ORG\nrejects\tO\n".encode("latin-1"), "latin-1"),
        ("Zürich\tB-LOC\nrejects\tO\n".encode("latin-1"), "latin-1"),
    ],
)
def test_bom_crlf_and_named_encodings(data: bytes, encoding: str | None) -> None:
    (record,) = list(read(io.BytesIO(data), "x.conll", ReadOptions(encoding=encoding)))
    assert isinstance(record, DocumentRecord)
    first = record.text.split()[0]
    assert record.text == f"{first} rejects"
    assert [(record.text[s.start : s.end]) for s in record.spans] == [first]
