"""Every span survives every token format: random documents -> writer -> an independent
reader (the `conllu` package, spaCy's IOB conversion, json) -> the same spans."""

from __future__ import annotations

import io
import json

import conllu
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.training.iob_utils import iob_to_biluo, tags_to_entities

from tests.helpers import entity_clusters, rebuild
from textlabel.export import conll as conll_writer
from textlabel.export import conllu as conllu_writer
from textlabel.export import jsonl as jsonl_writer
from textlabel.export.base import WriteOptions
from textlabel.ingest import conll as conll_reader
from textlabel.ingest.base import ReadOptions
from textlabel.records import DocumentRecord, MentionRecord, SpanRecord, TokenLayers, TokenRecord

WORDS = st.text(alphabet="abXYé'’-.,0\"\\\x01𝔘", min_size=1, max_size=5)
GAPS = st.sampled_from([" ", " ", " ", "", "  ", "\n", "\u00a0"])
LABELS = st.sampled_from(["PER", "ORG", "LOC", "creative-work"])
TokenSpan = tuple[int, int, str]


@st.composite
def documents(draw: st.DrawFn) -> tuple[DocumentRecord, list[TokenSpan]]:
    """A tokenized document with sentences, non-overlapping token-aligned spans inside
    sentences, POS tags and coreference clusters; with its spans as token ranges."""
    count = draw(st.integers(1, 20))
    words = draw(st.lists(WORDS, min_size=count, max_size=count))
    gaps = draw(st.lists(GAPS, min_size=count, max_size=count))
    gaps[-1] = ""
    text, tokens, offset = "", [], 0
    for word, gap in zip(words, gaps, strict=True):
        tokens.append(TokenRecord(offset, offset + len(word), gap != ""))
        text += word + gap
        offset = len(text)
    starts = sorted({0, *draw(st.sets(st.integers(1, max(1, count - 1)), max_size=3))} - {count})
    token_spans: list[TokenSpan] = []
    for start, end in zip(starts, [*starts[1:], count], strict=True):
        cuts = sorted(draw(st.sets(st.integers(start, end), max_size=6)))
        token_spans += [(a, b, draw(LABELS)) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    clusters: list[list[tuple[int, int]]] = []
    for _ in range(draw(st.integers(0, 3))):
        cluster: list[tuple[int, int]] = []
        for first in draw(st.sets(st.integers(0, count - 1), min_size=1, max_size=3)):
            last = min(count, first + draw(st.integers(1, 3)))
            if not any(s < first < e < last or first < s < last < e for s, e in cluster):
                cluster.append((first, last))
        clusters.append(sorted(cluster))
    spans = [SpanRecord(tokens[a].start, tokens[b - 1].end, label) for a, b, label in token_spans]
    coref = [[MentionRecord(tokens[a].start, tokens[b - 1].end) for a, b in c] for c in clusters]
    pos = draw(st.lists(st.sampled_from(["NOUN", "VERB"]), min_size=count, max_size=count))
    bounds = list(zip(starts, [*starts[1:], count], strict=True))
    heads = [draw(st.integers(a, b - 1)) for a, b in bounds for _ in range(a, b)]
    record = DocumentRecord(
        text=text,
        meta={"id": draw(st.integers(1, 10**6))},
        tokens=tokens,
        sent_starts=starts,
        spans=spans,
        coref=coref,
        layers=TokenLayers(pos=pos, heads=heads, lemmas=[word.lower() for word in words]),
    )
    return record, token_spans


def spacy_spans(tags: list[str], offset: int = 0) -> list[TokenSpan]:
    entities = tags_to_entities(iob_to_biluo(tags))
    return [(offset + start, offset + end + 1, label) for label, start, end in entities]


def by_document(sentences: list[conllu.TokenList]) -> list[list[conllu.TokenList]]:
    out: list[list[conllu.TokenList]] = []
    for sentence in sentences:
        if "newdoc id" in sentence.metadata:
            out.append([])
        out[-1].append(sentence)
    return out


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.lists(documents(), min_size=1, max_size=3))
def test_conllu_keeps_text_spans_and_clusters(cases) -> None:
    records = [record for record, _ in cases]
    out = "".join(conllu_writer.write(records, WriteOptions()))
    documents_read = by_document(conllu.parse(out))
    assert len(documents_read) == len(records)
    for record, sentences in zip(records, documents_read, strict=True):
        text, spans, offset = "", [], 0
        for sentence in sentences:
            sentence_text, ranges = rebuild(sentence)
            tags = [(w["misc"] or {}).get("NE", "O") for w in sentence if isinstance(w["id"], int)]
            for first, last, label in spacy_spans(tags):
                spans.append((offset + ranges[first][0], offset + ranges[last - 1][1], label))
            text += sentence_text
            offset += len(sentence_text)
        assert text == record.text
        assert sorted(spans) == sorted((s.start, s.end, s.label) for s in record.spans)
        assert [w["upos"] for s in sentences for w in s] == record.layers.pos
        assert [w["lemma"] for s in sentences for w in s] == record.layers.lemmas
        read_heads = []
        for first, sentence in zip(record.sent_starts or [0], sentences, strict=True):
            read_heads += [
                first + w["head"] - 1 if w["head"] else first + n for n, w in enumerate(sentence)
            ]
        assert read_heads == record.layers.heads
    clusters = entity_clusters(conllu.parse(out))
    expected = [{frozenset((m.start, m.end) for m in c) for c in r.coref} for r in records]
    assert clusters == expected


