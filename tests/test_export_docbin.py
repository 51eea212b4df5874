"""spaCy DocBin export: every span, cluster and document survives, read back by spaCy itself."""

from __future__ import annotations

import io
import random
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin
from spacy.util import load_config_from_str
from spacy.vocab import Vocab

from textlabel.errors import InvalidInput
from textlabel.export.base import WriteOptions
from textlabel.export.docbin import split_of, write, write_docbin_dir
from textlabel.records import DocumentRecord, MentionRecord, SpanRecord, TokenLayers, TokenRecord

UPOS = ["NOUN", "VERB", "ADJ", "PROPN", "PUNCT", "DET"]


@st.composite
def documents(draw: st.DrawFn, doc_id: int) -> DocumentRecord:
    """A random document: words, gaps, non-overlapping entities, coref clusters, POS."""
    words = draw(st.lists(st.text("abcdXY.,", min_size=1, max_size=5), min_size=1, max_size=20))
    gaps = [draw(st.sampled_from([" ", " ", "  ", "\n", " \n\n"])) for _ in words]
    text, bounds = "", []
    for word, gap in zip(words, gaps, strict=True):
        bounds.append((len(text), len(text) + len(word)))
        text += word + gap
    cuts = sorted(draw(st.sets(st.integers(0, len(words)), max_size=8)))
    spans = [
        SpanRecord(bounds[a][0], bounds[b - 1][1], draw(st.sampled_from(["PER", "ORG", "LOC"])))
        for a, b in zip(cuts[::2], cuts[1::2], strict=False)
    ]
    mention = st.tuples(st.integers(0, len(words) - 1), st.integers(1, 3)).map(
        lambda p: MentionRecord(bounds[p[0]][0], bounds[min(p[0] + p[1], len(words)) - 1][1])
    )
    clusters = draw(
        st.lists(
            st.lists(mention, min_size=1, max_size=3, unique_by=lambda m: (m.start, m.end)),
            max_size=3,
        )
    )
    return DocumentRecord(
        text=text,
        meta={"id": doc_id, "annotator": "ann"},
        tokens=[TokenRecord(s, e, True) for s, e in bounds],
        sent_starts=[0],
        spans=spans,
        coref=[sorted(c, key=lambda m: (m.start, m.end)) for c in clusters],
        layers=TokenLayers(pos=[draw(st.sampled_from(UPOS)) for _ in words]),
    )


@st.composite
def corpora(draw: st.DrawFn) -> list[DocumentRecord]:
    n = draw(st.integers(1, 12))
    return [draw(documents(doc_id)) for doc_id in draw(st.permutations(range(100, 100 + n)))]


def _read_back(out_dir: Path) -> dict[str, list]:
    """Every document of every shard, per split, as spaCy's own DocBin reads it."""
    vocab = Vocab()
    found: dict[str, list] = {}
    for split in ("train", "dev"):
        found[split] = []
        for path in sorted((out_dir / split).glob("*.spacy")):
            found[split].extend(DocBin().from_disk(path).get_docs(vocab))
    return found


