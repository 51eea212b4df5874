"""Imported part-of-speech tags are Universal POS tags; anything else is data, never markup
(issue 14, defect 1: a POS tag holding an <img onerror> ran script for every annotator)."""

from __future__ import annotations

import io
import json

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import api_as, sign_in
from textlabel.annotate.checks import UNIVERSAL_POS
from textlabel.models import Annotation, Document

XSS = "<img src=x onerror=alert(1)>"
PROBE = {
    "text": "Hello world",
    "tokens": [{"start": 0, "end": 5}, {"start": 6, "end": 11}],
    "pos": [XSS, "NOUN"],
}


@pytest.fixture
def project(session):
    owner = make_user(session, "mgr")
    return make_project(session, owner, layers=["entities", "pos"])


def _upload(app: Flask, project, name: str, data: bytes):
    upload = FileStorage(io.BytesIO(data), filename=name)
    boundary, body = encode_multipart(MultiDict({"preannotate": "false", "file": upload}))
    return api_as(app, "mgr").post(
        f"/projects/{project.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def _conllu(*, upos: str, xpos: str) -> str:
    return (
        f"1\tHello\thello\t{upos}\t{xpos}\t_\t0\troot\t_\t_\n"
        "2\tworld\tworld\tNOUN\tNN\t_\t1\tvocative\t_\t_\n\n"
    )


def _stored(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count(Document.id))),
        session.scalar(select(func.count(Annotation.id))),
    )


def test_the_probes_jsonl_is_refused_with_line_and_token(app: Flask, session, project):
    response = _upload(app, project, "probe.jsonl", json.dumps(PROBE).encode() + b"\n")
    assert response.status_code == 422
    message = response.json["error"]["message"]
    assert "probe.jsonl, line 1: token 0 ('Hello'): POS tag" in message
    assert "is not a Universal POS tag" in message
    assert _stored(session) == (0, 0)


def test_a_conllu_upos_column_must_hold_upos(app: Flask, session, project):
    data = _conllu(upos=XSS, xpos="_")
    response = _upload(app, project, "probe.conllu", data.encode())
    assert response.status_code == 422
    assert "probe.conllu, line 1: token 0 ('Hello'): POS tag" in response.json["error"]["message"]
    assert _stored(session) == (0, 0)


def test_xpos_is_kept_as_data_and_shown_escaped(app: Flask, session, project):
    data = _conllu(upos="INTJ", xpos=XSS)
    response = _upload(app, project, "xpos.conllu", data.encode())
    assert response.status_code == 201, response.json
    document = session.scalar(select(Document))
    exported = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=conllu&source=predictions"
    )
    assert f"\tINTJ\t{XSS}\t" in exported.text  # the data round-trips unchanged
    browser = sign_in(app.test_client(), "mgr")
    browser.post(f"/documents/{document.id}/annotate", data={"csrf_token": browser.csrf})
    html = browser.get(f"/documents/{document.id}/annotate").text
    assert "annotate-data" in html and "<img" not in html


def test_every_upos_tag_and_none_is_accepted(app: Flask, session, project):
    words = " ".join(["w"] * len(UNIVERSAL_POS))
    tokens = [{"start": 2 * i, "end": 2 * i + 1} for i in range(len(UNIVERSAL_POS))]
    record = {"text": words, "tokens": tokens + [], "pos": list(UNIVERSAL_POS)}
    record["pos"][0] = None
    response = _upload(app, project, "upos.jsonl", json.dumps(record).encode() + b"\n")
    assert response.status_code == 201, response.json
    assert _stored(session) == (1, 1)
