"""Every API response matches the schema the OpenAPI document declares for its status.

A realistic project is driven through every endpoint as its admin, manager, annotators and
reviewer, plus the errors a client meets (401, 403, 404, 409, 422). Each JSON body the app sends
is recorded as it leaves (Flask's ``request_finished`` signal) and validated, with the
independent ``openapi-schema-validator``, against the response schema that
``GET /api/v1/openapi.json`` declares for that path, method and status. Component schemas are
made closed (``additionalProperties: false``) for the check, so an undocumented key fails too.
"""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response, request, request_finished
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from openapi_spec_validator import validate as validate_spec
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_user
from tests.helpers import ApiClient, api_as
from textlabel.models import ModelVersion

RULE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
TEXTS = [
    "Marie Curie moved to Paris. She met Pierre Curie there.",
    "Acme Corp hired John Smith in London. He started on Monday.",
    "Ada Lovelace wrote notes in Ealing.",
]


NULL_OBJECT = {"type": "object", "nullable": True}


def _closed(schema: Any) -> Any:
    """The schema read strictly: every listed property required (but those marked
    ``x-optional``, which some objects leave out) and no other key allowed, and
    apispec's rendering of a nullable nested schema (``anyOf: [{type: object, nullable},
    $ref]``, whose first branch takes any object) narrowed to "null or that schema"."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: _closed(value) for key, value in schema.items()}
    if NULL_OBJECT in out.get("anyOf", []):
        out["anyOf"] = [{"enum": [None]} if s == NULL_OBJECT else s for s in out["anyOf"]]
    if "properties" in out:
        out.setdefault("additionalProperties", False)
        out["required"] = sorted(
            name for name, prop in out["properties"].items() if not prop.get("x-optional")
        )
    return out


def _recorder() -> tuple[list[tuple[str, str, int, Response]], Any]:
    """A list, and a ``request_finished`` receiver that appends every response to an /api/v1
    route to it (with the route as the OpenAPI document writes it, and the method)."""
    seen: list[tuple[str, str, int, Response]] = []

    def record(sender: Flask, response: Response, **extra: Any) -> None:
        rule = request.url_rule
        if rule is not None and rule.rule.startswith("/api/v1/"):
            path = RULE_PARAM.sub(r"{\1}", rule.rule)
            seen.append((path, request.method, response.status_code, response))

    return seen, record


def _upload(api: ApiClient, pid: int, name: str, data: bytes, **form: str) -> Any:
    upload = FileStorage(io.BytesIO(data), filename=name)
    boundary, body = encode_multipart(MultiDict({**form, "file": upload}))
    content_type = f"multipart/form-data; boundary={boundary}"
    return api.post(f"/projects/{pid}/documents", data=body, content_type=content_type)


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json


def _drive(app: Flask, session: Any) -> None:
    """Every endpoint, called as the role that would call it, with realistic data."""
    make_user(session, "root", admin=True)
    admin = api_as(app, "root")
    for name in ("mgr", "ann1", "ann2", "rev"):
        _ok(admin.post("/users", json={"username": name, "password": "correct horse battery"}), 201)
    _ok(admin.get("/users"))
    _ok(admin.patch("/users/rev", json={"is_active": True}))
    mgr = api_as(app, "mgr")
    _ok(mgr.get("/users/me"))
    _ok(mgr.get("/openapi.json"))

    project = _ok(
        mgr.post(
            "/projects",
            json={
                "name": "News",
                "labels": [{"name": "PER", "color": "#ff0000", "hotkey": "p"}, {"name": "ORG"}],
                "layers": ["entities", "pos", "coref"],
                "overlap": 2,
            },
        ),
        201,
    )
    pid = project["id"]
    _ok(mgr.get("/projects"))
    _ok(mgr.patch(f"/projects/{pid}", json={"description": "Wire stories"}))
    _ok(mgr.post(f"/projects/{pid}/labels", json={"name": "LOC"}), 201)
    extra = _ok(mgr.post(f"/projects/{pid}/labels", json={"name": "MISC"}), 201)
    _ok(mgr.get(f"/projects/{pid}/labels/{extra['id']}/usage"))
    _ok(mgr.delete(f"/projects/{pid}/labels/{extra['id']}"), 204)
    for name, role in (("ann1", "annotator"), ("ann2", "annotator"), ("rev", "reviewer")):
        _ok(mgr.post(f"/projects/{pid}/members", json={"username": name, "role": role}), 201)
    _ok(mgr.post(f"/projects/{pid}/members", json={"username": "root", "role": "annotator"}), 201)
    _ok(mgr.delete(f"/projects/{pid}/members/root"), 204)

    jsonl = "".join(json.dumps({"text": t, "meta": {"n": n}}) + "\n" for n, t in enumerate(TEXTS))
    _ok(_upload(mgr, pid, "news.jsonl", jsonl.encode(), preannotate="false"), 201)
    csv = b"text,id\nGood row,1\n,2\n"
    rows = _upload(mgr, pid, "rows.csv", csv, keep_good_rows="true", preannotate="false")
    _ok(rows, 201)
    job = _ok(mgr.post(f"/projects/{pid}/preannotate"), 202)
    app.extensions["textlabel.jobs"].wait(job["id"], timeout=120)
    _ok(mgr.get(f"/jobs/{job['id']}"))
    _ok(mgr.post(f"/jobs/{job['id']}/cancel"))
    _ok(mgr.get(f"/projects/{pid}"))
    listing = _ok(mgr.get(f"/projects/{pid}/documents?per_page=2"))
    _ok(mgr.get(f"/projects/{pid}/documents?page=2&per_page=2"))
    _ok(mgr.get(f"/projects/{pid}/documents?last=true&per_page=2"))
    _ok(
        mgr.post(
            f"/projects/{pid}/documents/bulk",
            json={"action": "reset", "ids": [listing["items"][0]["id"]], "preview": True},
        )
    )
    assert listing["items"]
    # Archived and back at once: the queue below still hands out every document.
    first = listing["items"][0]["id"]
    _ok(mgr.post(f"/documents/{first}/archive?preview=true"))
    _ok(mgr.post(f"/documents/{first}/archive"))
    _ok(mgr.post(f"/documents/{first}/unarchive"))

    for annotator in ("ann1", "ann2"):
        api = api_as(app, annotator)
        n = 0
        while (document := _ok(api.get(f"/projects/{pid}/next"))["document"]) is not None:
            n += 1
            assert n <= 4, "the queue hands out each of the four documents once"
            did = document["id"]
            _ok(api.get(f"/documents/{did}"))
            mine = _ok(api.get(f"/documents/{did}/annotations/me"))
            spans = [] if n == 2 and annotator == "ann2" else _first_word_span(document)
            chain = _first_two_words(document)
            pos = [None] * len(document["tokens"])
            pos[0] = "PROPN" if annotator == "ann1" else "NOUN"
            body = {"version": mine["version"], "status": "submitted", "spans": spans, "pos": pos,
                    "coref": [chain] if annotator == "ann1" else []}  # fmt: skip
            _ok(api.put(f"/documents/{did}/annotations/me", json=body))
            _ok(api.get(f"/documents/{did}/annotations"))

    for layer in ("entities", "pos", "coref"):
        _ok(mgr.get(f"/projects/{pid}/agreement?layer={layer}"))

    rev = api_as(app, "rev")
    _ok(rev.get(f"/projects/{pid}/review-settings"))
    _ok(mgr.put(f"/projects/{pid}/review-settings", json={"min_share": 0.5}))
    _ok(rev.get(f"/projects/{pid}/review-queue"))
    _ok(rev.get(f"/projects/{pid}/review-queue?state=all&label=PER"))
    taken = _ok(rev.get(f"/projects/{pid}/review-queue/next"))
    did = taken["document_id"] or listing["items"][0]["id"]
    view = _ok(rev.get(f"/documents/{did}/review"))
    gold = _ok(rev.get(f"/documents/{did}/gold"))
    draft = view["draft"]
    spans = [{key: span[key] for key in ("start", "end", "label")} for span in draft["spans"]]
    decision = {"version": gold["version"], "status": "submitted", "spans": spans,
                "coref": draft["coref"], "undecided": []}  # fmt: skip
    _ok(rev.put(f"/documents/{did}/gold", json=decision))
    _ok(rev.get(f"/documents/{did}/review"))
    _ok(rev.get(f"/documents/{did}/history"))
    _ok(rev.get(f"/documents/{did}/changes"))
    _ok(mgr.get(f"/projects/{pid}/feedback"))
    export = mgr.get(f"/projects/{pid}/export?format=jsonl&source=gold")
    assert export.status_code == 200 and export.get_data()

    _drive_team(app, mgr, rev, pid, did)
    _drive_training(app, session, mgr, pid)
    tokens = _ok(mgr.get("/auth/tokens"))
    _ok(mgr.delete(f"/auth/tokens/{tokens[0]['id']}"), 204)
    _errors(app, pid, did)
    ann = api_as(app, "ann1")
    mine = _ok(ann.get(f"/documents/{did}/annotations/me"))
    accept = {"version": mine["version"], "min_confidence": 1}  # saves nothing
    _ok(ann.post(f"/documents/{did}/annotations/me/accept-chains", json=accept))


def _drive_team(app: Flask, mgr: ApiClient, rev: ApiClient, pid: int, did: int) -> None:
    """Comments, the per-annotator statistics, the import preview and deleting a document."""
    ann = api_as(app, "ann1")
    question = {"body": "Is this a PER?", "start": 0, "end": 5}
    thread = _ok(ann.post(f"/documents/{did}/comments", json=question), 201)
    _ok(ann.post(f"/documents/{did}/comments", json={"body": "Odd text", "kind": "flag"}), 201)
    _ok(rev.post(f"/comments/{thread['id']}/replies", json={"body": "Yes."}), 201)
    _ok(rev.patch(f"/comments/{thread['id']}", json={"resolved": True}))
    _ok(ann.get(f"/comments/{thread['id']}"))
    listed = _ok(ann.get(f"/documents/{did}/comments"))
    assert {t["id"]: t["unread"] for t in listed["threads"]}[thread["id"]] == 1  # rev's reply
    _ok(ann.post(f"/comments/{thread['id']}/read", json={}))
    etag = ann.get(f"/documents/{did}/comments").headers["ETag"]
    unchanged = ann.get(f"/documents/{did}/comments", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    _ok(rev.get(f"/projects/{pid}/comments?state=all"))
    assert _ok(ann.post(f"/projects/{pid}/comments/read"))["unread"] == 0
    _ok(mgr.get(f"/projects/{pid}/annotators"))
    upload = FileStorage(io.BytesIO(b"text,source\nMarie Curie,wire\n"), filename="head.csv")
    boundary, body = encode_multipart(MultiDict({"file": upload}))
    content_type = f"multipart/form-data; boundary={boundary}"
    _ok(mgr.post(f"/projects/{pid}/documents/preview", data=body, content_type=content_type))
    spare = _ok(
        _upload(mgr, pid, "spare.txt", b"A spare text to delete.", preannotate="false"), 201
    )
    listing = _ok(mgr.get(f"/projects/{pid}/documents?q=spare"))
    assert spare["imported"] == 1 and len(listing["items"]) == 1
    gone = listing["items"][0]["id"]
    _ok(mgr.delete(f"/documents/{gone}?preview=true"))
    _ok(mgr.delete(f"/documents/{gone}"))


def _drive_training(app: Flask, session: Any, mgr: ApiClient, pid: int) -> None:
    """The model-in-the-loop endpoints; the version activated is registered directly (a
    real training run belongs to tests/test_training.py)."""
    job = _ok(mgr.post(f"/projects/{pid}/train", json={"curve": False, "max_steps": 1}), 202)
    app.extensions["textlabel.jobs"].wait(job["id"], timeout=300)
    _ok(mgr.get(f"/projects/{pid}/models"))
    folder = Path(app.config["INSTANCE"]) / "models" / "registered"
    folder.mkdir(parents=True, exist_ok=True)
    session.add(ModelVersion(project_id=pid, version=99, path=str(folder), base_model="base",
                             scores={"model": {"f": 0.5}, "base": {"f": 0.4}}))  # fmt: skip
    session.commit()
    _ok(mgr.put(f"/projects/{pid}/models/active", json={"version": 99}))
    _ok(mgr.post(f"/projects/{pid}/models/rollback"))
    _ok(mgr.put(f"/projects/{pid}/models/active", json={"version": None}))
    _ok(mgr.get(f"/projects/{pid}/loop-settings"))
    _ok(mgr.put(f"/projects/{pid}/loop-settings", json={"queue": "uncertainty", "ruler": True}))
    _ok(mgr.put(f"/projects/{pid}/loop-settings", json={"queue": "both"}))
    _ok(mgr.put(f"/projects/{pid}/loop-settings", json={"queue": "uncertainty"}))
    job = _ok(mgr.post(f"/projects/{pid}/repreannotate"), 202)
    app.extensions["textlabel.jobs"].wait(job["id"], timeout=300)
    spare = _ok(mgr.post("/projects", json={"name": "Spare"}), 201)["id"]
    _ok(mgr.post(f"/projects/{spare}/archive", json={"archived": True}))
    _ok(mgr.get("/projects?archived=true"))
    _ok(mgr.delete(f"/projects/{spare}?confirm=Spare"), 204)


def _first_word_span(document: dict[str, Any]) -> list[dict[str, Any]]:
    token = document["tokens"][0]
    return [{"start": token["start"], "end": token["end"], "label": "PER"}]


def _first_two_words(document: dict[str, Any]) -> list[dict[str, int]]:
    return [{"start": t["start"], "end": t["end"]} for t in document["tokens"][:2]]


def _errors(app: Flask, pid: int, did: int) -> None:
    """The failures a client meets, each with the error body."""
    client = app.test_client()
    assert client.get("/api/v1/projects").status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "mgr"}).status_code == 422
    bad = client.post("/api/v1/auth/token", json={"username": "mgr", "password": "wrong"})
    assert bad.status_code == 401
    ann = api_as(app, "ann1")
    assert ann.get(f"/projects/{pid}/review-queue").status_code == 403
    assert ann.get("/documents/999999").status_code == 404
    stale = ann.put(f"/documents/{did}/annotations/me", json={"version": 1, "spans": []})
    assert stale.status_code == 409
    version = _ok(ann.get(f"/documents/{did}/annotations/me"))["version"]
    outside = {"version": version, "spans": [{"start": 0, "end": 10_000, "label": "PER"}]}
    assert ann.put(f"/documents/{did}/annotations/me", json=outside).status_code == 422
    mgr = api_as(app, "mgr")
    assert mgr.get(f"/projects/{pid}/agreement?layer=nope").status_code == 422
    assert mgr.post("/projects", json={"name": "News", "labels": []}).status_code == 409
    assert mgr.post("/projects", data="{", content_type="application/json").status_code == 422
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # DOCX is read now: an image is not
    assert _upload(mgr, pid, "scan.png", png).status_code == 415
    app.config["MAX_CONTENT_LENGTH"], limit = 2_000, app.config["MAX_CONTENT_LENGTH"]
    assert _upload(mgr, pid, "big.txt", b"word " * 1_000).status_code == 413
    app.config["MAX_CONTENT_LENGTH"] = limit
    wrong = {"username": "ann2", "password": "wrong"}
    statuses = [client.post("/api/v1/auth/token", json=wrong).status_code for _ in range(6)]
    assert statuses[-1] == 429, statuses


def _spec(app: Flask, session: Any) -> dict[str, Any]:
    """The OpenAPI document as a client downloads it."""
    make_user(session, "reader")
    return _ok(api_as(app, "reader").get("/openapi.json"))


def test_the_openapi_document_is_valid(app: Flask, session: Any) -> None:
    validate_spec(_spec(app, session))


def _problems(spec: dict[str, Any], seen: list[tuple[str, str, int, Response]]) -> list[str]:
    """Each response that breaks the OpenAPI document: an undeclared status, a body of another
    media type, or a JSON body its declared schema refuses (named by path and status)."""
    components = _closed(spec["components"])
    problems: list[str] = []
    for path, method, status, response in seen:
        declared = spec["paths"][path][method.lower()]["responses"].get(str(status))
        where = f"{method} {path} {status}"
        if declared is None:
            problems.append(f"{where}: status not declared")
            continue
        content = declared.get("content", {})
        if not response.is_json:
            if status != 204 and "application/json" in content:
                problems.append(f"{where}: declared JSON, sent {response.mimetype}")
            continue
        if "application/json" not in content:
            problems.append(f"{where}: JSON sent, none declared")
            continue
        schema = {**copy.deepcopy(content["application/json"]["schema"]), "components": components}
        validator = OAS30Validator(schema, format_checker=oas30_format_checker)
        for error in validator.iter_errors(response.get_json()):
            at = "/".join(map(str, error.absolute_path)) or "(root)"
            problems.append(f"{where}: at {at}: {error.message[:300]}")
    return sorted(set(problems))


def test_every_response_matches_its_declared_schema(app: Flask, session: Any) -> None:
    seen, record = _recorder()
    with request_finished.connected_to(record, app):
        _drive(app, session)
    spec = _spec(app, session)
    problems = _problems(spec, seen)
    assert not problems, "\n".join(problems)
    driven = {(path, method) for path, method, status, _ in seen if status < 300}
    declared = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    assert declared - driven == set(), "endpoints the test never reached with success"
    errors = {status for *_, status, _ in seen if status >= 400}
    assert errors == {401, 403, 404, 409, 413, 415, 422, 429}


def test_the_check_finds_bodies_that_break_their_schema(app: Flask, session: Any) -> None:
    """The validator is not vacuous: wrong types, a missing required key, an undocumented
    key, an undeclared status and a non-JSON body where JSON is declared are all reported."""
    spec = _spec(app, session)

    def sent(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
        data = json.dumps(body) if mimetype == "application/json" else str(body)
        return Response(data, status=status, mimetype=mimetype)

    job = "/api/v1/jobs/{jid}"
    user = {"id": 1, "username": "a", "is_admin": False, "is_active": True}
    seen = [
        ("/api/v1/projects/{pid}/review-queue/next", "GET", 200, sent({"document_id": "7"})),
        ("/api/v1/users/me", "GET", 200, sent({**user, "extra": True})),
        ("/api/v1/users", "GET", 200, sent([{"id": 2, "username": "b"}])),
        ("/api/v1/projects", "GET", 401, sent({"error": {"code": "x", "details": None}}, 401)),
        ("/api/v1/projects", "GET", 418, sent({}, 418)),
        (job, "GET", 200, sent("<html>", mimetype="text/html")),
    ]
    problems = _problems(spec, seen)
    assert len(problems) == 7, problems
    assert any("document_id" in p and "'7' is not of type 'integer'" in p for p in problems)
    assert any("'extra' was unexpected" in p for p in problems)
    assert any("at 0: 'is_admin' is a required property" in p for p in problems)
    assert any("'message' is a required property" in p for p in problems)
    assert any("418: status not declared" in p for p in problems)
    assert any("declared JSON, sent text/html" in p for p in problems)
