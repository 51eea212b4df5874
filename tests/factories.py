"""Small builders for test data, through the same services the app uses."""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from tests.helpers import DATA, PASSWORD
from textlabel.annotate import store
from textlabel.annotate.payload import Payload, cats_of
from textlabel.auth import service as auth
from textlabel.ingest.base import ReadOptions
from textlabel.ingest.conll import read
from textlabel.models import Annotation, Document, Project, User
from textlabel.nlp.pipeline import tokenize_text
from textlabel.projects import service as projects
from textlabel.projects.service import LabelSpec
from textlabel.records import DocumentRecord, SpanRecord
from textlabel.tokens import Tokens


def make_user(session: Session, username: str, *, admin: bool = False) -> User:
    return auth.create_user(session, username, PASSWORD, is_admin=admin)


def make_project(
    session: Session,
    owner: User,
    name: str = "Project",
    *,
    labels: tuple[str, ...] = ("PER", "ORG", "LOC"),
    members: dict[str, str] | None = None,
    **settings: Any,
) -> Project:
    project = projects.create_project(
        session,
        name=name,
        created_by=owner,
        labels=[LabelSpec(label) for label in labels],
        **settings,
    )
    for username, role in (members or {}).items():
        projects.set_member(session, project, username, role, owner)
    return project


def add_documents(session: Session, project: Project, texts: list[str]) -> list[Document]:
    documents = [
        Document(
            project_id=project.id,
            text=text,
            content_hash=hashlib.sha256(text.encode()).hexdigest(),
            tokens=tokenize_text(text).to_stored(),
        )
        for text in texts
    ]
    session.add_all(documents)
    session.commit()
    return documents


def at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(0..n-1)`` on n threads released together by a barrier; their results."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def make_users(session: Session, first: str, *others: str) -> list[User]:
    """Several accounts sharing one password hash (the test password): scrypt hashing is most
    of a fixture's time, and every account signs in with the same password anyway."""
    head = make_user(session, first)
    rest = [User(username=name, password_hash=head.password_hash) for name in others]
    session.add_all(rest)
    session.commit()
    return [head, *rest]


def wikigold_passages(n: int) -> list[DocumentRecord]:
    """``n`` two-sentence passages of the trimmed wikigold file, entities kept."""
    raw = (DATA / "ner" / "wikigold.conll.txt").read_bytes()
    out: list[DocumentRecord] = []
    for record in read(io.BytesIO(raw), "wikigold.conll.txt", ReadOptions()):
        assert isinstance(record, DocumentRecord)
        tokens, starts = (
            record.tokens or [],
            [*(record.sent_starts or [0]), len(record.tokens or [])],
        )
        for first, last in zip(starts[:-1:2], starts[2::2], strict=False):
            begin, end = tokens[first].start, tokens[last - 1].end
            part = [type(t)(t.start - begin, t.end - begin, t.ws) for t in tokens[first:last]]
            spans = [SpanRecord(s.start - begin, s.end - begin, s.label) for s in record.spans
                     if begin <= s.start and s.end <= end]  # fmt: skip
            out.append(DocumentRecord(text=record.text[begin:end], tokens=part, spans=spans))
            if len(out) == n:
                return out
    return out


def add_gold(session: Session, project: Project, records: list[DocumentRecord]) -> list[Document]:
    documents = []
    for record in records:
        tokens = Tokens.from_records(record.tokens or [], text_length=len(record.text))
        digest = hashlib.sha256(record.text.encode()).hexdigest()
        document = Document(project_id=project.id, text=record.text, tokens=tokens.to_stored(),
                            content_hash=digest)  # fmt: skip
        session.add(document)
        session.flush()
        gold = Annotation(document_id=document.id, kind="gold", status="submitted")
        session.add(gold)
        session.flush()
        payload = Payload(spans=tuple(record.spans), cats=cats_of(record.cats) or None,
                          span_cats=tuple(record.span_cats) or None)  # fmt: skip
        store.insert_many(session, [(gold.id, tokens, payload)], source="human")
        documents.append(document)
    session.commit()
    return documents
