"""The `textlabel` command: help everywhere, users and projects, the demo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.served import LAUNCHER
from textlabel import cli
from textlabel.db import make_engine
from textlabel.models import (
    Annotation,
    Document,
    LayerLabel,
    Membership,
    ModelVersion,
    Project,
    Span,
    User,
)


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from _commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *_commands(cli.main)])
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli.main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {
        "TEXTLABEL_INSTANCE": str(tmp_path / "instance"),
        "TEXTLABEL_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


def test_user_and_project_create(env: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(cli.main, ["init"]).exit_code == 0
    made = runner.invoke(
        cli.main, ["user", "create", "ada", "--password", "secret-pass", "--admin"]
    )
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli.main, ["user", "create", "ada", "--password", "secret-pass"])
    assert again.exit_code == 2 and "already exists" in again.output
    project = runner.invoke(
        cli.main,
        ["project", "create", "Corpus", "--owner", "ada", "--label", "PER:#ff0000:p",
         "--label", "LOC", "--layers", "entities,pos", "--overlap", "2"],
    )  # fmt: skip
    assert project.exit_code == 0, project.output
    engine = make_engine(env["TEXTLABEL_DATABASE_URL"])
    with engine.connect() as connection:
        admin = connection.execute(select(User.is_admin).where(User.username == "ada")).scalar()
        row = connection.execute(select(Project.layers, Project.overlap)).one()
        role = connection.execute(select(Membership.role)).scalar()
    engine.dispose()
    assert admin is True and row == (["entities", "pos"], 2) and role == "manager"


def test_model_list_activate_and_rollback(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli.main, ["init"]).exit_code == 0
    runner.invoke(cli.main, ["user", "create", "ada", "--password", "secret-pass", "--admin"])
    runner.invoke(cli.main, ["project", "create", "Corpus", "--owner", "ada", "--label", "PER"])
    empty = runner.invoke(cli.main, ["model", "list", "Corpus"])
    assert empty.exit_code == 0 and "no trained model yet" in empty.output
    engine = make_engine(env["TEXTLABEL_DATABASE_URL"])
    with Session(engine) as session:
        project_id = session.scalars(select(Project.id)).one()
        for version, f in ((1, 0.5), (2, 0.75)):
            (tmp_path / f"v{version}").mkdir()
            session.add(ModelVersion(project_id=project_id, version=version,
                                     path=str(tmp_path / f"v{version}"), base_model="base",
                                     data={"train_documents": 10 * version},
                                     scores={"model": {"f": f}, "base": {"f": 0.25}}))  # fmt: skip
        session.commit()

    def active() -> int | None:
        with engine.connect() as connection:
            return connection.scalar(select(ModelVersion.version).where(ModelVersion.active))

    listed = runner.invoke(cli.main, ["model", "list", "Corpus"])
    assert listed.exit_code == 0, listed.output
    assert [line.split()[:4] for line in listed.output.splitlines()[1:]] == [
        ["2", "0.750", "0.250", "20"], ["1", "0.500", "0.250", "10"]]  # fmt: skip
    for step in (["activate", "Corpus", "1"], ["activate", "Corpus", "2"]):
        assert runner.invoke(cli.main, ["model", *step]).exit_code == 0
    assert active() == 2 and "*2" in runner.invoke(cli.main, ["model", "list", "Corpus"]).output
    back = runner.invoke(cli.main, ["model", "rollback", "Corpus"])
    assert back.exit_code == 0 and "version 1" in back.output and active() == 1
    missing = runner.invoke(cli.main, ["model", "activate", "Corpus", "7"])
    assert missing.exit_code == 2 and "no model version 7" in missing.output
    unknown = runner.invoke(cli.main, ["model", "list", "Nope"])
    assert unknown.exit_code == 2 and "error:" in unknown.output and "Nope" in unknown.output
    engine.dispose()


def test_demo_sets_up_accounts_and_real_documents(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTLABEL_")}
    done = subprocess.run(
        [sys.executable, "-m", "textlabel.cli", "demo", "--no-serve"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "admin" in done.stdout and "annotator1" in done.stdout
    assert (tmp_path / "instance" / "textlabel.db").exists()
    engine = make_engine(f"sqlite:///{tmp_path / 'instance' / 'textlabel.db'}")
    with engine.connect() as connection:
        documents = connection.execute(select(func.count(Document.id))).scalar()
        users = connection.execute(select(func.count(User.id))).scalar()
        golds = connection.execute(
            select(func.count(Annotation.id)).where(Annotation.kind == "gold")
        ).scalar()
        first = connection.execute(
            select(Document.text, Span.start_char, Span.end_char, Span.label)
            .join(Annotation, Annotation.document_id == Document.id)
            .join(Span, Span.annotation_id == Annotation.id)
            .where(Annotation.kind == "gold")
            .order_by(Document.id, Span.start_char)
        ).first()
    engine.dispose()
    assert documents == 40 and users == 3
    # issue 16: the demo has relation labels and document labels
    with engine.connect() as connection:
        layers = connection.execute(select(Project.layers)).scalar()
        kinds = dict(connection.execute(
            select(LayerLabel.layer, func.count(LayerLabel.id)).group_by(LayerLabel.layer)
        ).all())  # fmt: skip
    engine.dispose()
    assert {"relations", "cats"} <= set(layers) and kinds == {"relations": 3, "cats": 5}
    # the first 30 documents come with Universal NER's gold, for the model loop
    assert golds == 30
    assert first is not None
    assert (first[0][first[1] : first[2]], first[3]) == ("United States", "LOC")


def test_demo_serves_once_its_job_process_has_pre_annotated(tmp_path: Path) -> None:
    """README's quickstart: ``textlabel demo`` pre-annotates in the job process, then serves
    (it once waited forever on the job row it had loaded, never reading it again)."""
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTLABEL_")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "textlabel.cli", "demo", "--port", str(port)], cwd=tmp_path,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    status = None
    launchers: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while status != 200 and demo.poll() is None and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    status = r.status
            except OSError:
                time.sleep(0.5)
        # large uploads fork from an import launcher, forked before the job process's thread
        children = subprocess.run(["pgrep", "-P", str(demo.pid)], capture_output=True, text=True)
        launchers = [
            pid for pid in children.stdout.split()
            if Path(f"/proc/{pid}/comm").read_text().strip() == LAUNCHER
        ]  # fmt: skip
    finally:
        demo.terminate()
        output, _ = demo.communicate(timeout=60)
    assert status == 200, output
    assert "40 new documents, 40 pre-annotated" in output
    assert len(launchers) == 1, output
    assert "not forking the import launcher" not in output


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+psycopg://ann:s3cr%40t@db.example:5432/tl", "postgresql+psycopg://ann:***@db.example:5432/tl"),
        ("redis://:hunter2@cache:6379/0", "redis://:***@cache:6379/0"),
        ("sqlite:////srv/textlabel.db", "sqlite:////srv/textlabel.db"),
        ("redis://cache:6379/0", "redis://cache:6379/0"),
    ],
)  # fmt: skip
def test_startup_lines_never_show_a_password(url: str, shown: str) -> None:
    from textlabel.cli._util import shown_url

    assert shown_url(url) == shown
