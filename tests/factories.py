"""Small builders for test data, through the same services the app uses."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from tests.helpers import PASSWORD
from textlabel.auth import service as auth
from textlabel.models import Document, Project, User
from textlabel.nlp.pipeline import tokenize_text
from textlabel.projects import service as projects
from textlabel.projects.service import LabelSpec


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
