"""Every text export format and the spaCy DocBin, pinned byte for byte: small projects (a UD
treebank with a parse and coreference, a NER corpus with gold, two annotators' submissions,
relations, document labels and span categories) exported from every source must write
exactly the bytes recorded in ``data/export_pinned.json`` (sha256 and size per case).

The export is being made faster; its output must not move. When a change means to move it,
rewrite the pins with ``TEXTLABEL_WRITE_PINS=1 pytest tests/test_export_pinned.py -k sqlite``
and say why in the commit.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.factories import make_project, make_users, wikigold_passages
from tests.helpers import DATA
from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.export import decoded, rows
from textlabel.export.request import ExportRequest
from textlabel.export.service import stream_export
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Annotation, Document
from textlabel.projects.layer_labels import LayerLabelSpec
from textlabel.records import MentionRecord, RelationRecord, SpanRecord
from textlabel.tokens import Tokens

PINS = Path(__file__).parent / "data" / "export_pinned.json"
FORMATS = ("jsonl", "conll", "conllu", "spacy")
SOURCES = ("gold", "predictions", "annotations", "gold_or_majority")


def _import(session: Any, project: Any, owner: Any, path: Path) -> None:
    with path.open("rb") as stream:
        import_file(session, project, stream, path.name, user=owner, options=ImportOptions())


def _digest(data: bytes, fmt: str) -> tuple[str, int]:
    """sha256 and size; of a spaCy zip its members' names and bytes (timestamps vary)."""
    if fmt != "spacy":
        return hashlib.sha256(data).hexdigest(), len(data)
    digest, size = hashlib.sha256(), 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            member = archive.read(name)
            digest.update(name.encode() + b"\0" + member)
            size += len(member)
    return digest.hexdigest(), size


def _edited_pos(count: int) -> list[str | None]:
    """A person's POS list: the first and third tags changed, the rest the prediction's."""
    return ["PROPN" if i == 0 else "NOUN" if i == 2 else None for i in range(count)]


def _annotate(session: Any, project: Any, users: list[Any]) -> None:
    """Gold on some documents, and two annotators' submissions that agree in part."""
    documents = session.scalars(
        select(Document).where(Document.project_id == project.id).order_by(Document.id)
    ).all()
    items = []
    for n, document in enumerate(documents[:8]):
        tokens = Tokens.from_stored(document.tokens, text_length=len(document.text))
        pairs = tokens.pairs()
        first, second, third = pairs[0], pairs[min(2, len(pairs) - 1)], pairs[-2]
        spans = (SpanRecord(*first, "PER"), SpanRecord(*third, "LOC"))
        for k, user in enumerate(users):
            mine = spans if k == 0 or n % 2 else (SpanRecord(*first, "ORG"),)
            annotation = Annotation(document_id=document.id, kind="manual",
                                    status="submitted", user_id=user.id,
                                    pos=_edited_pos(len(pairs)) if k == 1 else None)  # fmt: skip
            session.add(annotation)
            session.flush()
            payload = Payload(
                spans=mine,
                relations=(RelationRecord(first, third, "located_in"),) if k == 0 else None,
                cats=(("news", 1.0),) if n % 3 else (("news", 1.0), ("sport", 1.0)),
                span_cats=(SpanRecord(*second, "claim"),),
                coref=((MentionRecord(*first), MentionRecord(*third)),),
            )
            items.append((annotation.id, tokens, payload))
        if n % 2 == 0:  # gold on every other document
            gold = Annotation(document_id=document.id, kind="gold", status="submitted")
            session.add(gold)
            session.flush()
            payload = Payload(spans=spans, relations=(RelationRecord(first, third, "located_in"),),
                              cats=(("sport", 1.0),), span_cats=(SpanRecord(*second, "claim"),),
                              coref=((MentionRecord(*first), MentionRecord(*third)),))  # fmt: skip
            items.append((gold.id, tokens, payload))
    store.insert_many(session, items, source="human")
    session.commit()


def _cases(session: Any) -> dict[str, bytes]:
    return exports(session, *projects(session))