@SETTINGS
@given(st.lists(documents(), min_size=1, max_size=3))
def test_conll2003_keeps_spans_for_spacy_and_for_us(cases) -> None:
    records = [record for record, _ in cases]
    out = "".join(conll_writer.write(records, WriteOptions()))
    blocks = [block for block in out.split("-DOCSTART- -X- -X- O\n") if block.strip()]
    assert len(blocks) == len(records)
    for (record, token_spans), block in zip(cases, blocks, strict=True):
        rows = [line.split(" ") for line in block.split("\n")]
        spans, sentence, position = [], [], 0
        for row in [*rows, [""]]:
            if row == [""]:
                spans += spacy_spans([r[3] for r in sentence], position)
                position += len(sentence)
                sentence = []
            else:
                assert len(row) == 4 and row[2] == "_"
                sentence.append(row)
        assert position == len(record.tokens or [])
        assert sorted(spans) == sorted(token_spans)
    again = list(conll_reader.read(io.BytesIO(out.encode()), "x.conll", ReadOptions()))
    for (record, token_spans), read_back in zip(cases, again, strict=True):
        starts = {t.start: i for i, t in enumerate(read_back.tokens)}
        ends = {t.end: i + 1 for i, t in enumerate(read_back.tokens)}
        assert sorted((starts[s.start], ends[s.end], s.label) for s in read_back.spans) == sorted(
            token_spans
        )
        assert read_back.sent_starts == record.sent_starts
        assert read_back.layers.tags == record.layers.pos


@SETTINGS
@given(st.lists(documents(), min_size=1, max_size=3))
def test_jsonl_keeps_spans_tokens_and_clusters(cases) -> None:
    out = "".join(jsonl_writer.write([record for record, _ in cases], WriteOptions()))
    lines = out.splitlines()
    assert len(lines) == len(cases)
    for (record, token_spans), line in zip(cases, lines, strict=True):
        obj = json.loads(line)
        reference = jsonl_writer.record_to_json(record, layers=WriteOptions().layers)
        assert line == json.dumps(reference, ensure_ascii=False)
        assert obj["text"] == record.text
        assert [(s["start"], s["end"], s["label"]) for s in obj["spans"]] == [
            (s.start, s.end, s.label) for s in record.spans
        ]
        assert [
            (s["token_start"], s["token_end"] + 1, s["label"]) for s in obj["spans"]
        ] == token_spans
        assert [[(m["start"], m["end"]) for m in c] for c in obj["coref"]] == [
            [(m.start, m.end) for m in c] for c in record.coref
        ]
        assert [t["text"] for t in obj["tokens"]] == [
            record.text[t.start : t.end] for t in record.tokens or []
        ]
