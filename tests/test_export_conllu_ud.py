"""CoNLL-U exports that UD's own validator accepts, and treebanks that come back whole.

The official validator (PyPI ``udtools``, ``udvalidate``, level 2: the UD format, universal
relations, one tree per sentence) checks a treebank's round trip and a spaCy-parsed export,
whose English ClearNLP labels (``prep``, ``pobj``) must not pass for UD relations.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import conllu
import pytest

from tests.factories import add_documents, make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.formats.ud_deprel import CLEAR_TO_UD, UD_RELATIONS
from textlabel.ingest.service import ImportOptions, import_file

EWT = DATA / "ud" / "en_ewt-ud-test.conllu"
UDVALIDATE = str(Path(sys.executable).with_name("udvalidate"))  # installed by udtools


def _validate(path: Path, *, level: int = 2) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [UDVALIDATE, "--lang", "en", "--level", str(level), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def _export(app, project) -> str:
    response = api_as(app, "mgr").get(
        f"/projects/{project.id}/export?format=conllu&source=predictions"
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def owner(session):
    return make_user(session, "mgr")


def test_treebank_without_newdoc_round_trips_byte_for_byte_with_its_repeats(
    app, session, owner, tmp_path
) -> None:
    source = "".join(
        line
        for line in EWT.read_text(encoding="utf-8").splitlines(keepends=True)
        if not line.startswith("# newdoc")
    )
    path = tmp_path / "ewt-no-newdoc.conllu"
    path.write_text(source, encoding="utf-8")
    sentences = conllu.parse(source)
    texts = [s.metadata["text"] for s in sentences]
    assert len(texts) - len(set(texts)) == 2  # "Not me sorry." and "Friendly service." twice
    project = make_project(session, owner, labels=(), layers=["entities", "pos"])
    with path.open("rb") as stream:
        result = import_file(session, project, stream, path.name, user=owner)
    assert (result.imported, result.skipped) == (len(sentences), 0)
    exported = _export(app, project)
    assert exported == source
    assert _validate(path).returncode == 0  # the source itself is valid UD

    # asked for, deduplication still works on CoNLL-U, and says how many it skipped
    other = make_project(session, owner, name="deduped", labels=(), layers=["pos"])
    with path.open("rb") as stream:
        deduped = import_file(session, other, stream, path.name, user=owner,
                              options=ImportOptions(dedupe=True))  # fmt: skip
    assert (deduped.imported, deduped.skipped) == (len(sentences) - 2, 2)


def test_treebank_export_passes_udvalidate(app, session, owner, tmp_path) -> None:
    project = make_project(session, owner, labels=(), layers=["entities", "pos"])
    with EWT.open("rb") as stream:
        import_file(session, project, stream, EWT.name, user=owner)
    out = tmp_path / "ewt.conllu"
    out.write_text(_export(app, project), encoding="utf-8")
    checked = _validate(out)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]


def test_spacy_parse_is_not_written_as_ud(app, session, owner, tmp_path) -> None:
    from textlabel.nlp.preannotate import preannotate_project

    project = make_project(session, owner, labels=(), layers=["entities", "pos"])
    add_documents(session, project, [
        "Ada Lovelace worked with Charles Babbage in London. She wrote the first program "
        "for his engine, which was never built.",
        "The committee was not convinced by the proposal and asked for another review.",
    ])  # fmt: skip
    preannotate_project(session, project)
    text = _export(app, project)
    out = tmp_path / "spacy.conllu"
    out.write_text(text, encoding="utf-8")
    checked = _validate(out)
    assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
    deprels = [token["deprel"] for sentence in conllu.parse(text) for token in sentence]
    assert not {"prep", "pobj", "dobj", "ROOT"} & set(deprels)
    assert all(label.split(":")[0] in UD_RELATIONS for label in deprels)
    assert "dep" in deprels  # prep / pobj had no exact UD relation
    assert set(deprels) - {"dep"} <= set(CLEAR_TO_UD.values())
