"""Speaker turns an import carries reach coreference: a CoNLL-U conversation with ``# speaker``
comments, imported and pre-annotated through the API, gets one "I" chain per speaker."""

from __future__ import annotations

import io
import re

from flask import Flask
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.factories import make_project, make_user
from tests.helpers import api_as, wait_for_job
from textlabel.export import conllu as conllu_export
from textlabel.ingest import conll2012, conllu
from textlabel.ingest.base import ReadOptions
from textlabel.models import Document
from textlabel.nlp.coref.turns import SPEAKERS, sentence_turns
from textlabel.nlp.preannotate import _as_input
from textlabel.records import DocumentRecord

# Written for this test: Ann speaks the first and last sentences, Bob the two between, where
# "You" is Ann. Without the turns every "I" is one voice.
TURNS = [
    ("Ann", ["I", "think", "the", "plan", "works", "."]),
    ("Bob", ["I", "am", "not", "sure", "."]),
    ("Bob", ["You", "always", "say", "that", "."]),
    ("Ann", ["I", "say", "it", "because", "I", "tested", "it", "."]),
]


def _conllu(turns: list[tuple[str, list[str]]]) -> bytes:
    lines = ["# newdoc id = talk"]
    for n, (speaker, words) in enumerate(turns, start=1):
        text = " ".join(words).replace(" .", ".")
        lines += [f"# sent_id = talk-{n}", f"# speaker = {speaker}", f"# text = {text}"]
        for i, word in enumerate(words, start=1):
            glued = i < len(words) and words[i] == "."
            misc = "SpaceAfter=No" if glued else "_"
            lines.append(f"{i}\t{word}\t_\t_\t_\t_\t_\t_\t_\t{misc}")
        lines.append("")
    return ("\n".join(lines) + "\n").encode()


def _conll2012(turns: list[tuple[str, list[str]]]) -> bytes:
    """OntoNotes' 12 columns: doc part index word POS parse lemma frameset sense speaker NE
    coref."""
    lines = ["#begin document (talk); part 000"]
    for speaker, words in turns:
        lines += [f"talk 0 {i} {word} - - - - - {speaker} * -" for i, word in enumerate(words)]
        lines.append("")
    return ("\n".join([*lines, "#end document"]) + "\n").encode()


def _turns(record: DocumentRecord) -> list[tuple[int, int, str]] | None:
    tokens = record.tokens or []
    starts, ends = [t.start for t in tokens], [t.end for t in tokens]
    return sentence_turns(record.meta.get("sentences"), starts, ends, record.sent_starts or [0])


def test_conll2012_speakers_are_kept_per_sentence_and_survive_a_conllu_export() -> None:
    (record,) = conll2012.read(io.BytesIO(_conll2012(TURNS)), "talk.conll", ReadOptions())
    assert isinstance(record, DocumentRecord)
    assert [row.get("speaker") for row in record.meta["sentences"]] == [t[0] for t in TURNS]
    assert not [loss for loss in record.losses if loss.kind == "speakers"]
    turns = _turns(record)
    assert turns and [record.text[a:b] for a, b, _ in turns][1] == "I am not sure ."
    exported = conllu_export.write_document(record, number=1, layers=("coref",))
    assert exported.count("# speaker = ") == len(TURNS)
    (again,) = conllu.read(io.BytesIO(exported.encode()), "talk.conllu", ReadOptions())
    assert isinstance(again, DocumentRecord) and _turns(again) == turns


def test_guessed_sentences_get_no_turns_from_the_sources_rows(nlp) -> None:
    text = "I came. You went."
    meta = {"sentences": [{"speaker": "Ann"}, {"speaker": "Bob"}]}
    stored = {"offsets": [0, 1, 2, 6, 6, 7, 8, 11, 12, 16, 16, 17], "sent_starts": [0, 3]}
    given = _as_input(nlp, Document(text=text, tokens=stored, meta=meta))
    assert given.user_data[SPEAKERS] == [(0, 7, "Ann"), (8, 17, "Bob")]
    guessed = _as_input(
        nlp, Document(text=text, tokens={**stored, "sents_guessed": True}, meta=meta)
    )
    assert SPEAKERS not in guessed.user_data


def test_sentence_metadata_gives_turns_only_when_it_fits_the_stored_sentences() -> None:
    starts, ends, sent_starts = [0, 2, 8, 10], [1, 7, 9, 14], [0, 2]
    rows = [{"comments": ["# speaker = Ann"]}, {"speaker": "Bob"}]  # CoNLL-U, CoNLL-2012
    assert sentence_turns(rows, starts, ends, sent_starts) == [(0, 7, "Ann"), (8, 14, "Bob")]
    assert sentence_turns([{"speaker": "-"}, {}], starts, ends, sent_starts) is None
    assert sentence_turns(rows[:1], starts, ends, sent_starts) is None  # re-split since


def test_imported_speakers_give_each_speaker_their_own_i(app: Flask, session) -> None:
    owner = make_user(session, "mgr")
    project = make_project(session, owner, layers=["coref"], labels=("PER",))
    api = api_as(app, "mgr")
    upload = FileStorage(io.BytesIO(_conllu(TURNS)), filename="talk.conllu")
    boundary, body = encode_multipart(
        MultiDict(
            {"preannotate": "false", "annotations": "annotator", "annotator": "mgr", "file": upload}
        )
    )
    imported = api.post(
        f"/projects/{project.id}/documents",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert imported.status_code == 201 and imported.json["imported"] == 1, imported.json
    started = api.post(f"/projects/{project.id}/preannotate")
    assert wait_for_job(api, started.json["id"])["status"] == "done"
    listed = api.get(f"/projects/{project.id}/documents").json["items"]
    document = api.get(f"/documents/{listed[0]['id']}").json
    text = document["text"]
    chains = [
        {(m["start"], text[m["start"] : m["end"]]) for m in chain}
        for chain in document["prediction"]["coref"]
    ]
    ann = [(m.start(), "I") for m in re.finditer(r"\bI\b", text)]
    bob_i, you = ann.pop(1), (text.index("You"), "You")
    anns_chain = next(chain for chain in chains if ann[0] in chain)
    assert set(ann) | {you} <= anns_chain, chains  # Ann's every "I", and Bob's "You"
    assert bob_i not in anns_chain, chains  # Bob's "I" is someone else
