"""Benchmark: pre-annotation throughput against the bare spaCy pipeline, in one run.

On the same documents (default 5,000 real sentences-to-paragraphs from the UD treebanks in
../shared/data, or generated text when that is missing):

1. raw ``nlp.pipe`` of the bare en_core_web_sm model (the floor: nothing stored);
2. textlabel's pre-annotation storing to SQLite (entities + POS), 1 process;
3. the same with the coreference component;
4. 2 and 3 with 2 processes (``nlp.pipe(n_process=2)``);

and prints docs/s and the ratios the issue asks for: storage overhead (2 / 1, target at
least 0.85) and what coref adds to pipeline time (raw pipe with and without coref, target at
most 25 %). Run:

    .venv/bin/python bench/preannotate.py [--docs 5000]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from textlabel import migrate
from textlabel.auth.service import create_user
from textlabel.db import make_engine
from textlabel.models import Document
from textlabel.nlp.pipeline import load_pipeline, tokenize_text
from textlabel.nlp.preannotate import preannotate_project
from textlabel.projects.service import LabelSpec, create_project

SHARED = os.environ.get(
    "TEXTLABEL_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"
)
DATA = Path(SHARED) / "ud"


def load_texts(count: int) -> list[str]:
    """Paragraph-sized texts: runs of three consecutive `# text` sentences of UD files."""
    sentences: list[str] = []
    for name in ("en_ewt-ud-test.conllu", "en_pud-ud-test.conllu", "en_gum-ud-test.conllu"):
        path = DATA / name
        if path.exists():
            sentences += [
                line[9:].strip()
                for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("# text = ")
            ]
    if not sentences:
        sentences = ["Ada Lovelace met Charles Babbage in London, where she wrote notes."] * 3
    texts = []
    n = 0
    while len(texts) < count:
        chunk = sentences[n % len(sentences) : n % len(sentences) + 3]
        texts.append(" ".join(chunk) + f" ({len(texts)})")  # unique, so dedupe keeps all
        n += 3
    return texts


def document_rows(project_id: int, texts: list[str]) -> list[dict[str, object]]:
    """Rows to insert as the import stores them (tokenized, hashed)."""
    return [
        {"project_id": project_id, "text": text, "meta": {},
         "content_hash": hashlib.sha256(text.encode()).hexdigest(),
         "tokens": tokenize_text(text).to_stored()}
        for text in texts
    ]  # fmt: skip


def raw_rate(texts: list[str], *, coref: bool, n_process: int = 1) -> float:
    nlp = load_pipeline(coref=coref)
    start = time.perf_counter()
    for _doc in nlp.pipe(texts, batch_size=64, n_process=n_process):
        pass
    return len(texts) / (time.perf_counter() - start)


def stored_rate(texts: list[str], *, layers: list[str], n_process: int = 1) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(engine)
        with Session(engine, expire_on_commit=False) as session:
            user = create_user(session, "bench", "bench-password")
            project = create_project(
                session, name="bench", created_by=user, layers=layers,
                labels=[LabelSpec(n) for n in ("PER", "ORG", "LOC", "MISC")],
            )  # fmt: skip
            session.execute(insert(Document), document_rows(project.id, texts))
            session.commit()
            start = time.perf_counter()
            result = preannotate_project(session, project, n_process=n_process)
            elapsed = time.perf_counter() - start
            assert result.done == len(texts), result.as_dict()
        engine.dispose()
    return len(texts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    texts = load_texts(args.docs)
    words = sum(len(t.split()) for t in texts)
    print(f"{len(texts):,} documents, {words / len(texts):.0f} words each on average")
    load_pipeline(), load_pipeline(coref=True)  # load models before timing
    raw = raw_rate(texts, coref=False)
    raw_coref = raw_rate(texts, coref=True)
    stored = stored_rate(texts, layers=["entities", "pos"])
    stored_coref = stored_rate(texts, layers=["entities", "pos", "coref"])
    raw2 = raw_rate(texts, coref=False, n_process=2)
    stored2 = stored_rate(texts, layers=["entities", "pos"], n_process=2)
    stored2_coref = stored_rate(texts, layers=["entities", "pos", "coref"], n_process=2)
    rows = [
        ("raw nlp.pipe, bare model", raw),
        ("raw nlp.pipe, with coref", raw_coref),
        ("textlabel pre-annotation -> SQLite", stored),
        ("textlabel pre-annotation + coref", stored_coref),
        ("raw nlp.pipe, 2 processes", raw2),
        ("textlabel, 2 processes", stored2),
        ("textlabel + coref, 2 processes", stored2_coref),
    ]
    for name, rate in rows:
        print(f"  {name:<38} {rate:9,.1f} docs/s")
    print(f"storage overhead: textlabel / raw = {stored / raw:.2f} (target >= 0.85)")
    print(f"  with coref on both sides: {stored_coref / raw_coref:.2f}")
    print(f"  2 processes: {stored2 / raw2:.2f}")
    print(f"coref adds {raw / raw_coref - 1:+.1%} to pipeline time (target <= +25 %)")
    print(f"2 processes speed pre-annotation up {stored2 / stored:.2f}x")


if __name__ == "__main__":
    main()
