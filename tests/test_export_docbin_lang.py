"""A German treebank through the spaCy export: the project's language in config.cfg, XPOS in
``tag_``, UPOS in ``pos_``, lemmas, morphology, heads and dependencies in the DocBin, each
checked token by token against the source read by the ``conllu`` package, and
``python -m spacy train`` running on the export unchanged.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import conllu
import pytest
import spacy
from spacy.tokens import DocBin
from thinc.api import Config

from tests.factories import make_project, make_user
from tests.helpers import DATA, api_as
from textlabel.ingest.service import import_file

GSD = DATA / "ud" / "de_gsd-ud-test.first30.conllu"


@pytest.fixture
def export_dir(app, session, tmp_path: Path) -> Path:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, labels=(), layers=["entities", "pos"])
    client = api_as(app, "mgr")
    changed = client.patch(f"/projects/{project.id}", json={"language": "de"})
    assert changed.status_code == 200 and changed.get_json()["language"] == "de"
    with GSD.open("rb") as stream:
        result = import_file(session, project, stream, GSD.name, user=owner)
    assert result.imported == 30
    response = client.get(f"/projects/{project.id}/export?format=spacy&source=predictions&dev=0.2")
    assert response.status_code == 200, response.get_json()
    out = tmp_path / "export"
    zipfile.ZipFile(io.BytesIO(response.get_data())).extractall(out)
    return out


def test_docbin_holds_every_layer_of_the_treebank(export_dir: Path) -> None:
    config = Config().from_disk(export_dir / "config.cfg")
    assert config["nlp"]["lang"] == "de"
    assert config["nlp"]["pipeline"] == ["tok2vec", "tagger", "morphologizer", "parser"]
    nlp = spacy.blank("de")
    docs = {}
    for path in sorted(export_dir.glob("*/*.spacy")):
        for doc in DocBin().from_disk(path).get_docs(nlp.vocab):
            docs[doc.user_data["meta"]["sentences"][0]["sent_id"]] = doc
    sentences = conllu.parse(GSD.read_text(encoding="utf-8"))
    assert len(docs) == len(sentences) == 30
    checked = 0
    for sentence in sentences:
        doc = docs[sentence.metadata["sent_id"]]
        words = [token for token in sentence if isinstance(token["id"], int)]
        assert len(doc) == len(words)
        for token, word in zip(doc, words, strict=True):
            assert token.tag_ == word["xpos"]
            assert token.pos_ == word["upos"]
            assert token.lemma_ == word["lemma"]
            feats = word["feats"] or {}
            assert token.morph.to_dict() == feats
            assert token.dep_ == ("ROOT" if word["deprel"] == "root" else word["deprel"])
            head = token.i if word["head"] == 0 else word["head"] - 1
            assert token.head.i == head
            checked += 1
    assert checked == 437


@pytest.mark.slow
def test_spacy_train_runs_on_the_german_export(export_dir: Path, tmp_path: Path) -> None:
    command = [
        sys.executable, "-m", "spacy", "train", "config.cfg", "--output", str(tmp_path / "out"),
        "--training.max_steps", "2", "--training.eval_frequency", "1",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=export_dir, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    nlp = spacy.load(tmp_path / "out" / "model-last")
    assert nlp.lang == "de"
    assert set(nlp.pipe_names) == {"tok2vec", "tagger", "morphologizer", "parser"}
    # labels come from the treebank's layers (the parser's from a sample of the documents)
    assert "VVFIN" in nlp.get_pipe("tagger").labels
    assert "Case=Nom|Gender=Masc|Number=Sing|POS=NOUN" in nlp.get_pipe("morphologizer").labels
    assert {"ROOT", "det"} <= set(nlp.get_pipe("parser").labels)
