"""``textlabel comments PROJECT``: threads as a table and as JSON, filtered by state and
kind, on SQLite and PostgreSQL (the command reads the test's database)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask import Flask

from tests.factories import add_documents, make_project, make_user, make_users
from tests.helpers import client_of
from textlabel import cli


@pytest.fixture
def run(app: Flask, tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TEXTLABEL_DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("TEXTLABEL_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("TEXTLABEL_SECRET_KEY", "cli-secret")

    def invoke(*args: str):
        return CliRunner().invoke(cli.main, ["comments", *args], terminal_width=200)

    return invoke


def test_comments_lists_threads_by_state_and_kind(app: Flask, session, run) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann", "rev")
    project = make_project(
        session, admin, "Letters", members={"ann": "annotator", "rev": "reviewer"}
    )
    first, second = add_documents(session, project, ["Ada met Charles Babbage.", "A short note."])
    ann, rev = client_of(app, "ann"), client_of(app, "rev")
    start = "Ada met Charles Babbage.".index("Charles")
    question = {"body": "PER or ORG?\nSee line 2", "start": start, "end": start + 15}
    span = ann.post(f"/documents/{first.id}/comments", json=question).json
    rev.post(f"/comments/{span['id']}/replies", json={"body": "PER."})
    flag = ann.post(
        f"/documents/{second.id}/comments", json={"body": "Cut off", "kind": "flag"}
    ).json
    rev.patch(f"/comments/{flag['id']}", json={"resolved": True})

    listed = run("Letters")
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0].split() == ["thread", "document", "kind", "state", "on", "author", "replies",
                                "last", "(UTC)", "comment"]  # fmt: skip
    assert len(lines) == 2  # open threads by default: the flag is resolved
    assert lines[1].split()[:4] == [str(span["id"]), str(first.id), "comment", "open"]
    assert "Charles Babbage" in lines[1] and "PER or ORG? See line 2" in lines[1]
    flags = run(str(project.id), "--state", "all", "--kind", "flag")
    assert flags.exit_code == 0 and len(flags.output.splitlines()) == 2
    assert "resolved by rev" in flags.output and "(document)" in flags.output
    assert run("Letters", "--state", "resolved", "--kind", "comment").output == (
        "Letters: no resolved threads\n"
    )

    exported = run("Letters", "--state", "all", "--json")
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)
    assert data["project"] == "Letters"
    assert [t["id"] for t in data["threads"]] == [span["id"], flag["id"]]  # by document
    thread = data["threads"][0]
    assert thread["quote"] == "Charles Babbage" and thread["body"] == "PER or ORG?\nSee line 2"
    assert [(r["author"], r["body"]) for r in thread["replies"]] == [("rev", "PER.")]
    assert "unread" not in thread and "may_resolve" not in thread  # no reader here
    assert data["threads"][1]["resolved_by"] == "rev"

    missing = run("Nope")
    assert missing.exit_code == 2 and "Nope" in missing.output
    assert run("Letters", "--state", "closed").exit_code == 2


def test_comments_mark_read_for_a_member(app: Flask, session, run) -> None:
    admin = make_user(session, "admin", admin=True)
    make_users(session, "ann", "rev", "outsider")
    project = make_project(session, admin, "Notes", members={"ann": "annotator", "rev": "reviewer"})
    (document,) = add_documents(session, project, ["Ada met Charles Babbage."])
    for body in ("One?", "Two?"):
        client_of(app, "ann").post(f"/documents/{document.id}/comments", json={"body": body})
    marked = run("Notes", "--mark-read", "rev")
    assert marked.exit_code == 0, marked.output
    assert marked.output == "Notes: 2 threads marked read for rev\n"
    assert client_of(app, "rev").get(f"/projects/{project.id}/comments").json["unread"] == 0
    assert client_of(app, "ann").get(f"/projects/{project.id}/comments").json["unread"] == 0
    assert run("Notes", "--mark-read", "rev").output == "Notes: 0 threads marked read for rev\n"
    refused = run("Notes", "--mark-read", "outsider")
    assert refused.exit_code == 2 and "not found" in refused.output
    assert run("Notes", "--mark-read", "nobody").exit_code == 2