def projects(session: Any) -> tuple[Any, Any, Any]:
    """The three pinned projects: the UD treebank, the NER corpus and the awkward texts."""
    owner, ann, other = make_users(session, "mgr", "ann", "bob")
    layers = ["entities", "pos", "coref", "relations", "cats", "spans"]
    ud = make_project(session, owner, "UD", labels=(), layers=["entities", "pos", "coref"])
    _import(session, ud, owner, DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu")
    ner = make_project(
        session, owner, "NER", labels=("PER", "ORG", "LOC", "MISC"), layers=layers,
        relation_labels=[LayerLabelSpec("located_in")],
        categories=[LayerLabelSpec("news"), LayerLabelSpec("sport")],
        span_labels=[LayerLabelSpec("claim")],
    )  # fmt: skip
    _import(session, ner, owner, DATA / "ner" / "wikigold.conll.txt")
    _annotate(session, ner, [ann, other])
    awkward = make_project(session, owner, "Awkward", labels=("PER",), layers=layers)
    lines = []
    for n in range(9):  # quotes, backslashes, non-ASCII, newlines, a trailing space
        text = f'Doc {n}: Ada met "Bob" \\ in Paris, café 東京.\n\nThen  Carol left #{n}. '
        start = text.index("Ada")
        spans = [] if n % 3 == 0 else [{"start": start, "end": start + 3, "label": "PER"}]
        lines.append(json.dumps({"text": text, "spans": spans}) + "\n")
    import_file(session, awkward, io.BytesIO("".join(lines).encode()), "awkward.jsonl",
                user=owner, options=ImportOptions())  # fmt: skip
    from tests.factories import add_gold

    add_gold(session, awkward, wikigold_passages(3))
    return ud, ner, awkward


def exports(session: Any, ud: Any, ner: Any, awkward: Any) -> dict[str, bytes]:
    """Every pinned case's bytes, by name."""
    out: dict[str, bytes] = {}
    awkward_sources = ("gold", "predictions", "gold_or_majority")  # nobody annotated it
    for project, sources in ((ud, ("predictions",)), (ner, SOURCES), (awkward, awkward_sources)):
        for source in sources:
            for fmt in FORMATS:
                request = ExportRequest(format=fmt, source=source, dev=0.5)
                out[f"{project.name}/{source}/{fmt}"] = b"".join(
                    stream_export(session, project, request)
                )
    for project in (ner, awkward):  # the UD treebank has no entities
        no_negatives = ExportRequest(format="jsonl", source="predictions", negatives=False)
        out[f"{project.name}/predictions/jsonl-no-negatives"] = b"".join(
            stream_export(session, project, no_negatives)
        )
    return out


def test_every_format_writes_the_pinned_bytes(app: Flask, session: Any) -> None:
    cases = _cases(session)
    first = session.scalar(select(Document.id).order_by(Document.id).limit(1))
    assert first == 1, "the pins hold document ids (and the spaCy split hashes them)"
    got = digests(cases)
    empty = sorted(name for name, (_, size) in got.items() if not size)
    assert not empty, f"{empty} wrote nothing"
    if os.environ.get("TEXTLABEL_WRITE_PINS"):
        PINS.write_text(json.dumps({k: list(v) for k, v in got.items()}, indent=1) + "\n")
        pytest.skip("pins written")
    assert_pinned(got)


def digests(cases: dict[str, bytes]) -> dict[str, tuple[str, int]]:
    return {name: _digest(data, name.split("/")[-1]) for name, data in cases.items()}


def assert_pinned(got: dict[str, tuple[str, int]]) -> None:
    pinned = {name: tuple(value) for name, value in json.loads(PINS.read_text()).items()}
    changed = sorted(name for name in pinned if got.get(name) != pinned[name])
    assert set(got) == set(pinned)
    assert not changed, f"the export of {changed} changed"


def test_the_exports_reader_reads_what_the_store_does(app: Flask, session: Any) -> None:
    """``store.read_documents`` (an export's page in one range query) is ``read_many``:
    every layer, gold, two annotators and predictions of a treebank and a NER corpus."""
    owner, ann, other = make_users(session, "mgr", "ann", "bob")
    layers = ["entities", "pos", "coref", "relations", "cats", "spans"]
    ud = make_project(session, owner, "UD", labels=(), layers=["entities", "pos", "coref"])
    _import(session, ud, owner, DATA / "ud" / "en_gum-ud-test.GUM_news_nasa.conllu")
    ner = make_project(session, owner, "NER", labels=("PER", "ORG", "LOC", "MISC"), layers=layers)
    _import(session, ner, owner, DATA / "ner" / "wikigold.conll.txt")
    _annotate(session, ner, [ann, other])
    read: list[Any] = []
    for project in (ud, ner):
        ids = sorted(session.scalars(select(Document.id).where(Document.project_id == project.id)))
        stored = rows.stored_annotation_rows(session, project.id, ids[0], ids[-1])
        annotations = decoded.decode_annotations(stored)
        held = {a.id: (a.pos, a.relations, a.cats) for a in annotations}
        ours = store.read_documents(session, project.id, ids[0], ids[-1], held)
        assert ours == store.read_many(session, [a.id for a in annotations])
        read += ours.values()
    assert {a.kind for a in annotations} == {"prediction", "manual", "gold"}
    for layer in ("spans", "pos", "coref", "relations", "cats", "span_cats"):
        assert any(getattr(payload, layer) for payload in read), layer
