"""The exported corpus and config train with ``python -m spacy train``, unchanged."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import conllu
import pytest
import spacy

from tests.helpers import DATA
from textlabel.export.base import WriteOptions
from textlabel.export.docbin import write_docbin_dir
from textlabel.records import DocumentRecord, SpanRecord, TokenLayers, TokenRecord

N_DOCUMENTS = 40
SENTENCES_PER_DOCUMENT = 3


def _uner_tags(path: Path) -> dict[str, list[tuple[str, str]]]:
    """sent_id -> [(token, IOB2 tag)] from the UNER file."""
    tags: dict[str, list[tuple[str, str]]] = {}
    sent_id = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("# sent_id = "):
            sent_id = line[len("# sent_id = ") :]
            tags[sent_id] = []
        elif line and not line.startswith("#"):
            columns = line.split("\t")
            tags[sent_id].append((columns[1], columns[2]))
    return tags


def _ud_ner_corpus() -> list[DocumentRecord]:
    """Documents of consecutive EWT sentences with gold UPOS and UNER entities."""
    tags = _uner_tags(DATA / "ner" / "uner_en_ewt-ud-test.iob2")
    text_parts: list[str] = []
    tokens: list[TokenRecord] = []
    pos: list[str | None] = []
    spans: list[SpanRecord] = []
    sent_starts: list[int] = []
    records: list[DocumentRecord] = []
    with open(DATA / "ud" / "en_ewt-ud-test.conllu", encoding="utf-8") as stream:
        for sentence in conllu.parse_incr(stream):
            words = [t for t in sentence if isinstance(t["id"], int)]
            gold = tags.get(sentence.metadata["sent_id"], [])
            if [w["form"] for w in words] != [form for form, _ in gold]:
                continue  # the three sentences UNER tokenized differently
            offset = sum(map(len, text_parts))
            sent_starts.append(len(tokens))
            entity_start = None
            for word, (_, tag) in zip(words, gold, strict=True):
                if entity_start is not None and not tag.startswith("I-"):
                    spans.append(SpanRecord(entity_start[0], tokens[-1].end, entity_start[1]))
                    entity_start = None
                space = (word["misc"] or {}).get("SpaceAfter") != "No"
                tokens.append(TokenRecord(offset, offset + len(word["form"]), space))
                if tag.startswith("B-"):
                    entity_start = (offset, tag[2:])
                text_parts.append(word["form"] + (" " if space else ""))
                offset += len(text_parts[-1])
                pos.append(word["upos"])
            if entity_start is not None:
                spans.append(SpanRecord(entity_start[0], tokens[-1].end, entity_start[1]))
            if not text_parts[-1].endswith(" "):
                text_parts.append(" ")
            if len(sent_starts) == SENTENCES_PER_DOCUMENT:
                records.append(
                    DocumentRecord(
                        text="".join(text_parts),
                        meta={"id": len(records)},
                        tokens=tokens,
                        sent_starts=sent_starts,
                        spans=spans,
                        layers=TokenLayers(pos=pos),
                    )
                )
                text_parts, tokens, pos, spans, sent_starts = [], [], [], [], []
            if len(records) == N_DOCUMENTS:
                break
    return records


@pytest.mark.slow
@pytest.mark.parametrize(
    ("layers", "pipes"),
    [(("entities", "pos", "coref"), {"morphologizer", "ner"}), (("entities",), {"ner"})],
)
def test_spacy_train_runs_on_the_export_unchanged(
    tmp_path: Path, layers: tuple[str, ...], pipes: set[str]
) -> None:
    records = _ud_ner_corpus()
    assert len(records) == N_DOCUMENTS and sum(len(r.spans) for r in records) > 20
    export = tmp_path / "export"
    summary = write_docbin_dir(records, export, WriteOptions(layers=layers, dev=0.25, seed=0))
    assert summary.docs["dev"] > 0 and summary.labels <= {"PER", "ORG", "LOC"}
    command = [
        sys.executable, "-m", "spacy", "train", "config.cfg",
        "--paths.train", "train", "--paths.dev", "dev", "--output", str(tmp_path / "out"),
        "--training.max_steps", "20", "--training.eval_frequency", "10",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=export, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert set(nlp.pipe_names) == pipes | {"tok2vec"}
    assert set(nlp.get_pipe("ner").labels) == summary.labels
    if "morphologizer" in pipes:  # UPOS only (no XPOS, no features): labels are POS=...
        upos = {f"POS={p}" for r in records for p in r.layers.pos}
        assert set(nlp.get_pipe("morphologizer").labels) <= upos
    assert nlp("Anna flew to Paris.").text == "Anna flew to Paris."


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "textcat"), [("multi", "textcat_multilabel"),
                                               ("single", "textcat")])  # fmt: skip
def test_spacy_train_runs_with_document_labels_and_span_categories(
    tmp_path: Path, mode: str, textcat: str
) -> None:
    """Issue 16: an export with doc.cats and doc.spans["sc"] trains textcat and spancat."""
    records = _ud_ner_corpus()
    for record in records:  # a label per document from its entities; every entity a NAME
        labels = {span.label for span in record.spans}
        record.cats = {"PLACE": 1.0} if "LOC" in labels else {"OTHER": 1.0}
        if mode == "multi" and "PER" in labels:
            record.cats["PEOPLE"] = 1.0
        record.span_cats = [SpanRecord(s.start, s.end, "NAME") for s in record.spans]
    export = tmp_path / "export"
    options = WriteOptions(layers=("entities", "cats", "spans"), dev=0.25, seed=0,
                           categories=("PLACE", "OTHER", "PEOPLE"), cats_mode=mode)  # fmt: skip
    summary = write_docbin_dir(records, export, options)
    assert textcat in summary.pipeline and "spancat" in summary.pipeline
    command = [
        sys.executable, "-m", "spacy", "train", "config.cfg",
        "--paths.train", "train", "--paths.dev", "dev", "--output", str(tmp_path / "out"),
        "--training.max_steps", "20", "--training.eval_frequency", "10",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=export, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert {textcat, "spancat", "ner"} <= set(nlp.pipe_names)
    assert set(nlp.get_pipe(textcat).labels) == {"PLACE", "OTHER", "PEOPLE"}
    assert set(nlp.get_pipe("spancat").labels) == {"NAME"}
