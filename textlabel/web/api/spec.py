"""GET /api/v1/openapi.json: the OpenAPI 3 document, generated from the registered routes
and their marshmallow schemas (built once per process)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import jsonify
from flask.typing import ResponseReturnValue

from textlabel.schemas.common import ErrorSchema
from textlabel.web.api import OPERATIONS, Operation, route

ERRORS = {
    400: "malformed request", 401: "not signed in", 403: "not allowed",
    404: "not found (or not visible to you)", 409: "stale version or duplicate",
    413: "too large", 415: "unsupported format", 422: "invalid input",
    429: "too many failed attempts", 501: "not built yet",
}  # fmt: skip
RULE_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if conv == "int" else "string"},
        }
        for conv, name in RULE_PARAM.findall(rule)
    ]
    return "/api/v1" + RULE_PARAM.sub(r"{\2}", rule), params


def _operation(op: Operation) -> dict[str, Any]:
    path_params = _path(op.rule)[1]
    operation: dict[str, Any] = {
        "summary": op.summary,
        "operationId": op.endpoint,
        "tags": [op.tag],
        "parameters": path_params,
        "responses": {},
    }
    if op.query is not None:
        operation["parameters"] = path_params + [{"in": "query", "schema": op.query}]
    if op.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    if op.form:
        props = {
            name: {"type": "string", "format": "binary" if name == "file" else None,
                   "description": text}
            for name, text in op.form.items()
        }  # fmt: skip
        for prop in props.values():
            if prop["format"] is None:
                del prop["format"]
        operation["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": {"type": "object", "properties": props}}},
        }
    success: dict[str, Any] = {"description": "success"}
    if op.response is not None:
        success["content"] = {op.media_type: {"schema": op.response}}
    elif op.media_type != "application/json":
        success["content"] = {op.media_type: {"schema": {"type": "string", "format": "binary"}}}
    elif op.status != 204:
        success["content"] = {op.media_type: {"schema": {"type": "object"}}}
    operation["responses"][str(op.status)] = success
    takes_input = op.body is not None or op.query is not None or bool(op.form)
    codes = [400, 422] if takes_input else []
    if op.body is not None or op.form:
        codes.append(413)  # any body beyond TEXTLABEL_MAX_UPLOAD_MB
    codes += [401] if op.public else [401, 403, 404]
    codes += op.errors
    for code in sorted(set(codes)):
        if code == 304:  # a conditional GET: no body
            operation["responses"]["304"] = {"description": "not modified (If-None-Match)"}
            continue
        operation["responses"][str(code)] = {
            "description": ERRORS[code],
            "content": {"application/json": {"schema": "ErrorSchema"}},
        }
    if not op.public:
        operation["security"] = [{"bearer": []}]
    return operation


@cache
def build_spec() -> dict[str, Any]:
    spec = APISpec(
        title="textlabel API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Text annotation server: projects, documents, annotations, "
                             "agreement, review and export. Errors are "
                             '{"error": {"code", "message", "details"}}.'},
    )  # fmt: skip
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("ErrorSchema", schema=ErrorSchema)
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        path, _ = _path(op.rule)
        paths.setdefault(path, {})[op.method.lower()] = _operation(op)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


@route("/openapi.json", tag="meta")
def openapi() -> ResponseReturnValue:
    """The OpenAPI document of this API."""
    return jsonify(build_spec())
