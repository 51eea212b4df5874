"""A read-only look at one document for managers and reviewers: every annotation they may see
(the model's, each annotator's, gold) side by side. Reading never creates a draft, so a
manager looking at a document takes no annotator's place in its overlap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.annotate.service import visible_annotations
from textlabel.models import Document, Project, User
from textlabel.review.changes import words_at

ENTITY_ROWS = 1000  # the table of entities stops here (the JSON has them all)


@dataclass(frozen=True, slots=True)
class Source:
    """One annotation of the document: ``key`` is "model", "gold" or the annotator's name."""

    key: str
    title: str
    status: str
    version: int
    updated_at: datetime
    payload: Payload

    @property
    def n_entities(self) -> int:
        return len(self.payload.spans or ())

    @property
    def n_tags(self) -> int:
        return sum(tag is not None for tag in self.payload.pos or ())


@dataclass(frozen=True, slots=True)
class EntityRow:
    start: int
    end: int
    words: str
    labels: tuple[str | None, ...]  # per source, in the order of the sources

    @property
    def agreed(self) -> bool:
        return len(set(self.labels)) == 1


def document_sources(
    session: Session, document: Document, project: Project, user: User
) -> list[Source]:
    """The annotations ``user`` may see: the model's first, then annotators by name, gold last."""
    annotations = visible_annotations(session, document, project, user)
    payloads = store.read_many(session, [a.id for a in annotations],
                               pos={a.id: a.pos for a in annotations})  # fmt: skip
    ids = {a.user_id for a in annotations} | {a.updated_by_id for a in annotations}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids - {None})))
    names: dict[int | None, str] = {row[0]: row[1] for row in rows}
    order = {"prediction": 0, "manual": 1, "gold": 2}
    sources = []
    for a in sorted(annotations, key=lambda a: (order[a.kind], names.get(a.user_id, ""))):
        if a.kind == "prediction":
            key, title = "model", "the model's prediction"
        elif a.kind == "gold":
            saved_by = names.get(a.updated_by_id)
            key, title = "gold", f"gold (last saved by {saved_by})" if saved_by else "gold"
        else:
            key = title = names.get(a.user_id, "?")
        sources.append(Source(key, title, a.status, a.version, a.updated_at, payloads[a.id]))
    return sources


def entity_rows(text: str, sources: list[Source]) -> list[EntityRow]:
    """Every entity position any source marked, with each source's label there (None: not
    marked), in text order."""
    by_position: dict[tuple[int, int], list[str | None]] = {}
    for i, source in enumerate(sources):
        for span in source.payload.spans or ():
            labels = by_position.setdefault((span.start, span.end), [None] * len(sources))
            labels[i] = span.label
    return [
        EntityRow(start, end, words_at(text, start, end), tuple(labels))
        for (start, end), labels in sorted(by_position.items())
    ]


def segments(text: str, source: Source | None) -> list[tuple[str, str | None]]:
    """``text`` cut at ``source``'s entities: (piece, label or None), for highlighting."""
    if source is None:
        return [(text, None)]
    out: list[tuple[str, str | None]] = []
    at = 0
    for span in sorted(source.payload.spans or (), key=lambda s: (s.start, s.end)):
        if span.start < at:
            continue  # overlapping entities (other sources' rules): shown in the table
        out += [(text[at : span.start], None), (text[span.start : span.end], span.label)]
        at = span.end
    out.append((text[at:], None))
    return [piece for piece in out if piece[0]]


def chains_in_words(text: str, source: Source) -> list[list[str]]:
    return [[words_at(text, m.start, m.end) for m in chain] for chain in source.payload.coref or ()]
