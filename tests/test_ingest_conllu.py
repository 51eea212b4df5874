"""The CoNLL-U reader on the UD English treebanks, counted independently with `conllu`."""

from __future__ import annotations

import io

import conllu
import pytest

from tests.helpers import DATA
from textlabel.errors import BadFormat
from textlabel.ingest.base import ReadOptions, Rejected
from textlabel.ingest.conllu import read
from textlabel.records import DocumentRecord

EWT = "ud/en_ewt-ud-test.conllu"
GUM = "ud/en_gum-ud-test.wikinews.conllu"
GUM_NASA = "ud/en_gum-ud-test.GUM_news_nasa.conllu"


def read_records(data: bytes, name: str = "test.conllu") -> list[DocumentRecord]:
    out = list(read(io.BytesIO(data), name, ReadOptions()))
    assert all(isinstance(record, DocumentRecord) for record in out), out
    return [record for record in out if isinstance(record, DocumentRecord)]


def sentences_of(record: DocumentRecord) -> list[tuple[int, int]]:
    starts = record.sent_starts or [0]
    return list(zip(starts, [*starts[1:], len(record.tokens or [])], strict=True))


@pytest.fixture(scope="module")
def parsed() -> dict[str, tuple[list[DocumentRecord], list[conllu.TokenList]]]:
    out = {}
    for name in (EWT, GUM, GUM_NASA):
        path = DATA / name
        with path.open(encoding="utf-8") as handle:
            sentences = list(conllu.parse_incr(handle))
        out[name] = (read_records(path.read_bytes(), path.name), sentences)
    return out


@pytest.mark.parametrize("name", [EWT, GUM, GUM_NASA])
def test_counts_equal_the_conllu_package(parsed, name: str) -> None:
    records, sentences = parsed[name]
    words = [t for s in sentences for t in s if isinstance(t["id"], int)]
    entity_values = [t["misc"]["Entity"] for t in words if t["misc"] and "Entity" in t["misc"]]
    assert len(records) == sum("newdoc id" in s.metadata for s in sentences)
    assert sum(len(r.sent_starts or []) for r in records) == len(sentences)
    assert sum(len(r.tokens or []) for r in records) == len(words)
    mentions = sum(value.count("(") for value in entity_values)
    assert sum(len(cluster) for r in records for cluster in r.coref) == mentions
    assert not any(r.spans for r in records)  # UD entity types are not NER


def test_text_and_layers_agree_with_conllu(parsed) -> None:
    records, sentences = parsed[EWT]
    flat = [(r, span) for r in records for span in sentences_of(r)]
    assert len(flat) == len(sentences)
    for (record, (start, end)), sentence in zip(flat, sentences, strict=True):
        tokens = (record.tokens or [])[start:end]
        assert record.text[tokens[0].start : tokens[-1].end] == sentence.metadata["text"]
        words = [t for t in sentence if isinstance(t["id"], int)]
        assert [record.text[t.start : t.end] for t in tokens] == [w["form"] for w in words]
        layers = record.layers
        assert (layers.pos or [])[start:end] == [w["upos"] for w in words]
        assert (layers.lemmas or [])[start:end] == [
            None if w["lemma"] == "_" else w["lemma"] for w in words
        ]
        heads = [(layers.heads or [])[i] for i in range(start, end)]
        expected = [start + w["head"] - 1 if w["head"] else start + n for n, w in enumerate(words)]
        assert heads == expected


def test_multiword_tokens_keep_their_surface(parsed) -> None:
    records, sentences = parsed[EWT]
    surfaces = [
        t["form"] for s in sentences for t in s if isinstance(t["id"], tuple) and t["id"][1] == "-"
    ]
    kept = [e["mwt"]["size"] for r in records for e in r.layers.extra or [] if "mwt" in e]
    assert len(kept) == len(surfaces) > 30
    assert "Google's" in " ".join(r.text for r in records)


def test_gum_coreference_clusters_by_entity_id(parsed) -> None:
    (record,), sentences = parsed[GUM_NASA]
    words = [t for s in sentences for t in s if isinstance(t["id"], int)]
    ids = set()
    for word in words:
        value = (word["misc"] or {}).get("Entity", "")
        ids.update(part.split("-")[0] for part in value.split("(")[1:])
    assert len(record.coref) == len(ids)
    texts = {record.text[m.start : m.end] for cluster in record.coref for m in cluster}
    assert "NASA" in texts


def test_named_entity_tags_in_misc_become_spans() -> None:
    data = (
        b"# sent_id = 1\n# text = Jo Ann left\n"
        b"1\tJo\t_\tPROPN\t_\t_\t3\tnsubj\t_\tNE=B-PER\n"
        b"2\tAnn\t_\tPROPN\t_\t_\t1\tflat\t_\tNE=I-PER\n"
        b"3\tleft\t_\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No\n\n"
    )
    (record,) = read_records(data)
    assert record.text == "Jo Ann left"
    assert [(record.text[s.start : s.end], s.label) for s in record.spans] == [("Jo Ann", "PER")]
    assert record.layers.heads == [2, 0, 2]
    assert (record.tokens or [])[-1].ws is False


def test_words_that_do_not_spell_their_surface_share_it() -> None:
    data = (
        b"1-2\tdu\t_\t_\t_\t_\t_\t_\t_\t_\n"
        b"1\tde\tde\tADP\t_\t_\t0\troot\t_\t_\n"
        b"2\tle\tle\tDET\t_\t_\t1\tdet\t_\tSpaceAfter=No\n\n"
    )
    (record,) = read_records(data)
    assert record.text == "du"
    tokens = record.tokens or []
    assert [(t.start, t.end) for t in tokens] == [(0, 1), (1, 2)]
    assert [e.get("form") for e in record.layers.extra or []] == ["de", "le"]


def test_without_newdoc_every_sentence_is_a_document() -> None:
    sentence = "1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n\n"
    assert len(read_records((sentence * 3).encode())) == 3


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("1\tHi\t_\n\n", "line 1: 3 columns"),
        ("2\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n\n", "line 1: word id '2' where 1 was due"),
        ("1\tHi\t_\t_\t_\t_\t7\troot\t_\t_\n\n", "line 1: HEAD '7'"),
        ("1-2\tdon't\t_\t_\t_\t_\t_\t_\t_\t_\n1\tdo\t_\t_\t_\t_\t0\troot\t_\t_\n\n", "line 2:"),
        ("1\tHi\t_\t_\t_\t_\t0\troot\t_\t_\n1\t\xff\n", "line 2 is not valid utf-8"),
        ("", "no sentences"),
    ],
)
def test_bad_files_name_the_line(data: str, fragment: str) -> None:
    raw = data.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf", b"\xff")
    with pytest.raises(BadFormat) as caught:
        read_records(raw)
    assert fragment in caught.value.message


def test_unbalanced_entity_brackets_reject_the_document() -> None:
    data = b"1\tHi\t_\t_\t_\t_\t0\troot\t_\tEntity=(1-person\n\n"
    (rejected,) = list(read(io.BytesIO(data), "x.conllu", ReadOptions()))
    assert isinstance(rejected, Rejected)
    assert "never closed" in rejected.message and rejected.source.number == 1


def test_crlf_and_bom_are_read() -> None:
    data = b"\xef\xbb\xbf# text = Hi\r\n1\tHi\t_\t_\t_\t_\t0\troot\t_\tSpaceAfter=No\r\n\r\n"
    (record,) = read_records(data)
    assert record.text == "Hi"
    assert record.meta["sentences"][0]["comments"] == ["# text = Hi"]