@settings(max_examples=40, deadline=None)
@given(records=corpora(), shard_size=st.integers(1, 5), seed=st.integers(0, 3))
def test_every_span_cluster_and_document_survives(records, shard_size, seed) -> None:
    options = WriteOptions(dev=0.3, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_docbin_dir(records, Path(tmp), options, shard_size=shard_size)
        found = _read_back(Path(tmp))
        shard_sizes = [len(DocBin().from_disk(p)) for p in Path(tmp).glob("*/*.spacy")]
    by_id = {r.meta["id"]: r for r in records}
    seen = Counter(doc.user_data["meta"]["id"] for docs in found.values() for doc in docs)
    assert seen == Counter(by_id.keys()), "a document was lost or duplicated"
    assert max(shard_sizes) <= shard_size
    for split, docs in found.items():
        assert summary.docs[split] == len(docs)
        for doc in docs:
            record = by_id[doc.user_data["meta"]["id"]]
            assert split == split_of(record, dev=options.dev, seed=options.seed)
            assert doc.text == record.text
            assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == sorted(
                (s.start, s.end, s.label) for s in record.spans
            )
            real = [t for t in doc if not t.text.isspace()]
            assert [t.pos_ for t in real] == record.layers.pos
            tags = [tag or "" for tag in record.layers.tags or [None] * len(real)]
            assert [t.tag_ for t in real] == tags  # XPOS in tag_, UPOS in pos_
            keys = sorted(doc.spans, key=lambda k: int(k.rsplit("_", 1)[1]))
            assert [[(s.start_char, s.end_char) for s in doc.spans[k]] for k in keys] == [
                [(m.start, m.end) for m in c] for c in record.coref
            ]


def test_split_is_deterministic_order_free_and_near_the_ratio() -> None:
    records = [DocumentRecord(text=f"doc {i}", meta={"id": i}) for i in range(4000)]
    first = {r.meta["id"]: split_of(r, dev=0.2, seed=1) for r in records}
    random.Random(3).shuffle(records)
    assert {r.meta["id"]: split_of(r, dev=0.2, seed=1) for r in records} == first
    share = Counter(first.values())["dev"] / len(first)
    assert 0.17 < share < 0.23
    other_seed = {r.meta["id"]: split_of(r, dev=0.2, seed=2) for r in records}
    assert other_seed != first
    assert {split_of(r, dev=0.0, seed=1) for r in records} == {"train"}
    assert {split_of(r, dev=1.0, seed=1) for r in records} == {"dev"}


def test_records_of_one_document_share_a_split() -> None:
    copies = [DocumentRecord(text="x", meta={"id": 5, "annotator": name}) for name in "abcdef"]
    assert len({split_of(r, dev=0.5, seed=s) for r in copies for s in [0]}) == 1


def _tiny_corpus(n: int) -> list[DocumentRecord]:
    out = []
    for i in range(n):
        text = f"Anna works at Acme {i} ."
        tokens = [TokenRecord(0, 4), TokenRecord(5, 10), TokenRecord(11, 13)]
        tokens += [
            TokenRecord(14, 18),
            TokenRecord(19, 19 + len(str(i))),
            TokenRecord(len(text) - 1, len(text), False),
        ]
        out.append(
            DocumentRecord(
                text=text,
                meta={"id": i},
                tokens=tokens,
                spans=[SpanRecord(0, 4, "PER"), SpanRecord(14, 18, "ORG")],
                layers=TokenLayers(pos=["PROPN", "VERB", "ADP", "PROPN", "NUM", "PUNCT"]),
            )
        )
    return out


def test_streamed_zip_holds_the_same_files_and_streams_lazily() -> None:
    records = _tiny_corpus(50)
    consumed = 0

    def counting():
        nonlocal consumed
        for record in records:
            consumed += 1
            yield record

    stream = write(counting(), WriteOptions(dev=0.2), shard_size=5)
    first = next(stream)
    assert consumed < len(records), "the zip was built before its first bytes were sent"
    data = first + b"".join(stream)
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_docbin_dir(records, Path(tmp), WriteOptions(dev=0.2), shard_size=5)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.testzip() is None
            assert archive.namelist() == summary.files
            for name in archive.namelist():
                assert archive.read(name) == (Path(tmp) / name).read_bytes()
    assert summary.docs["train"] + summary.docs["dev"] == 50
    assert summary.labels == {"PER", "ORG"}
    assert summary.pipeline == ("morphologizer", "ner")  # UPOS and no XPOS


@pytest.mark.parametrize(
    ("layers", "pipeline"),
    [
        (("entities", "pos", "coref"), ["tok2vec", "morphologizer", "ner"]),
        (("entities",), ["tok2vec", "ner"]),
        (("pos",), ["tok2vec", "morphologizer"]),
    ],
)
def test_config_trains_what_was_exported(layers, pipeline) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_docbin_dir(_tiny_corpus(6), Path(tmp), WriteOptions(layers=layers, dev=0.5))
        config = load_config_from_str((Path(tmp) / "config.cfg").read_text())
        docs = _read_back(Path(tmp))
    assert config["nlp"]["pipeline"] == pipeline
    assert list(summary.pipeline) == pipeline[1:]
    assert config["paths"]["train"] == "train" and config["paths"]["dev"] == "dev"
    assert config["paths"]["vectors"] is None
    every = [doc for split in docs.values() for doc in split]
    assert all(bool(doc.ents) == ("entities" in layers) for doc in every)
    assert all(doc.has_annotation("POS") == ("pos" in layers) for doc in every)


def test_an_empty_split_still_gets_a_file() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        summary = write_docbin_dir(_tiny_corpus(3), Path(tmp), WriteOptions(dev=0.0))
        assert summary.docs == {"train": 3, "dev": 0}
        assert [p.name for p in (Path(tmp) / "dev").iterdir()] == ["dev-0000.spacy"]


@pytest.mark.parametrize("dev", [-0.1, 1.5])
def test_a_bad_dev_share_is_refused(dev: float) -> None:
    with pytest.raises(InvalidInput, match="dev share"):
        list(write(_tiny_corpus(1), WriteOptions(dev=dev)))
