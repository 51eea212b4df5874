"""The OpenAPI document lists every API route, generated from the schemas."""

from __future__ import annotations

import re

from flask import Flask

from tests.factories import make_user
from tests.helpers import api_as


def test_spec_lists_every_api_route(app: Flask, session) -> None:
    make_user(session, "ada")
    spec = api_as(app, "ada").get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    documented = {(path, method.upper()) for path, ops in spec["paths"].items() for method in ops}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)
    create = spec["paths"]["/api/v1/projects"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProjectCreate"}
    fields = spec["components"]["schemas"]["ProjectCreate"]["properties"]
    assert {"name", "labels", "layers", "overlap", "blind"} <= set(fields)
    assert "422" in create["responses"] and "401" in create["responses"]


def test_statuses_a_body_can_cause_are_in_the_spec_and_real(app: Flask, session) -> None:
    """Defect 8: 413 (any body over the upload limit) and the upload's 400/422 were missing."""
    make_user(session, "ada", admin=True)
    api = api_as(app, "ada")
    spec = api.get("/openapi.json").json
    with_body = [(path, method, op) for path, ops in spec["paths"].items()
                 for method, op in ops.items() if "requestBody" in op]  # fmt: skip
    assert len(with_body) >= 10
    for path, method, op in with_body:
        assert {"400", "413", "422"} <= set(op["responses"]), (method, path)
    upload = spec["paths"]["/api/v1/projects/{pid}/documents"]["post"]["responses"]
    assert {"400", "413", "415", "422"} <= set(upload)
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = api.post("/projects", json={"name": "x" * 2000})
    assert response.status_code == 413 and response.json["error"]["code"]
