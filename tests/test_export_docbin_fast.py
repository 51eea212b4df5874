"""The spaCy export's direct path (``docbin.plain_arrays``: DocBin arrays written without a
Doc per document) against the Doc-building path and against spaCy's own reading of the
shards, on real corpora: the same shard bytes, and docs that hold the records' text, tokens,
sentences and entities."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from tests.helpers import DATA
from textlabel.export import docbin
from textlabel.export.base import WriteOptions
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.registry import read_file
from textlabel.ingest.tokenize import tokenize
from textlabel.records import DocumentRecord, TokenColumns, token_columns

FILES = (
    "ner/wikigold.conll.txt",
    "ner/uner_en_ewt-ud-test.iob2",
    "ner/wnut17_emerging.test.annotated",
    "ner/sec_filings_FIN3.conll",
    "ud/en_ewt-ud-test.conllu",
)


def _corpus() -> list[DocumentRecord]:
    """Real documents as the export service hands them: ids, tokens as ``TokenColumns``."""
    records: list[DocumentRecord] = []
    for name in FILES:
        path = DATA / name
        with path.open("rb") as stream:
            items = list(read_file(stream, path.name, options=ReadOptions()))
        records += [r for r in items if isinstance(r, DocumentRecord)][:60]
    # plain text through the server's tokenizer: newlines and runs of spaces make fillers
    text = (DATA / "ud" / "README.md").read_text(encoding="utf-8")
    for part in text.split("\n\n")[:20]:
        tokens = tokenize(part)
        records.append(
            DocumentRecord(
                text=part,
                tokens=tokens.records(),
                sent_starts=tokens.sent_starts,
            )
        )
    for number, record in enumerate(records):
        record.meta = {"id": number, **record.meta}
        if number % 2 and record.tokens is not None:
            record.tokens = token_columns(record.tokens)
    return records


@pytest.fixture(scope="module")
def corpus() -> list[DocumentRecord]:
    return _corpus()


def _shards(records: list[DocumentRecord], options: WriteOptions) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(b"".join(docbin.write(records, options, shard_size=50))))
    return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize(
    "layers", [("entities",), ("entities", "cats"), ("entities", "pos", "coref"), ()]
)
def test_the_direct_path_writes_the_bytes_of_the_doc_path(
    corpus: list[DocumentRecord], layers: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    options = WriteOptions(layers=layers, categories=("A", "B"))
    direct = [0]
    plain = docbin.plain_arrays

    def counted(*args: object) -> object:
        arrays = plain(*args)  # type: ignore[arg-type]
        direct[0] += arrays is not None
        return arrays

    monkeypatch.setattr(docbin, "plain_arrays", counted)
    fast = _shards(corpus, options)
    monkeypatch.setattr(docbin, "plain_arrays", lambda *args: None)
    slow = _shards(corpus, options)
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name] == slow[name], name
    # most documents of these corpora are plain; the treebank's POS layer is not
    assert direct[0] > (len(corpus) // 3 if "pos" in layers else len(corpus) * 2 // 3)


def test_spacy_reads_back_what_the_records_hold(corpus: list[DocumentRecord]) -> None:
    shards = _shards(corpus, WriteOptions(layers=("entities",), dev=0.3))
    vocab = Vocab()
    docs = {}
    for name, payload in shards.items():
        if name.endswith(".spacy"):
            for doc in DocBin().from_bytes(payload).get_docs(vocab):
                docs[doc.user_data["meta"]["id"]] = doc
    assert sorted(docs) == list(range(len(corpus)))
    for number, record in enumerate(corpus):
        doc = docs[number]
        assert doc.text == record.text
        words = [t for t in doc if not t.is_space and not t.text.isspace()]
        tokens = token_columns(record.tokens or [])
        assert [(t.idx, t.idx + len(t)) for t in words] == list(
            zip(tokens.starts, tokens.ends, strict=True)
        )
        assert sorted((e.start_char, e.end_char, e.label_) for e in doc.ents) == sorted(
            (s.start, s.end, s.label) for s in record.spans
        )
        firsts = {s.start for s in doc.sents}
        assert [tokens.starts[i] for i in record.sent_starts or [0]] == sorted(
            doc[i].idx for i in firsts if not doc[i].is_space and not doc[i].text.isspace()
        )


def test_token_columns_read_like_the_records_they_hold() -> None:
    text = "New York  is big"
    records = tokenize(text).records()
    columns = token_columns(records)
    assert isinstance(columns, TokenColumns) and columns == records and list(columns) == records
    assert columns[1] == records[1] and columns[1:3] == records[1:3] and len(columns) == 4
    again = TokenColumns.from_offsets(columns.starts, columns.ends, text_length=len(text))
    assert again == columns and token_columns(again) is again
    assert Path(__file__).name.startswith("test_")


def test_conll_lines_read_back_as_the_records(corpus: list[DocumentRecord]) -> None:
    """CoNLL-2003 rows built column-wise, read by the CoNLL reader: every non-blank token
    (whitespace inside one as ``_``) and every entity, document by document."""
    from textlabel.export.conll import write as write_conll

    records = [r for r in corpus if r.tokens and not _overlapping(r)]
    out = "".join(write_conll(records, WriteOptions(layers=("entities",)))).encode()
    with io.BytesIO(out) as stream:
        again = [
            r for r in read_file(stream, "x.conll", format="conll") if isinstance(r, DocumentRecord)
        ]
    assert len(again) == len(records)
    for record, read in zip(records, again, strict=True):
        tokens = token_columns(record.tokens or [])
        words = [record.text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)]
        kept = ["_".join(w.split()) for w in words if w.strip()]
        assert [read.text[t.start : t.end] for t in read.tokens or []] == kept
        cells = [
            ("_".join(w.split()), start, end)
            for w, start, end in zip(words, tokens.starts, tokens.ends, strict=True)
            if w.strip()
        ]
        spans = [
            (" ".join(c for c, start, end in cells if s.start <= start and end <= s.end), s.label)
            for s in sorted(record.spans, key=lambda s: s.start)
        ]
        assert [(read.text[s.start : s.end], s.label) for s in read.spans] == spans


def _overlapping(record: DocumentRecord) -> bool:
    spans = sorted((s.start, s.end) for s in record.spans)
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:], strict=False))
