"""Schemathesis fuzzes every operation of the OpenAPI document (issue 14): as a project
manager and as an annotator, on both databases, with a bounded number of examples per
operation. No request may answer 5xx, and every response must match the document: its
status declared, its content type and body as described.

Path ids are steered half of the time to the rows made here (project, document, label, job,
token), so the fuzzer reaches the code behind the 404s too.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import add_documents, make_project, make_users
from textlabel.auth import service as auth
from textlabel.models import Job

EXAMPLES = 6  # per operation, role and database: the whole file stays near two minutes
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["manager", "annotator"])
def fuzz_setup(request, app, session) -> dict[str, Any]:
    """Two accounts in one project with documents, a label, a job and a token each."""
    manager, annotator = make_users(session, "manager", "annotator")
    project = make_project(session, manager, "Fuzzed", members={"annotator": "annotator"})
    [document, _] = add_documents(session, project, ["Ada Lovelace met Babbage.", "Hi."])
    job = Job(kind="export", project_id=project.id, created_by_id=manager.id)
    session.add(job)
    session.commit()
    tokens = {
        "manager": auth.issue_token(session, manager),
        "annotator": auth.issue_token(session, annotator),
    }
    ids = {
        "pid": project.id,
        "did": document.id,
        "lid": project.labels[0].id,
        "jid": job.id,
        "tid": 1,
        "username": "annotator",
    }
    return {"headers": {"Authorization": f"Bearer {tokens[request.param]}"}, "ids": ids}


def _fuzz(operation: Any, setup: dict[str, Any]) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for name, value in list((case.path_parameters or {}).items()):
            if name in setup["ids"] and hash(str(value)) % 2 == 0:
                case.path_parameters[name] = setup["ids"][name]
        response = case.call(headers=setup["headers"])
        case.validate_response(response, checks=CHECKS)

    run()


def test_no_request_answers_5xx_or_outside_the_contract(app, fuzz_setup) -> None:
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", app, headers=fuzz_setup["headers"]
    )
    failures = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _fuzz(operation, fuzz_setup)
        except Exception as failure:  # collect every operation's failure, then report all
            failures.append(f"{operation.label}: {str(failure)[:2000]}")
        fuzzed += 1
    assert fuzzed > 30  # the whole document, not an empty one
    assert not failures, "\n\n".join(failures)
