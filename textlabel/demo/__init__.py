"""The demo: a project of real news prose, an administrator and two annotators.

The first 30 documents come with gold entities (Universal NER's English PUD annotation of the
same sentences, ``pud_news_gold.jsonl``), so the model loop can be tried at once: train on
the gold, activate the model, re-pre-annotate the ten untouched documents.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from textlabel.annotate import store
from textlabel.annotate.payload import Payload
from textlabel.auth import service as auth
from textlabel.models import Annotation, Document, Project, User
from textlabel.nlp.pipeline import tokenize_text
from textlabel.projects import service as projects
from textlabel.projects.layer_labels import LayerLabelSpec
from textlabel.projects.service import LabelSpec
from textlabel.records import SpanRecord

PROJECT = "Demo: news (UD English PUD)"
LABELS = [
    LabelSpec("PER", "#8ecae6", "p"),
    LabelSpec("ORG", "#ffb703", "o"),
    LabelSpec("LOC", "#90be6d", "l"),
    LabelSpec("MISC", "#cdb4db", "m"),
]
# Issue 16: relations between the entities and a topic per news text
RELATION_LABELS = [
    LayerLabelSpec("located_in", "#e76f51", "i", heads=("PER", "ORG", "MISC"), children=("LOC",)),
    LayerLabelSpec("member_of", "#2a9d8f", "f", heads=("PER",), children=("ORG",)),
    LayerLabelSpec("related_to", "#6d597a", "r", directed=False),
]
CATEGORIES = [
    LayerLabelSpec("politics", hotkey="g"),
    LayerLabelSpec("business", hotkey="b"),
    LayerLabelSpec("science_technology", hotkey="t"),
    LayerLabelSpec("culture_sports", hotkey="c"),
    LayerLabelSpec("other", hotkey="x"),
]
ACCOUNTS = [("admin", True), ("annotator1", False), ("annotator2", False)]


@dataclass(frozen=True, slots=True)
class DemoInfo:
    project_id: int
    credentials: dict[str, str]
    new_documents: int


def demo_texts() -> list[dict[str, object]]:
    data = resources.files("textlabel.demo").joinpath("pud_news.jsonl").read_text("utf-8")
    return [json.loads(line) for line in data.splitlines() if line.strip()]


def demo_gold() -> dict[str, list[SpanRecord]]:
    """PUD document id -> its gold entity spans (character offsets into the demo text)."""
    data = resources.files("textlabel.demo").joinpath("pud_news_gold.jsonl").read_text("utf-8")
    items = [json.loads(line) for line in data.splitlines() if line.strip()]
    return {item["pud_doc"]: [SpanRecord(*span) for span in item["spans"]] for item in items}


def _seed_gold(session: Session, project: Project) -> None:
    gold = demo_gold()
    has_gold = set(
        session.scalars(
            select(Annotation.document_id)
            .join(Document, Document.id == Annotation.document_id)
            .where(Document.project_id == project.id, Annotation.kind == "gold")
        )
    )
    for document in session.scalars(select(Document).where(Document.project_id == project.id)):
        spans = gold.get(str(document.meta.get("pud_doc")))
        if spans is None or document.id in has_gold:
            continue
        annotation = Annotation(document_id=document.id, kind="gold", status="submitted",
                                info={"source": "Universal NER, English PUD"})  # fmt: skip
        session.add(annotation)
        session.flush()
        payload = Payload(spans=tuple(spans))
        store.insert_many(session, [(annotation.id, store.tokens_of(document), payload)],
                          source="human")  # fmt: skip
    session.commit()


def seed_demo(session: Session) -> DemoInfo:
    """Create (or refresh) the demo accounts and project; passwords are new on every run."""
    credentials: dict[str, str] = {}
    users: dict[str, User] = {}
    for username, is_admin in ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user = auth.get_user(session, username)
        if user is None:
            user = auth.create_user(session, username, password, is_admin=is_admin)
        else:
            auth.set_password(session, user, password)
        credentials[username] = password
        users[username] = user
    project = session.scalar(select(Project).where(Project.name == PROJECT))
    if project is None:
        project = projects.create_project(
            session,
            name=PROJECT,
            description="Forty short news documents from the UD English PUD treebank "
            "(CC BY-SA 3.0). Label people, organisations, places and other names.",
            labels=LABELS,
            layers=["entities", "pos", "coref", "relations", "cats"],
            relation_labels=RELATION_LABELS,
            categories=CATEGORIES,
            cats_mode="single",
            overlap=2,
            blind=True,
            created_by=users["admin"],
        )
        for username in ("annotator1", "annotator2"):
            projects.set_member(session, project, username, "annotator", users["admin"])
    added = 0
    if not session.scalar(select(Document.id).where(Document.project_id == project.id)):
        for number, item in enumerate(demo_texts(), start=1):
            text = str(item["text"])
            session.add(
                Document(
                    project_id=project.id,
                    text=text,
                    meta=dict(item.get("meta") or {}),  # type: ignore[call-overload]
                    source_file="pud_news.jsonl",
                    source_unit="line",
                    source_number=number,
                    content_hash=hashlib.sha256(text.encode()).hexdigest(),
                    tokens=tokenize_text(text).to_stored(),
                )
            )
            added += 1
        session.commit()
    _seed_gold(session, project)
    return DemoInfo(project.id, credentials, added)
