"""Property tests of every reader (issue 14): arbitrary bytes in, and out comes either a 4xx
error that names the file, or documents that are stored. Never another exception.

Each reader gets raw bytes and bytes shaped like its format (the right separators, numbers
like "²" and "1-0", escapes, NUL, lone surrogates, NaN), through the same import service the
API uses, on one SQLite database for the module.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from textlabel import migrate
from textlabel.auth import service as auth
from textlabel.db import make_engine
from textlabel.errors import TextlabelError
from textlabel.ingest.registry import READERS
from textlabel.ingest.service import ImportOptions, import_file
from textlabel.models import Project
from textlabel.projects.service import LabelSpec, create_project

FILENAME = {name: f"probe.{name}" for name in READERS} | {"auto": "probe.dat"}
EXAMPLES = {"pdf": 8}  # a child process each; the others take the default below
DEFAULT_EXAMPLES = 60

_WORDS = st.sampled_from(
    ["Ada", "met", "Bob", "", "_", "1", "2", "1-0", "2-1", "1.1", "²", "0", "-1", "9" * 12,
     "NOUN", "<img>", "B-PER", "I-PER", "O", "SpaceAfter=No", "SpacesAfter=\\u0000",
     "Entity=(e1)", "\x00", "\ud800", "NaN", "é", "\u2028"]
)  # fmt: skip


def _lines(separator: str) -> st.SearchStrategy[bytes]:
    row = st.lists(_WORDS, min_size=1, max_size=11).map(separator.join)
    lines = st.lists(st.one_of(row, st.sampled_from(["", "# newdoc", "-DOCSTART- O"])))
    return lines.map(lambda rows: "\n".join(rows).encode("utf-8", "surrogatepass"))


_JSON_VALUES = st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(), _WORDS,
        st.just(10**30), st.just(float("nan")),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(_WORDS, children, max_size=4)
    ),
    max_leaves=12,
)  # fmt: skip


def _json_record() -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(
        {"text": st.one_of(_WORDS, st.text(max_size=30))},
        optional={
            "meta": _JSON_VALUES,
            "tokens": st.lists(
                st.fixed_dictionaries({"start": st.integers(-2, 40), "end": st.integers(-2, 40)}),
                max_size=4,
            ),
            "spans": st.lists(
                st.fixed_dictionaries(
                    {"start": st.integers(-2, 40), "end": st.integers(-2, 40), "label": _WORDS}
                ),
                max_size=3,
            ),
            "pos": st.lists(st.one_of(st.none(), _WORDS), max_size=4),
            "pages": _JSON_VALUES,
        },
    )


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


_MEMBERS = st.lists(
    st.tuples(
        st.sampled_from(["[Content_Types].xml", "word/document.xml", "_rels/.rels", "a.txt",
                         "a.ann", "b.jsonl", "c.csv", "d.conllu", "../e.txt", "f/"]),
        st.one_of(st.binary(max_size=200), _lines("\t"), st.just(b"<?xml version='1.0'?><w/>")),
    ),
    max_size=4,
    unique_by=lambda member: member[0],
).map(_zip)  # fmt: skip


def _dump(value: object) -> bytes:
    return json.dumps(value, allow_nan=True).encode("utf-8", "surrogatepass")


SHAPED: dict[str, st.SearchStrategy[bytes]] = {
    "csv": _lines(","),
    "tsv": _lines("\t"),
    "conll": _lines(" "),
    "conllu": _lines("\t"),
    "txt": _lines(" "),
    "jsonl": st.lists(_json_record().map(_dump)).map(b"\n".join),
    "json": st.lists(_json_record()).map(_dump),
    "pdf": st.binary(max_size=400).map(lambda tail: b"%PDF-1.4\n" + tail),
    "docx": _MEMBERS,
    "zip": _MEMBERS,
    "brat": _MEMBERS,
}


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{Path(tmp_path_factory.mktemp('props')) / 'p.db'}")
    migrate.upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        yield session
    engine.dispose()


@pytest.fixture(scope="module")
def target(database: Session) -> Project:
    user = auth.create_user(database, "importer", "a password 1")
    return create_project(
        database, name="Props", created_by=user, labels=[LabelSpec("PER")],
        layers=["entities", "pos", "coref"],
    )  # fmt: skip


def _import(session: Session, project: Project, name: str, data: bytes) -> None:
    options = ImportOptions(format=name, keep_good_rows=True, add_labels=True)
    filename = FILENAME[name]
    try:
        import_file(session, project, io.BytesIO(data), filename, user=project.memberships[0].user,
                    options=options)  # fmt: skip
    except TextlabelError as error:
        assert 400 <= error.status < 500, error
        located = filename in error.message or "label" in error.message
        assert located, f"{error.message!r} does not name {filename}"


@pytest.mark.parametrize("name", [*sorted(READERS), "auto"])
def test_any_bytes_give_a_located_4xx_or_stored_documents(database, target, name):
    @given(data=st.one_of(st.binary(max_size=600), SHAPED.get(name, st.binary())))
    @settings(
        max_examples=EXAMPLES.get(name, DEFAULT_EXAMPLES),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(data: bytes) -> None:
        _import(database, target, name, data)

    check()
