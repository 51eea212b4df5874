"""Script-looking strings in every stored field, every page rendered as each role in Chromium:
nothing runs, nothing is even blocked by the Content-Security-Policy (a violation would mean
the string reached the page as markup rather than text).

Usernames cannot hold such strings (letters, digits and ``. _ @ -`` only), so they are not
seeded; everything a manager, an import or an annotator can store is.
"""

from __future__ import annotations

import io
import json
import re

import pytest
from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_users
from tests.helpers import api_as, browser_sign_in
from textlabel.models import Job

pytestmark = pytest.mark.browser

# Each payload would set window.__xss (or open a dialog) if it ever ran.
IMG = "<img src=x onerror=\"window.__xss='img';alert(1)\">"
SCRIPT = "</script><script>window.__xss='script';alert(2)</script>"
URL = "javascript:window.__xss='url';alert(3)"
SVG = "<svg/onload=window.__xss='svg'>"
LABEL = "<img/src=x/onerror=window.__xss='label'>"  # no spaces: label names allow none
LABEL2 = "</script><script>window.__xss='label2'</script>"
XPOS = "<svg/onload=window.__xss='xpos'>"
TEXT = f"Ada Lovelace wrote {IMG} and {SCRIPT} in London, see {URL} and {SVG} there."

WATCH = """
window.__seen = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__seen.push(`csp ${e.violatedDirective} ${e.blockedURI} ${e.sample}`));
"""


def _upload(api, pid: int, name: str, data: bytes, **form) -> dict:
    fields = MultiDict({"preannotate": "false", **form,
                        "file": FileStorage(io.BytesIO(data), filename=name)})  # fmt: skip
    boundary, body = encode_multipart(fields)
    response = api.post(f"/projects/{pid}/documents", data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")  # fmt: skip
    assert response.status_code == 201, response.json
    return response.json


def _conllu() -> bytes:
    words = ["Ada", "met", "Babbage", "."]
    rows = [f"{i}\t{w}\t{w.lower()}\tPROPN\t{XPOS}\t_\t_\t_\t_\t_"
            for i, w in enumerate(words, start=1)]  # fmt: skip
    return ("# text = Ada met Babbage .\n" + "\n".join(rows) + "\n\n").encode()


@pytest.fixture
def seeded(app: Flask, session) -> dict:
    make_users(session, "mgr", "ann", "rev")
    manager = api_as(app, "mgr")
    created = manager.post("/projects", json={
        "name": f"Project {IMG}", "description": f"{SCRIPT} {URL}", "overlap": 1,
        "labels": [{"name": LABEL}, {"name": LABEL2}, {"name": "LOC"}],
        "layers": ["entities", "pos", "coref", "relations", "cats"],
        "relation_labels": [{"name": LABEL2}], "categories": [{"name": f"topic {IMG}"}],
    })  # fmt: skip
    assert created.status_code == 201, created.json
    pid = created.json["id"]
    for name, role in (("ann", "annotator"), ("rev", "reviewer")):
        assert manager.post(f"/projects/{pid}/members",
                            json={"username": name, "role": role}).status_code == 201  # fmt: skip
    record = {
        "text": TEXT, "meta": {IMG: SCRIPT, "link": URL, "note": SVG},
        "spans": [{"start": 0, "end": 12, "label": LABEL}, {"start": TEXT.index("London"),
                  "end": TEXT.index("London") + 6, "label": LABEL2}],
    }  # fmt: skip
    _upload(manager, pid, f"{IMG}.jsonl", json.dumps(record).encode())
    _upload(manager, pid, f"{SCRIPT}.conllu", _conllu())
    session.add(Job(kind="import", project_id=pid, status="failed", error=f"{IMG} {SCRIPT}",
                    params={"filename": IMG}))  # fmt: skip
    session.commit()
    documents = manager.get(f"/projects/{pid}/documents").json["items"]
    annotator = api_as(app, "ann")
    for document in documents:  # the annotator's own work carries the labels too
        body = {"version": 0, "status": "submitted", "spans": record["spans"]
                if document["source"].endswith(".jsonl") else []}  # fmt: skip
        saved = annotator.put(f"/documents/{document['id']}/annotations/me", json=body)
        assert saved.status_code == 200, saved.json
    did = documents[0]["id"]  # comments: a span's words and the bodies are shown as text
    words = {"start": TEXT.index("<img"), "end": TEXT.index(" and </")}
    thread = annotator.post(f"/documents/{did}/comments", json={"body": IMG, **words}).json
    manager.post(f"/comments/{thread['id']}/replies", json={"body": f"{SVG} {URL}"})
    manager.post(f"/documents/{did}/comments", json={"body": SCRIPT, "kind": "flag"})
    job = session.query(Job).filter_by(project_id=pid).first()
    lid = manager.get(f"/projects/{pid}").json["labels"][0]["id"]
    return {"pid": pid, "did": documents[0]["id"], "jid": job.id, "lid": lid,
            "dids": [d["id"] for d in documents], "cid": thread["id"]}  # fmt: skip


def _pages(app: Flask, ids: dict) -> list[str]:
    """Every GET page of the app, ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("pages.") or "GET" not in rule.methods:
            continue
        if rule.endpoint in {"pages.login", "pages.export_download"}:
            continue
        url = rule.rule
        for name in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{name}>", str(ids[name]), url)
        urls.append(url)
    urls += [f"/documents/{did}/{view}" for did in ids["dids"][1:]
             for view in ("annotate", "review", "view")]  # fmt: skip
    urls.append(f"/projects/{ids['pid']}/comments?state=all")
    return urls


@pytest.mark.parametrize("role", ["mgr", "ann", "rev"])
def test_script_looking_data_never_runs_on_any_page(app: Flask, seeded, page, role) -> None:
    events: list[str] = []
    page.on("dialog", lambda d: (events.append(f"dialog {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: events.append(f"pageerror {e}"))
    page.context.add_init_script(WATCH)
    browser_sign_in(page, role)
    shown = 0
    for url in _pages(app, seeded):
        response = page.goto(url)
        assert response is not None
        if response.status >= 400:  # a page this role may not see: nothing to render
            assert response.status in {403, 404, 409}, (url, response.status)
            continue
        shown += 1
        if "/annotate" in url or "/review" in url:
            ready = page.locator("#annotate[data-ready=true], #review[data-ready=true]")
            if ready.count() or page.locator("#annotate, #review").count():
                ready.wait_for()
                page.locator(".t").first.click()  # paints the cursor info and the POS panel
                page.keyboard.press("Shift+T")
        page.wait_for_load_state("networkidle")
        seen = page.evaluate("() => [window.__xss, window.__seen]")
        assert seen == [None, []], (role, url, seen)
    assert events == [], (role, events)
    assert shown >= {"mgr": 15, "ann": 6, "rev": 8}[role]
