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
