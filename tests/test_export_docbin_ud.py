"""Real treebanks through the spaCy export: UD English EWT and a GUM document with coreference."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from tests.helpers import DATA
from textlabel.export.base import WriteOptions
from textlabel.export.docbin import write_docbin_dir
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.conllu import read
from textlabel.nlp.docs import doc_to_record, record_to_doc
from textlabel.records import DocumentRecord


def _records(path: Path) -> list[DocumentRecord]:
    with open(path, "rb") as stream:
        records = list(read(stream, path.name, ReadOptions()))
    assert all(isinstance(r, DocumentRecord) for r in records)
    return records  # type: ignore[return-value]


@pytest.fixture(scope="module")
def gum_nasa() -> DocumentRecord:
    (record,) = _records(DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu")
    return record


def test_a_gum_document_keeps_every_layer_and_mention(gum_nasa: DocumentRecord) -> None:
    record = gum_nasa
    assert len(record.coref) > 50 and record.layers.heads is not None
    doc = record_to_doc(Vocab(), record)
    assert doc.text == record.text
    again = doc_to_record(doc).record
    # ws is read from the text, and the text ends at the last token (the reader keeps its
    # SpaceAfter), so compare ws up to the last token only.
    assert [(t.start, t.end) for t in again.tokens] == [(t.start, t.end) for t in record.tokens]
    assert [t.ws for t in again.tokens[:-1]] == [t.ws for t in record.tokens[:-1]]
    for layer in ("pos", "tags", "lemmas", "heads", "deps"):
        assert getattr(again.layers, layer) == getattr(record.layers, layer), layer
    assert again.sent_starts == record.sent_starts
    assert again.coref == [sorted(c, key=lambda m: (m.start, m.end)) for c in record.coref]


def test_the_ewt_test_file_survives_the_docbin() -> None:
    records = _records(DATA / "ud" / "en_ewt-ud-test.conllu")
    assert len(records) == 65
    for n, record in enumerate(records):
        record.meta = {"id": n}
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_docbin_dir(records, Path(tmp), WriteOptions(dev=0.2), shard_size=100)
        vocab = Vocab()
        docs = [
            doc
            for path in sorted(Path(tmp).glob("*/*.spacy"))
            for doc in DocBin().from_disk(path).get_docs(vocab)
        ]
    assert summary.docs["train"] + summary.docs["dev"] == len(docs) == len(records)
    for doc in docs:
        record = records[doc.user_data["meta"]["id"]]
        assert doc.text == record.text
        real = [t for t in doc if not t.text.isspace()]
        assert [(t.idx, t.idx + len(t)) for t in real] == [(t.start, t.end) for t in record.tokens]
        assert [t.pos_ for t in real] == record.layers.pos
        starts = [i for i, t in enumerate(real) if t.is_sent_start]
        assert starts == record.sent_starts
