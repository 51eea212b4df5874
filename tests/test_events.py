"""Domain events: the annotation service announces a committed submission; review listens."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import add_documents, make_project, make_users
from textlabel import events
from textlabel.annotate import queue
from textlabel.annotate.service import AnnotationInput, save_annotation
from textlabel.models import Annotation, ReviewItem


def test_submission_is_sent_after_commit_and_review_consolidates(app, session) -> None:
    admin, ann = make_users(session, "admin", "ann")
    admin.is_admin = True
    project = make_project(session, admin, members={"ann": "annotator"}, overlap=1)
    add_documents(session, project, ["Ada Lovelace met Charles Babbage."])
    annotation = queue.next_annotation(session, project, ann)
    seen: list[str] = []

    def receiver(sender: Annotation, *, session: Session, document) -> None:
        # Another connection sees the submission: the event comes after the commit.
        with Session(session.get_bind()) as other:
            seen.append(other.scalar(select(Annotation.status).where(Annotation.id == sender.id)))

    events.annotation_submitted.connect(receiver)
    try:
        save_annotation(session, annotation, AnnotationInput(version=1), user=ann)  # no change
        assert seen == []
        save_annotation(session, annotation, AnnotationInput(1, "submitted"), user=ann)
    finally:
        events.annotation_submitted.disconnect(receiver)
    assert seen == ["submitted"]
    item = session.get(ReviewItem, annotation.document_id)  # review's own receiver ran
    assert item is not None and item.state in {"open", "auto_accepted"}


def test_load_pipeline_is_importable_from_nlp_without_loading_spacy() -> None:
    code = (
        "import sys, textlabel.nlp as nlp; assert 'spacy' not in sys.modules; "
        "from textlabel.nlp import load_pipeline; "
        "from textlabel.nlp.pipeline import load_pipeline as same; assert load_pipeline is same"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
